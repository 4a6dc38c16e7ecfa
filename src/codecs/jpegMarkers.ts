/**
 * The frame header (SOFn) of a JPEG code stream, read without decoding it:
 * which process (baseline, extended, lossless, ...), sample precision, size
 * and component count. Used to send a code stream to the right decoder, or
 * to reject one with a precise reason before a codec fails on it.
 *
 * Variant: ITU-T T.81 B.1.1 marker walk from SOI, skipping marker segments by
 * their length, up to the first SOFn marker (C0-CF except C4 DHT, C8 JPG,
 * CC DAC) or the JPEG-LS frame header SOF55 (F7, ITU-T T.87 C.2.2, same
 * layout). Cost: O(marker segments before the frame header), no allocation.
 *
 * endsWithEoi tells whether a code stream is complete: JPEG and JPEG-LS code
 * streams end with EOI (FFD9, T.81 B.2.1); a fragment may add padding.
 */

export interface JpegFrameHeader {
  /** The SOF marker's second byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless, ..., 0xF7 JPEG-LS. */
  sof: number;
  precision: number;
  rows: number;
  columns: number;
  components: number;
}

const SOF_NAMES: Record<number, string> = {
  0xc0: 'baseline DCT',
  0xc1: 'extended sequential DCT',
  0xc2: 'progressive DCT',
  0xc3: 'lossless',
  0xc5: 'differential sequential DCT',
  0xc6: 'differential progressive DCT',
  0xc7: 'differential lossless',
  0xc9: 'extended sequential DCT, arithmetic coding',
  0xca: 'progressive DCT, arithmetic coding',
  0xcb: 'lossless, arithmetic coding',
  0xcd: 'differential sequential DCT, arithmetic coding',
  0xce: 'differential progressive DCT, arithmetic coding',
  0xcf: 'differential lossless, arithmetic coding',
  0xf7: 'JPEG-LS',
};

/** "lossless (SOF3)" */
export function describeSof(sof: number): string {
  return `${SOF_NAMES[sof] ?? 'unknown process'} (SOF${sof - 0xc0})`;
}

/** The first frame header, or null when the bytes are not a JPEG code stream or end before one. */
export function readJpegFrameHeader(b: Uint8Array): JpegFrameHeader | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1];
    if (m === 0xff) {
      // Fill byte.
      p++;
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      // Markers without a segment.
      p += 2;
      continue;
    }
    const length = (b[p + 2] << 8) | b[p + 3];
    if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) {
      if (p + 10 > b.length) return null;
      return {
        sof: m,
        precision: b[p + 4],
        rows: (b[p + 5] << 8) | b[p + 6],
        columns: (b[p + 7] << 8) | b[p + 8],
        components: b[p + 9],
      };
    }
    if (m === 0xda || m === 0xd9 || length < 2) return null;
    p += 2 + length;
  }
  return null;
}

/** Padding bytes tolerated after EOI (an odd code stream is padded to an even fragment, with 00 or FF; some writers pad more). */
const MAX_PADDING = 16;

/** The code stream ends with EOI (FFD9), followed by at most a few bytes of 00 or FF padding. */
export function endsWithEoi(b: Uint8Array): boolean {
  let e = b.length;
  while (e > 2 && b.length - e < MAX_PADDING && (b[e - 1] === 0 || (b[e - 1] === 0xff && b[e - 2] !== 0xff))) e--;
  return e >= 4 && b[e - 2] === 0xff && b[e - 1] === 0xd9;
}
