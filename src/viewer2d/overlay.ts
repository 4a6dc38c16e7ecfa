/**
 * Overlay compositing into a rendered slice: mask layers, two-colour label
 * maps and rectangle outlines are blended into the same packed-RGBA pixels
 * as the slice itself, before the one drawImage that scales the picture, so
 * overlays line up with the image pixels at every zoom and pan.
 *
 * Blending: "over" with a constant opacity per layer, in 8-bit integers:
 *   a = round(opacity * 255)
 *   out = floor((base * (255 - a) + colour * a + 127) / 255)   per channel,
 * alpha stays 255. Opacity 1 gives the colour exactly, 0 the base exactly.
 * Each layer precomputes three 256-entry tables (one per channel), so a
 * covered pixel costs three lookups; masks are read four pixels at a time
 * when aligned, and an all-zero word of mask skips four pixels.
 *
 * Cost: O(pixels / 4) per layer plus O(covered pixels); no allocation per
 * pixel (768 bytes of tables per layer).
 */
import { RGBA_LITTLE_ENDIAN, packRgba } from './windowLevel';
import type { Rgb } from './colormaps';

/** One mask drawn in one colour: every pixel whose mask value is nonzero is tinted. */
export interface OverlayLayer {
  /** One value per pixel, same layout as the image (u + v * width). */
  mask: Uint8Array;
  /** Colour bytes 0..255. */
  color: Rgb;
  /** 0 (invisible) .. 1 (opaque). */
  opacity: number;
}

/** A rectangle of image pixels [u0, u1) x [v0, v1). */
export interface PixelRect {
  u0: number;
  v0: number;
  u1: number;
  v1: number;
}

const SHIFT_R = RGBA_LITTLE_ENDIAN ? 0 : 24;
const SHIFT_G = RGBA_LITTLE_ENDIAN ? 8 : 16;
const SHIFT_B = RGBA_LITTLE_ENDIAN ? 16 : 8;
const ALPHA_MASK = RGBA_LITTLE_ENDIAN ? 0xff000000 : 0xff;

/** Opacity in [0, 1] (clamped; NaN counts as 0) as an 8-bit alpha. */
export function alphaByte(opacity: number): number {
  if (!(opacity > 0)) return 0;
  if (opacity >= 1) return 255;
  return Math.round(opacity * 255);
}

/** One channel blended: floor((base * (255 - a) + over * a + 127) / 255). */
export function blendByte(base: number, over: number, a: number): number {
  return Math.floor((base * (255 - a) + over * a + 127) / 255);
}

