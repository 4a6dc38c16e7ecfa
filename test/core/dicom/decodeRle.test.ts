import { describe, expect, it } from 'vitest';
import { decodeRle } from '../../../src/core/dicom/decodeRle';
import { DecodeError, type EncodedFrameInfo } from '../../../src/core/dicom/pixelDecoder';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { encodeRleFrame } from './testFiles';

function info(rows: number, columns: number, bitsAllocated: number, samplesPerPixel = 1): EncodedFrameInfo {
  return {
    rows, columns, bitsAllocated, bitsStored: bitsAllocated, pixelRepresentation: 1, samplesPerPixel,
    photometricInterpretation: samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2', transferSyntaxUid: '1.2.840.10008.1.2.5',
  };
}

/** Noise with long flat stretches (replicate runs) and short ones (literal runs). */
function ctLike(n: number, seed: number): Int16Array {
  const rnd = mulberry32(seed);
  const out = new Int16Array(n);
  let v = -2000;
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.05) v = Math.round(rnd() * 5000) - 2048;
    out[i] = rnd() < 0.5 ? v : v + Math.round((rnd() - 0.5) * 40);
  }
  return out;
}

function header(segments: number, offsets: number[]): number[] {
  const h = new Uint8Array(64);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, segments, true);
  offsets.forEach((o, k) => dv.setUint32(4 + 4 * k, o, true));
  return [...h];
}

describe('decodeRle (PS3.5 Annex G)', () => {
  it('unpacks literal, replicate and no-op runs of a hand-written segment', () => {
    // 2 -> 3 literal bytes, 0xFE (-2) -> 3 copies, 0x80 no-op, 0x00 -> 1 literal byte.
    const frame = Uint8Array.from([...header(1, [64]), 0x02, 1, 2, 3, 0xfe, 9, 0x80, 0x00, 7]);
    expect([...decodeRle(frame, info(1, 7, 8))]).toEqual([1, 2, 3, 9, 9, 9, 7]);
  });

  it('puts the first segment in the high byte and the second in the low byte of 16-bit words', () => {
    // High bytes 0x12, 0xFF; low bytes 0x34, 0x38.
    const frame = Uint8Array.from([...header(2, [64, 68]), 0x01, 0x12, 0xff, 0x80, 0x01, 0x34, 0x38, 0x80]);
    const out = decodeRle(frame, info(1, 2, 16));
    expect(out).toBeInstanceOf(Uint16Array);
    expect([...out]).toEqual([0x1234, 0xff38]);
    expect([...new Int16Array(out.buffer)]).toEqual([0x1234, -200]);
  });

  it('round-trips signed 16-bit frames written by a separate PackBits encoder', () => {
    for (const seed of [1, 2, 3]) {
      const words = ctLike(64 * 48, seed);
      const out = decodeRle(encodeRleFrame(words), info(48, 64, 16));
      expect([...new Int16Array(out.buffer, out.byteOffset, out.length)]).toEqual([...words]);
    }
  });

  it('round-trips 8-bit frames, and colour frames come out interleaved', () => {
    const rnd = mulberry32(9);
    const grey = Uint8Array.from({ length: 300 }, (_, i) => (i % 50 < 20 ? 7 : Math.floor(rnd() * 256)));
    expect([...decodeRle(encodeRleFrame(grey), info(15, 20, 8))]).toEqual([...grey]);
    const rgb = Uint8Array.from({ length: 3 * 100 }, (_, i) => (i % 3 === 0 ? 200 : i % 3 === 1 ? i & 0xff : 5));
    expect([...decodeRle(encodeRleFrame(rgb, 3), info(10, 10, 8, 3))]).toEqual([...rgb]);
  });

  it('rejects a wrong segment count, a short segment, a bad offset and a short header', () => {
    const words = ctLike(100, 4);
    const frame = encodeRleFrame(words);
    expect(() => decodeRle(frame, info(10, 10, 8))).toThrow(/2 segments, expected 1/);
    expect(() => decodeRle(frame, info(20, 10, 16))).toThrow(/segment 1 decodes to \d+ bytes, expected 200/);
    const bad = frame.slice();
    new DataView(bad.buffer).setUint32(8, bad.length + 10, true);
    expect(() => decodeRle(bad, info(10, 10, 16))).toThrow(/segment 2 has an invalid offset/);
    expect(() => decodeRle(frame.subarray(0, 40), info(10, 10, 16))).toThrow(DecodeError);
    expect(() => decodeRle(frame, info(10, 10, 32))).toThrow(/BitsAllocated 32/);
  });
});
