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
 * slope 1, integer intercept, little endian, no padding or a single padding
 * value) skip the table and add the intercept directly, two pixels per
 * 32-bit word (SWAR lanes: add without carries between lanes, padding found
 * by a lane-wise zero test, the rare pairs that would leave the int16 range
 * redone one by one; for signed pixels, four words without a negative lane
 * skip both tests: with a negative intercept they cannot overflow, and
 * padding values are negative in practice), four words per loop iteration:
 * same result as the table, faster than a per-pixel loop.
 *
 * Cost: table build O(2^BitsAllocated) (65,536 entries, cached for
 * repeated parameters); conversion O(pixels), one table read per pixel or a
 * few integer operations per pixel pair; memory 128 KiB per cached table, a
 * reused frame-sized copy for input not on a 4-byte boundary, plus the
 * output Int16Array.
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

/**
 * RescaleSlope of a CT outside [1/2, 2] is unusual (scanners write 1): the
 * values are used but may not be HU. Outside [MIN_CT_SLOPE, MAX_CT_SLOPE] (or
 * negative) they cannot be: refused.
 */
const USUAL_SLOPE_RATIO = 2;
const MIN_CT_SLOPE = 0.01;
const MAX_CT_SLOPE = 100;

/** A (positive) slope far enough from 1 to be mentioned. */
export function unusualSlope(slope: number): boolean {
  return !(slope >= 1 / USUAL_SLOPE_RATIO && slope <= USUAL_SLOPE_RATIO);
}

/**
 * Why a frame's values cannot be stored as int16 HU, or null when they can.
 * A CT (or an image without Modality) is refused when its RescaleSlope is
 * negative or not finite (an inverted or broken scale) or outside
 * [0.01, 100] (no HU scale); another modality is refused when its slope is
 * below 1 in magnitude (PET activity with a slope of 0.0003, say): rounding
 * to integers would merge distinct stored values, and they are not HU anyway.
 */
export function rescaleRefusal(modality: string, rescale: Rescale): string | null {
  const { slope, intercept } = rescale;
  const m = modality.trim().toUpperCase();
  if (m && m !== 'CT') {
    if (Math.abs(slope) >= 1 || !Number.isFinite(slope)) return null;
    return `modality ${m.slice(0, 16)} with RescaleSlope ${slope} and RescaleIntercept ${intercept}: its values are not Hounsfield units and rounding ` +
      'them to integers would lose them; lungview reads CT';
  }
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) return 'RescaleSlope or RescaleIntercept is not a finite number: no HU scale';
  if (slope < 0) return `RescaleSlope ${slope} is negative: the values cannot be Hounsfield units`;
  if (slope < MIN_CT_SLOPE || slope > MAX_CT_SLOPE) {
    return `RescaleSlope ${slope} is outside ${MIN_CT_SLOPE}–${MAX_CT_SLOPE}: the values cannot be Hounsfield units`;
  }
  return null;
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
  const singlePad = padding === null || padding.rangeLimitWord === null || padding.rangeLimitWord === padding.valueWord;
  if (fmt.pixelRepresentation === 0 && fmt.bitsStored <= 15 && singlePad && ic >= -32768 && (1 << fmt.bitsStored) - 1 + ic <= 32767) {
    return 'unsigned-add';
  }
  if (fmt.pixelRepresentation === 1 && fmt.bitsStored === 16 && ic <= 0 && ic >= -32768) return 'signed-add';
  return 'table';
}

/** Both 16-bit lanes of a 32-bit word set to the low 16 bits of v. */
function pair(v: number): number {
  return Math.imul(v & 0xffff, 0x10001);
}

/**
 * Lane masks of a SWAR word: 0xffff in each 16-bit lane of x that is zero,
 * 0 elsewhere (no carry crosses a lane: the add of the low 15 bits cannot
 * overflow 16 bits).
 */
function zeroLanes(x: number): number {
  const z = ~(((x & 0x7fff7fff) + 0x7fff7fff) | x | 0x7fff7fff);
  return Math.imul(z >>> 15, 0xffff);
}

