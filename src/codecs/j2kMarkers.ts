/**
 * The image and tile size of a JPEG 2000 (or HTJ2K) code stream, read from
 * its SIZ marker segment without decoding: lets a decoder refuse a code
 * stream whose size disagrees with the DICOM header before the codec
 * allocates for it (a few bytes of SIZ can claim gigapixels).
 *
 * Variant: ITU-T T.800 A.5.1: SOC (FF4F) immediately followed by SIZ (FF51),
 * Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz (32 bits
 * each), Csiz, then Ssiz/XRsiz/YRsiz per component. The same segment starts
 * HTJ2K code streams (T.814). The main header's COD and COC segments (A.6.1,
 * A.6.2) give the code-block sizes. Cost: O(main header markers), no allocation.
 */
import { DecodeError, type EncodedFrameInfo } from '../core/dicom/pixelDecoder';
import { checkCodeStreamSize } from './emscriptenModule';

export interface J2kSize {
  /** Xsiz - XOsiz, Ysiz - YOsiz: the reference grid's image area. */
  width: number;
  height: number;
  components: number;
  /** Bits of the first component (Ssiz & 0x7F) + 1. */
  bitsPerSample: number;
  /** Number of tiles the grid is cut into. */
  tiles: number;
  /** Largest horizontal / vertical subsampling of any component. */
  maxSubsampling: number;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

function u32(b: Uint8Array, p: number): number {
  return b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
}

/** The SIZ fields, or null when the bytes do not start with SOC + SIZ or the segment is inconsistent. */
export function readJ2kSize(b: Uint8Array): J2kSize | null {
  if (b.length < 4 + 38 || u16(b, 0) !== 0xff4f || u16(b, 2) !== 0xff51) return null;
  const p = 4;
  const lsiz = u16(b, p);
  const xsiz = u32(b, p + 4);
  const ysiz = u32(b, p + 8);
  const xosiz = u32(b, p + 12);
  const yosiz = u32(b, p + 16);
  const xtsiz = u32(b, p + 20);
  const ytsiz = u32(b, p + 24);
  const xtosiz = u32(b, p + 28);
  const ytosiz = u32(b, p + 32);
  const csiz = u16(b, p + 36);
  if (csiz < 1 || lsiz !== 38 + 3 * csiz || p + lsiz > b.length) return null;
  if (xsiz <= xosiz || ysiz <= yosiz || xtsiz === 0 || ytsiz === 0 || xtosiz > xosiz || ytosiz > yosiz) return null;
  let maxSubsampling = 1;
  for (let c = 0; c < csiz; c++) {
    const xr = b[p + 39 + 3 * c];
    const yr = b[p + 40 + 3 * c];
    if (xr === 0 || yr === 0) return null;
    maxSubsampling = Math.max(maxSubsampling, xr, yr);
  }
  return {
    width: xsiz - xosiz,
    height: ysiz - yosiz,
    components: csiz,
    bitsPerSample: (b[p + 38] & 0x7f) + 1,
    tiles: Math.ceil((xsiz - xtosiz) / xtsiz) * Math.ceil((ysiz - ytosiz) / ytsiz),
    maxSubsampling,
  };
}

/** Smallest code-block width and height (in pixels) set by the main header's COD and COC segments, or null without COD. */
export function readJ2kCodeBlockSides(b: Uint8Array): { width: number; height: number } | null {
  const siz = readJ2kSize(b);
  if (!siz) return null;
  let p = 4 + u16(b, 4); // after SIZ (SOC, SIZ marker, then Lsiz bytes)
  let width = Infinity;
  let height = Infinity;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const m = b[p + 1];
    if (m === 0x90 || m === 0x93 || m === 0xd9) break; // SOT, SOD, EOC: the main header is over
    const len = u16(b, p + 2);
    if (len < 2 || p + 2 + len > b.length) break;
    let spcod = -1;
    if (m === 0x52) spcod = p + 9; // Lcod, Scod, SGcod (4 bytes)
    else if (m === 0x53) spcod = p + 4 + (siz.components < 257 ? 1 : 2) + 1; // Lcoc, Ccoc, Scoc
    if (spcod >= 0 && spcod + 3 <= p + 2 + len) {
      width = Math.min(width, 2 ** ((b[spcod + 1] & 0x0f) + 2));
      height = Math.min(height, 2 ** ((b[spcod + 2] & 0x0f) + 2));
    }
    p += 2 + len;
  }
  return Number.isFinite(width) ? { width, height } : null;
}

/**
 * At most this many tiles. T.800 allows 65,535 (Isot has 16 bits), but
 * OpenJPEG sets up about 10 KiB per tile before reading any tile data (a
 * 512×512 SIZ claiming 4×4-pixel tiles asks for 16,384 × 10 KiB): 4,096 tiles
 * is 256×256-pixel tiles on a 16384×16384 image.
 */
const MAX_TILES = 4096;

/**
 * Checks a JPEG 2000 / HTJ2K code stream's SIZ against the data set before
 * decoding: same size and component count, no subsampled component, at most
 * 16 bits per sample, at most MAX_TILES tiles.
 */
export function checkJ2kCodeStream(codec: string, frame: Uint8Array, info: EncodedFrameInfo, minCodeBlockSide = 0): void {
  const siz = readJ2kSize(frame);
  if (!siz) throw new DecodeError(`${codec}: not a JPEG 2000 code stream (no SOC and SIZ markers at its start, or an inconsistent SIZ)`);
  checkCodeStreamSize(codec, siz.width, siz.height, siz.components, info);
  if (siz.maxSubsampling !== 1) throw new DecodeError(`${codec} code stream has subsampled components (${siz.maxSubsampling}:1)`);
  if (siz.bitsPerSample > 16) throw new DecodeError(`${codec} code stream has ${siz.bitsPerSample}-bit samples (at most 16 are supported)`);
  if (siz.tiles > MAX_TILES) throw new DecodeError(`${codec} code stream is cut into ${siz.tiles} tiles (at most ${MAX_TILES})`);
  if (minCodeBlockSide > 0) {
    const cb = readJ2kCodeBlockSides(frame);
    if (cb && Math.min(cb.width, cb.height) < minCodeBlockSide) {
      throw new DecodeError(`${codec} code stream uses ${cb.width}×${cb.height}-pixel code blocks (at least ${minCodeBlockSide} on each side are supported)`);
    }
  }
}
