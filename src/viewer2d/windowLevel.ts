/**
 * Window/level: Hounsfield units to grey levels, as a lookup table.
 *
 * Variant: the DICOM "LINEAR" VOI function (PS3.3 C.11.2.1.2.1) with output
 * range 0..255:
 *   x <= c - 0.5 - (w - 1) / 2  ->   0
 *   x >  c - 0.5 + (w - 1) / 2  -> 255
 *   otherwise ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, rounded.
 * HU values are integers, so the table holds one packed RGBA word per integer
 * HU from the window's lower edge to its upper edge (about 4096 entries for
 * the widest usual windows); a value outside the table is clamped to its first
 * or last entry, which is exactly black or white. Rendering is then one table
 * lookup per pixel and no floating-point work.
 *
 * Cost: building the table is O(window width);
 * memory 4 bytes per entry.
 */
import { MAX_WINDOW_WIDTH, MIN_WINDOW_WIDTH, type WindowLevel } from '../shared/view';

/** Grey level (0..255) of one HU value under the DICOM linear window function. */
export function windowGrey(hu: number, wl: WindowLevel): number {
  const w = Math.max(MIN_WINDOW_WIDTH, wl.width);
  const c = wl.center;
  if (w <= 1) return hu < c - 0.5 ? 0 : 255;
  const lo = c - 0.5 - (w - 1) / 2;
  const hi = c - 0.5 + (w - 1) / 2;
  if (hu <= lo) return 0;
  if (hu > hi) return 255;
  return Math.round(((hu - (c - 0.5)) / (w - 1) + 0.5) * 255);
}

/** True when this platform stores the low byte of a Uint32 first (every browser in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 0x04;

/** A grey level packed as opaque RGBA in a Uint32 (for a Uint32Array view of ImageData). */
export function packGrey(g: number): number {
  return LITTLE_ENDIAN
    ? (0xff000000 | (g << 16) | (g << 8) | g) >>> 0
    : ((g << 24) | (g << 16) | (g << 8) | 0xff) >>> 0;
}

/** Bytes r, g, b, a (0..255) packed as RGBA in a Uint32, in ImageData byte order. */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return LITTLE_ENDIAN
    ? ((a << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | a) >>> 0;
}

/** The bytes r, g, b, a of a word packed by packRgba. */
export function unpackRgba(w: number): [number, number, number, number] {
  return LITTLE_ENDIAN
    ? [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]
    : [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff];
}

/** True when packed words hold red in the low byte (see packRgba). */
export const RGBA_LITTLE_ENDIAN = LITTLE_ENDIAN;

/**
 * Lookup table for one window: `table[k]` is the packed RGBA of HU `baseHu + k`.
 * HU below `baseHu` map to table[0] (black) and above the end to the last
 * entry (white).
 */
export interface WindowLut {
  baseHu: number;
  table: Uint32Array;
  center: number;
  width: number;
  /** The palette the grey levels went through (null: plain grey). */
  palette: Uint32Array | null;
}

/**
 * The table of one window. With a `palette` (256 packed RGBA words, e.g.
 * colormapPalette('bone')) each grey level g becomes palette[g].
 */
export function buildWindowLut(wl: WindowLevel, palette: Uint32Array | null = null): WindowLut {
  const width = Math.min(MAX_WINDOW_WIDTH, Math.max(MIN_WINDOW_WIDTH, wl.width));
  const center = wl.center;
  const lo = center - 0.5 - (width - 1) / 2;
  const hi = center - 0.5 + (width - 1) / 2;
  // First integer that maps to 0 and last integer that maps to 255, so the
  // clamped ends of the table are exact.
  const baseHu = Math.floor(lo);
  const topHu = Math.floor(hi) + 1;
  const n = topHu - baseHu + 1;
  const table = new Uint32Array(n);
  const wlClean = { center, width };
  if (palette) for (let k = 0; k < n; k++) table[k] = palette[windowGrey(baseHu + k, wlClean)];
  else for (let k = 0; k < n; k++) table[k] = packGrey(windowGrey(baseHu + k, wlClean));
  return { baseHu, table, center, width, palette };
}

/**
 * New window after a mouse drag (dx to the right widens, dy downwards raises
 * the level, as in most radiology viewers). The sensitivity scales with the
 * current width so narrow and wide windows both feel controllable.
 */
export function dragWindow(start: WindowLevel, dxPx: number, dyPx: number): WindowLevel {
  const perPx = Math.max(1, start.width / 256);
  const width = Math.min(MAX_WINDOW_WIDTH, Math.max(MIN_WINDOW_WIDTH, Math.round(start.width + dxPx * perPx)));
  const center = Math.round(start.center + dyPx * perPx);
  return { center, width };
}
