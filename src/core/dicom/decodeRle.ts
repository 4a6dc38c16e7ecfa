/**
 * RLE Lossless (1.2.840.10008.1.2.5) frame decoder.
 *
 * Variant: DICOM PS3.5 Annex G. A frame starts with a 64-byte header (number
 * of segments, then 15 segment offsets, uint32 little endian); each segment
 * is one byte plane compressed with PackBits (G.3.1: header byte n in 0..127
 * copies n+1 literal bytes, -127..-1 repeats the next byte 1-n times, -128
 * is a no-op). Segments come per sample, most significant byte first (G.2),
 * so a 16-bit greyscale frame has two: high bytes, then low bytes. Each plane
 * is unpacked straight into its byte lane of the little-endian output words
 * (no per-plane buffer). Colour frames come out interleaved (R G B per pixel).
 *
 * Cost: O(encoded bytes + pixels), one output array, no other allocation;
 * the output is allocated only when every segment is long enough to fill
 * it (PackBits expands at most 64:1), so a short frame cannot claim memory.
 */
import { DecodeError, type DecodedPixels, type EncodedFrameInfo } from './pixelDecoder';

const HEADER_BYTES = 64;

function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
}

/**
 * Unpacks one PackBits segment src[start, end) into out[lane + k*stride]
 * for k < count. Returns how many bytes were written (less than count when
 * the segment is short).
 */
function unpackSegment(src: Uint8Array, start: number, end: number, out: Uint8Array, lane: number, stride: number, count: number): number {
  let p = start;
  let k = 0;
  let o = lane;
  while (k < count && p < end) {
    const h = src[p++];
    if (h < 128) {
      // Literal run of h + 1 bytes.
      let n = h + 1;
      if (n > count - k) n = count - k;
      if (n > end - p) n = end - p;
      for (let i = 0; i < n; i++) {
        out[o] = src[p++];
        o += stride;
      }
      k += n;
    } else if (h > 128) {
      // Replicate run: the next byte 257 - h times.
      if (p >= end) break;
      const v = src[p++];
      let n = 257 - h;
      if (n > count - k) n = count - k;
      for (let i = 0; i < n; i++) {
        out[o] = v;
        o += stride;
      }
      k += n;
    }
    // h === 128: no operation.
  }
  return k;
}

/** Decodes one RLE Lossless frame to stored words (see the file header). */
export function decodeRle(frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  const { rows, columns, bitsAllocated } = info;
  const samples = info.samplesPerPixel;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DecodeError(`RLE with BitsAllocated ${bitsAllocated} is not supported (only 8 and 16)`);
  if (frame.length < HEADER_BYTES) throw new DecodeError(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const bytesPerSample = bitsAllocated / 8;
  const segments = u32(frame, 0);
  const expected = bytesPerSample * samples;
  if (segments !== expected) {
    throw new DecodeError(`RLE frame has ${segments} segments, expected ${expected} (${samples} sample(s) of ${bitsAllocated} bits)`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) offsets.push(u32(frame, 4 + 4 * s));
  offsets.push(frame.length);
  const pixels = rows * columns;
  // Checked before the output is allocated: a replicate run turns 2 bytes into at most 128,
  // so a segment of n bytes decodes to at most 64 n (the header's Rows × Columns may claim any size).
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = Math.min(offsets[s + 1], frame.length);
    if (start < HEADER_BYTES || start > frame.length || end < start) {
      throw new DecodeError(`RLE segment ${s + 1} has an invalid offset ${start} (frame of ${frame.length} bytes)`);
    }
    if (128 * Math.ceil((end - start) / 2) < pixels) {
      throw new DecodeError(`RLE segment ${s + 1} of ${end - start} bytes cannot hold the ${pixels} pixels of Columns ${columns} × Rows ${rows}`);
    }
  }
  const out = new Uint8Array(pixels * expected);
  const stride = expected;
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = Math.min(offsets[s + 1], frame.length);
    const sample = Math.floor(s / bytesPerSample);
    const significance = s % bytesPerSample; // 0 = most significant byte
    // Little-endian word: the most significant byte is the last one.
    const lane = sample * bytesPerSample + (bytesPerSample - 1 - significance);
    const got = unpackSegment(frame, start, end, out, lane, stride, pixels);
    if (got < pixels) throw new DecodeError(`RLE segment ${s + 1} decodes to ${got} bytes, expected ${pixels}`);
  }
  if (bytesPerSample === 1) return out;
  return new Uint16Array(out.buffer, 0, pixels * samples);
}