/**
 * (raw[i] & mask) + ic, padding -> PADDING_HU, two 16-bit lanes per 32-bit
 * word (SWAR): lane-wise addition mod 2^16 without carries between lanes.
 * Exact because conversionPath only picks this path when every
 * (value & mask) + intercept fits in int16. padWord < 0: no padding.
 */
function unsignedAddPairs(raw32: Uint32Array, mask: number, ic: number, padWord: number, out32: Int32Array): void {
  const maskPair = pair(mask);
  const icPair = pair(ic);
  const low = icPair & 0x7fff7fff;
  const high = icPair & 0x80008000;
  const n = out32.length;
  // Four words per iteration (fewer loop tests and bounds checks; about 1.5x
  // faster in V8); convertToHu passes a multiple of four words.
  const n4 = n & ~3;
  let i = 0;
  if (padWord < 0 && (maskPair & 0x80008000) === 0) {
    // At most 15 stored bits: the lanes' sums cannot carry, the sign bit comes from the intercept alone.
    for (; i < n4; i += 4) {
      out32[i] = ((raw32[i] & maskPair) + low) ^ high;
      out32[i + 1] = ((raw32[i + 1] & maskPair) + low) ^ high;
      out32[i + 2] = ((raw32[i + 2] & maskPair) + low) ^ high;
      out32[i + 3] = ((raw32[i + 3] & maskPair) + low) ^ high;
    }
    return;
  }
  if (padWord < 0) {
    for (; i < n; i++) {
      const a = raw32[i] & maskPair;
      out32[i] = ((a & 0x7fff7fff) + low) ^ (a & 0x80008000) ^ high;
    }
    return;
  }
  const padPair = pair(padWord);
  const padHuPair = pair(PADDING_HU);
  for (; i < n4; i += 4) {
    const a0 = raw32[i] & maskPair, a1 = raw32[i + 1] & maskPair, a2 = raw32[i + 2] & maskPair, a3 = raw32[i + 3] & maskPair;
    const m0 = zeroLanes(a0 ^ padPair), m1 = zeroLanes(a1 ^ padPair), m2 = zeroLanes(a2 ^ padPair), m3 = zeroLanes(a3 ^ padPair);
    out32[i] = ((((a0 & 0x7fff7fff) + low) ^ (a0 & 0x80008000) ^ high) & ~m0) | (padHuPair & m0);
    out32[i + 1] = ((((a1 & 0x7fff7fff) + low) ^ (a1 & 0x80008000) ^ high) & ~m1) | (padHuPair & m1);
    out32[i + 2] = ((((a2 & 0x7fff7fff) + low) ^ (a2 & 0x80008000) ^ high) & ~m2) | (padHuPair & m2);
    out32[i + 3] = ((((a3 & 0x7fff7fff) + low) ^ (a3 & 0x80008000) ^ high) & ~m3) | (padHuPair & m3);
  }
}

function unsignedAdd(raw: Uint16Array, mask: number, ic: number, padWord: number, out: Int16Array, from: number): void {
  const n = out.length;
  for (let i = from; i < n; i++) {
    const v = raw[i] & mask;
    out[i] = v === padWord ? PADDING_HU : v + ic;
  }
}

/**
 * raw + ic with padding [padLo, padHi] -> PADDING_HU, two lanes per 32-bit
 * word. ic <= 0, so a lane can only leave the int16 range downwards: such a
 * lane starts negative and ends non-negative after the wrap; those (rare)
 * pairs are redone one pixel at a time with the clamp, as are pairs with a
 * padding lane (a pair of two padding pixels is one comparison). The padding
 * test compares lanes for equality, so this path needs padLo === padHi (or no
 * padding: hasPad false).
 */
