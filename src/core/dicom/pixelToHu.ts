/**
 * Stored pixel values -> Hounsfield units, through a lookup table.
 *
 * Variant: every 8- or 16-bit stored word maps to one int16 HU value through
 * a table built once per pixel format and rescale (BitsStored masking and
 * HighBit shift, sign extension for PixelRepresentation 1, PixelPaddingValue /
 * PixelPaddingRangeLimit -> air, HU = round(value * RescaleSlope +
 * RescaleIntercept) clamped to int16; big-endian words are handled by
 * building the table for byte-swapped indices). Follows PS3.3 C.7.6.3.1 (pixel
 * module), C.7.5.1.1.2 (pixel padding) and C.11.1.1.2 (modality LUT).
 *
 * The two usual CT layouts (unsigned <= 15 stored bits, or signed 16 bits,
 * slope 1, integer intercept, little endian) skip the table and add the
 * intercept directly (same result, a little faster).
 *
 * Cost: table build O(2^BitsAllocated) (65,536 entries, ~0.3 ms, cached for
 * repeated parameters); conversion O(pixels), one table read or one add per
 * pixel; memory 128 KiB per cached table plus the output Int16Array.
 */

/** HU given to padding pixels (outside the reconstructed field of view). */
export const PADDING_HU = -1024;

export interface PixelFormat {
  bitsAllocated: 8 | 16;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /** 16-bit words are stored big endian. */
  bigEndian: boolean;
}

export interface PixelPadding {
  /** PixelPaddingValue as the raw 16-bit word of the element (VR US or SS). */
  valueWord: number;
  /** PixelPaddingRangeLimit as a raw 16-bit word, if present. */
  rangeLimitWord: number | null;
}

export interface Rescale {
  slope: number;
  intercept: number;
}

/** Stored value of a raw (native-endian) word: shift, mask, sign extension. */
export function storedValue(word: number, fmt: PixelFormat): number {
  const shift = Math.max(0, fmt.highBit + 1 - fmt.bitsStored);
  const bits = fmt.bitsStored;
  let v = (word >>> shift) & (bits >= 32 ? 0xffffffff : (1 << bits) - 1);
  if (fmt.pixelRepresentation === 1 && v & (1 << (bits - 1))) v -= 1 << bits;
  return v;
}

/** A padding word read from the header, in the pixel's own representation. */
export function paddingValue(word: number, fmt: PixelFormat): number {
  const w = word & 0xffff;
  if (fmt.pixelRepresentation === 1) return w >= 0x8000 ? w - 0x10000 : w;
  return w;
}

function clampInt16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}

const lutCache = new Map<string, Int16Array>();
const LUT_CACHE_MAX = 16;

/**
 * Table from raw word (as read by a native little-endian Uint16Array /
 * Uint8Array view) to HU.
 */
export function huLookupTable(fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null): Int16Array {
  const key = [
    fmt.bitsAllocated, fmt.bitsStored, fmt.highBit, fmt.pixelRepresentation, fmt.bigEndian ? 1 : 0,
    rescale.slope, rescale.intercept, padding ? padding.valueWord : 'x', padding?.rangeLimitWord ?? 'x',
  ].join(',');
  const cached = lutCache.get(key);
  if (cached) return cached;

  const size = fmt.bitsAllocated === 8 ? 256 : 65536;
  const lut = new Int16Array(size);
  let padLo = Infinity;
  let padHi = -Infinity;
  if (padding) {
    const a = paddingValue(padding.valueWord, fmt);
    const b = padding.rangeLimitWord === null ? a : paddingValue(padding.rangeLimitWord, fmt);
    padLo = Math.min(a, b);
    padHi = Math.max(a, b);
  }
  const { slope, intercept } = rescale;
  const swap = fmt.bigEndian && fmt.bitsAllocated === 16;
  for (let idx = 0; idx < size; idx++) {
    const word = swap ? ((idx & 0xff) << 8) | (idx >>> 8) : idx;
    const v = storedValue(word, fmt);
    lut[idx] = v >= padLo && v <= padHi ? PADDING_HU : clampInt16(Math.round(v * slope + intercept));
  }
  if (lutCache.size >= LUT_CACHE_MAX) lutCache.clear();
  lutCache.set(key, lut);
  return lut;
}