/** '#rrggbb' (or '#rgb') to colour bytes; anything else gives magenta so a typo is visible. */
export function parseHexColor(css: string): Rgb {
  const m6 = /^#([0-9a-f]{6})$/i.exec(css);
  if (m6) {
    const v = parseInt(m6[1], 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const m3 = /^#([0-9a-f]{3})$/i.exec(css);
  if (m3) {
    const [r, g, b] = m3[1].split('').map((c) => parseInt(c + c, 16));
    return [r, g, b];
  }
  return [255, 0, 255];
}

/** Per-channel blend tables of one colour at one alpha (index = base byte). */
export interface BlendTables {
  r: Uint8Array;
  g: Uint8Array;
  b: Uint8Array;
}

export function blendTables(color: Rgb, a: number): BlendTables {
  const r = new Uint8Array(256);
  const g = new Uint8Array(256);
  const b = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    r[v] = blendByte(v, color[0], a);
    g[v] = blendByte(v, color[1], a);
    b[v] = blendByte(v, color[2], a);
  }
  return { r, g, b };
}

export function blendPixel(p: number, t: BlendTables): number {
  return (
    (ALPHA_MASK |
      (t.r[(p >>> SHIFT_R) & 255] << SHIFT_R) |
      (t.g[(p >>> SHIFT_G) & 255] << SHIFT_G) |
      (t.b[(p >>> SHIFT_B) & 255] << SHIFT_B)) >>>
    0
  );
}

/** Blends one mask layer into `pixels` (packed RGBA, one word per mask value). */
export function compositeMaskLayer(pixels: Uint32Array, layer: OverlayLayer): void {
  const { mask } = layer;
  const n = mask.length;
  if (pixels.length < n) throw new RangeError(`image holds ${pixels.length} pixels, mask has ${n}`);
  const a = alphaByte(layer.opacity);
  if (a === 0) return;
  const t = blendTables(layer.color, a);
  const tr = t.r, tg = t.g, tb = t.b;
  let i = 0;
  if (mask.byteOffset % 4 === 0) {
    const words = n >> 2;
    const m32 = new Uint32Array(mask.buffer, mask.byteOffset, words);
    for (let w = 0; w < words; w++) {
      if (m32[w] === 0) continue;
      for (let k = w << 2, e = k + 4; k < e; k++) {
        if (mask[k] === 0) continue;
        const p = pixels[k];
        pixels[k] =
          (ALPHA_MASK | (tr[(p >>> SHIFT_R) & 255] << SHIFT_R) | (tg[(p >>> SHIFT_G) & 255] << SHIFT_G) | (tb[(p >>> SHIFT_B) & 255] << SHIFT_B)) >>> 0;
      }
    }
    i = words << 2;
  }
  for (; i < n; i++) {
    if (mask[i] === 0) continue;
    const p = pixels[i];
    pixels[i] =
      (ALPHA_MASK | (tr[(p >>> SHIFT_R) & 255] << SHIFT_R) | (tg[(p >>> SHIFT_G) & 255] << SHIFT_G) | (tb[(p >>> SHIFT_B) & 255] << SHIFT_B)) >>> 0;
  }
}

/** Blends the layers in order (later layers on top). */
export function compositeOverlays(pixels: Uint32Array, layers: readonly OverlayLayer[]): void {
  for (const layer of layers) compositeMaskLayer(pixels, layer);
}

/**
 * A two-valued label image drawn through a colour map over every pixel, as
 * matplotlib's `imshow(mask, cmap, alpha)` does: value 0 gets colour0, any
 * other value colour1, both at the same opacity.
 */
export function compositeLabelMap(pixels: Uint32Array, mask: Uint8Array, colour0: Rgb, colour1: Rgb, opacity: number): void {
  const n = mask.length;
  if (pixels.length < n) throw new RangeError(`image holds ${pixels.length} pixels, mask has ${n}`);
  const a = alphaByte(opacity);
  if (a === 0) return;
  const t0 = blendTables(colour0, a);
  const t1 = blendTables(colour1, a);
  for (let i = 0; i < n; i++) pixels[i] = blendPixel(pixels[i], mask[i] === 0 ? t0 : t1);
}

/**
 * Outline of `rect` (clipped to the image), `thickness` pixels wide, inside
 * the rectangle's edge. Nothing is drawn when the rectangle misses the image.
 */
export function compositeRectOutline(
  pixels: Uint32Array,
  width: number,
  height: number,
  rect: PixelRect,
  color: Rgb,
  opacity: number,
  thickness = 1,
): void {
  const a = alphaByte(opacity);
  if (a === 0) return;
  const u0 = Math.max(0, Math.floor(rect.u0));
  const v0 = Math.max(0, Math.floor(rect.v0));
  const u1 = Math.min(width, Math.ceil(rect.u1));
  const v1 = Math.min(height, Math.ceil(rect.v1));
  if (u1 <= u0 || v1 <= v0) return;
  const t = blendTables(color, a);
  const k = Math.max(1, Math.floor(thickness));
  // Only the edges that are inside the image are drawn (a clipped side stays open).
  const top = rect.v0 >= 0;
  const bottom = rect.v1 <= height;
  const left = rect.u0 >= 0;
  const right = rect.u1 <= width;
  for (let v = v0; v < v1; v++) {
    const row = v * width;
    const horizontal = (top && v < v0 + k) || (bottom && v >= v1 - k);
    if (horizontal) {
      for (let u = u0; u < u1; u++) pixels[row + u] = blendPixel(pixels[row + u], t);
      continue;
    }
    if (left) for (let u = u0; u < Math.min(u1, u0 + k); u++) pixels[row + u] = blendPixel(pixels[row + u], t);
    if (right) for (let u = Math.max(u0 + (left ? k : 0), u1 - k); u < u1; u++) pixels[row + u] = blendPixel(pixels[row + u], t);
  }
}

/** A mask drawn as plain colours (value 0 -> colour0, else colour1), opaque: the tutorial's binary images. */
export function renderBinaryMask(mask: Uint8Array, colour0: Rgb, colour1: Rgb, out: Uint32Array): void {
  const n = mask.length;
  if (out.length < n) throw new RangeError(`output holds ${out.length} pixels, mask has ${n}`);
  const w0 = packRgba(colour0[0], colour0[1], colour0[2]);
  const w1 = packRgba(colour1[0], colour1[1], colour1[2]);
  for (let i = 0; i < n; i++) out[i] = mask[i] === 0 ? w0 : w1;
}