function signedAddPairs(raw32: Int32Array, ic: number, hasPad: boolean, pad: number, out32: Int32Array): void {
  const icPair = pair(ic);
  const low = icPair & 0x7fff7fff;
  const high = icPair & 0x80008000;
  const n = out32.length;
  const n4 = n & ~3;
  let i = 0;
  const padPair = pair(pad);
  const padHuPair = pair(PADDING_HU);
  // Four words without a negative lane cannot overflow (ic <= 0) nor hold a (negative) padding value.
  const nonNegativeIsPlain = !hasPad || pad < 0;
  // Four words per iteration; the rare words with a padding or overflowing lane are redone one by one.
  for (; i < n4; i += 4) {
    const a0 = raw32[i], a1 = raw32[i + 1], a2 = raw32[i + 2], a3 = raw32[i + 3];
    const r0 = ((a0 & 0x7fff7fff) + low) ^ (a0 & 0x80008000) ^ high;
    const r1 = ((a1 & 0x7fff7fff) + low) ^ (a1 & 0x80008000) ^ high;
    const r2 = ((a2 & 0x7fff7fff) + low) ^ (a2 & 0x80008000) ^ high;
    const r3 = ((a3 & 0x7fff7fff) + low) ^ (a3 & 0x80008000) ^ high;
    if (((a0 | a1 | a2 | a3) & 0x80008000) === 0 && nonNegativeIsPlain) {
      out32[i] = r0; out32[i + 1] = r1; out32[i + 2] = r2; out32[i + 3] = r3;
      continue;
    }
    if (!hasPad) {
      if ((((a0 & ~r0) | (a1 & ~r1) | (a2 & ~r2) | (a3 & ~r3)) & 0x80008000) === 0) {
        out32[i] = r0; out32[i + 1] = r1; out32[i + 2] = r2; out32[i + 3] = r3;
      } else {
        out32[i] = (a0 & ~r0 & 0x80008000) === 0 ? r0 : signedPairSlow(a0, ic);
        out32[i + 1] = (a1 & ~r1 & 0x80008000) === 0 ? r1 : signedPairSlow(a1, ic);
        out32[i + 2] = (a2 & ~r2 & 0x80008000) === 0 ? r2 : signedPairSlow(a2, ic);
        out32[i + 3] = (a3 & ~r3 & 0x80008000) === 0 ? r3 : signedPairSlow(a3, ic);
      }
      continue;
    }
    const x0 = a0 ^ padPair, x1 = a1 ^ padPair, x2 = a2 ^ padPair, x3 = a3 ^ padPair;
    // High bit of a lane set when it overflowed or when it equals the padding value.
    const odd = ((a0 & ~r0) | ~(((x0 & 0x7fff7fff) + 0x7fff7fff) | x0)) | ((a1 & ~r1) | ~(((x1 & 0x7fff7fff) + 0x7fff7fff) | x1)) |
      ((a2 & ~r2) | ~(((x2 & 0x7fff7fff) + 0x7fff7fff) | x2)) | ((a3 & ~r3) | ~(((x3 & 0x7fff7fff) + 0x7fff7fff) | x3));
    if ((odd & 0x80008000) === 0) {
      out32[i] = r0; out32[i + 1] = r1; out32[i + 2] = r2; out32[i + 3] = r3;
    } else if ((x0 | x1 | x2 | x3) === 0) {
      // Padding usually comes in long runs (outside the field of view).
      out32[i] = padHuPair; out32[i + 1] = padHuPair; out32[i + 2] = padHuPair; out32[i + 3] = padHuPair;
    } else {
      out32[i] = signedPairPad(a0, r0, ic, pad, padPair, padHuPair);
      out32[i + 1] = signedPairPad(a1, r1, ic, pad, padPair, padHuPair);
      out32[i + 2] = signedPairPad(a2, r2, ic, pad, padPair, padHuPair);
      out32[i + 3] = signedPairPad(a3, r3, ic, pad, padPair, padHuPair);
    }
  }
}

/** One word of signedAddPairs with padding: r is its lane-wise sum, kept unless a lane is padding or overflowed. */
function signedPairPad(a: number, r: number, ic: number, pad: number, padPair: number, padHuPair: number): number {
  if (a === padPair) return padHuPair;
  const x = a ^ padPair;
  const odd = (a & ~r) | ~(((x & 0x7fff7fff) + 0x7fff7fff) | x);
  return (odd & 0x80008000) === 0 ? r : signedPairSlowPad(a, ic, pad);
}

/** One pair of signed lanes with padding and the clamp at -32768. */
function signedPairSlowPad(a: number, ic: number, pad: number): number {
  const lo = (a << 16) >> 16;
  const hi = a >> 16;
  const l = lo === pad ? PADDING_HU : lo + ic < -32768 ? -32768 : lo + ic;
  const h = hi === pad ? PADDING_HU : hi + ic < -32768 ? -32768 : hi + ic;
  return (l & 0xffff) | (h << 16);
}