/** out[i] = lut[raw[i]] for one frame. */
export function applyLookupTable(raw: Uint16Array | Uint8Array, lut: Int16Array, out: Int16Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = lut[raw[i]];
}

/** Which conversion convertToHu uses for these parameters. */
export function conversionPath(fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null): 'unsigned-add' | 'signed-add' | 'table' {
  const simple = fmt.bitsAllocated === 16 && !fmt.bigEndian && rescale.slope === 1 && Number.isInteger(rescale.intercept) &&
    fmt.highBit === fmt.bitsStored - 1;
  if (!simple) return 'table';
  const ic = rescale.intercept;
  if (fmt.pixelRepresentation === 0 && fmt.bitsStored <= 15 && padding === null && ic >= -32768 && (1 << fmt.bitsStored) - 1 + ic <= 32767) {
    return 'unsigned-add';
  }
  if (fmt.pixelRepresentation === 1 && fmt.bitsStored === 16 && ic <= 0 && ic >= -32768) return 'signed-add';
  return 'table';
}

function unsignedAdd(raw: Uint16Array, mask: number, ic: number, out: Int16Array): void {
  const n = out.length;
  if (n % 2 === 0 && raw.byteOffset % 4 === 0 && out.byteOffset % 4 === 0) {
    unsignedAddPairs(new Uint32Array(raw.buffer, raw.byteOffset, n / 2), mask, ic, new Int32Array(out.buffer, out.byteOffset, n / 2));
    return;
  }
  for (let i = 0; i < n; i++) out[i] = (raw[i] & mask) + ic;
}

/**
 * Two 16-bit lanes per 32-bit word (SWAR): lane-wise addition mod 2^16
 * without carries between lanes. Exact here because conversionPath only
 * picks this path when every (value & mask) + intercept fits in int16.
 */
function unsignedAddPairs(raw32: Uint32Array, mask: number, ic: number, out32: Int32Array): void {
  const maskPair = (mask * 0x10001) | 0;
  const icPair = ((ic & 0xffff) * 0x10001) | 0;
  const low = icPair & 0x7fff7fff;
  const high = icPair & 0x80008000;
  const n = out32.length;
  for (let i = 0; i < n; i++) {
    const a = raw32[i] & maskPair;
    out32[i] = ((a & 0x7fff7fff) + low) ^ (a & 0x80008000) ^ high;
  }
}

function signedAdd(raw: Int16Array, ic: number, padLo: number, padHi: number, out: Int16Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (v >= padLo && v <= padHi) out[i] = PADDING_HU;
    else {
      const h = v + ic;
      out[i] = h < -32768 ? -32768 : h;
    }
  }
}

/**
 * Converts one frame. `bytes` holds exactly the frame's stored words; when
 * they are not 2-byte aligned they are copied once to an aligned buffer.
 */
export function convertToHu(bytes: Uint8Array, fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null, out: Int16Array): void {
  const n = out.length;
  let buffer: ArrayBufferLike = bytes.buffer;
  let offset = bytes.byteOffset;
  if (fmt.bitsAllocated === 16 && offset % 2 !== 0) {
    buffer = bytes.slice(0, 2 * n).buffer;
    offset = 0;
  }
  const path = conversionPath(fmt, rescale, padding);
  if (path === 'unsigned-add') {
    unsignedAdd(new Uint16Array(buffer, offset, n), (1 << fmt.bitsStored) - 1, rescale.intercept, out);
  } else if (path === 'signed-add') {
    let lo = Infinity;
    let hi = -Infinity;
    if (padding) {
      const a = paddingValue(padding.valueWord, fmt);
      const b = padding.rangeLimitWord === null ? a : paddingValue(padding.rangeLimitWord, fmt);
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    }
    signedAdd(new Int16Array(buffer, offset, n), rescale.intercept, lo, hi, out);
  } else {
    const raw = fmt.bitsAllocated === 8 ? new Uint8Array(buffer, offset, n) : new Uint16Array(buffer, offset, n);
    applyLookupTable(raw, huLookupTable(fmt, rescale, padding), out);
  }
}