/** One pair of signed lanes with the clamp at -32768 (padding is applied by the caller). */
function signedPairSlow(a: number, ic: number): number {
  const lo = ((a << 16) >> 16) + ic;
  const hi = (a >> 16) + ic;
  return ((lo < -32768 ? -32768 : lo) & 0xffff) | ((hi < -32768 ? -32768 : hi) << 16);
}

function signedAdd(raw: Int16Array, ic: number, padLo: number, padHi: number, out: Int16Array, from: number): void {
  const n = out.length;
  for (let i = from; i < n; i++) {
    const v = raw[i];
    if (v >= padLo && v <= padHi) out[i] = PADDING_HU;
    else {
      const h = v + ic;
      out[i] = h < -32768 ? -32768 : h;
    }
  }
}

/** Reused aligned copy of input frames whose bytes do not start on a 4-byte boundary. */
let scratch = new Uint8Array(0);

function aligned(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.byteOffset % 4 === 0) return bytes;
  if (scratch.length < length) scratch = new Uint8Array(length);
  scratch.set(bytes.subarray(0, length));
  return scratch;
}

/**
 * Converts one frame. `bytes` holds exactly the frame's stored words; when
 * they do not start on a 4-byte boundary they are first copied to a reused
 * aligned buffer (one memcpy), so the 16-bit paths can read two words at once.
 */
export function convertToHu(bytes: Uint8Array, fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null, out: Int16Array): void {
  const n = out.length;
  if (fmt.bitsAllocated === 8) {
    applyLookupTable(bytes.subarray(0, n), huLookupTable(fmt, rescale, padding), out);
    return;
  }
  const src = aligned(bytes, 2 * n);
  const buffer = src.buffer;
  const offset = src.byteOffset;
  const path = conversionPath(fmt, rescale, padding);
  // Pairs of pixels through 32-bit words when the output is 4-byte aligned too,
  // a multiple of four pairs (the unrolled loops have no remainder loop after
  // them, which the engine would meet unoptimised); the last few pixels alone.
  const pairs = out.byteOffset % 4 === 0 ? (n >> 1) & ~3 : 0;
  if (path === 'unsigned-add') {
    const mask = (1 << fmt.bitsStored) - 1;
    const ic = rescale.intercept;
    const padWord = padding ? padding.valueWord & 0xffff : -1;
    // A padding word with bits outside the mask never equals a stored value.
    const pad = padWord >= 0 && (padWord & mask) !== padWord ? -1 : padWord;
    if (pairs) unsignedAddPairs(new Uint32Array(buffer, offset, pairs), mask, ic, pad, new Int32Array(out.buffer, out.byteOffset, pairs));
    unsignedAdd(new Uint16Array(buffer, offset, n), mask, ic, pad, out, 2 * pairs);
  } else if (path === 'signed-add') {
    let lo = Infinity;
    let hi = -Infinity;
    if (padding) {
      const a = paddingValue(padding.valueWord, fmt);
      const b = padding.rangeLimitWord === null ? a : paddingValue(padding.rangeLimitWord, fmt);
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    }
    let from = 0;
    if (pairs && (padding === null || lo === hi)) {
      signedAddPairs(new Int32Array(buffer, offset, pairs), rescale.intercept, padding !== null, padding ? lo : 0, new Int32Array(out.buffer, out.byteOffset, pairs));
      from = 2 * pairs;
    }
    signedAdd(new Int16Array(buffer, offset, n), rescale.intercept, lo, hi, out, from);
  } else {
    applyLookupTable(new Uint16Array(buffer, offset, n), huLookupTable(fmt, rescale, padding), out);
  }
}

/**
 * Converts a native 16-bit frame whose stored words were read straight into
 * `words` (its place in the volume) to HU in place: every path reads word i
 * before it writes word i, so input and output may share memory.
 */
export function huInPlace(words: Int16Array, fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null): void {
  if (fmt.bitsAllocated !== 16) throw new RangeError('huInPlace needs 16-bit stored words');
  convertToHu(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), fmt, rescale, padding, words);
}
