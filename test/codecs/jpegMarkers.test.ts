import { describe, expect, it } from 'vitest';
import { describeSof, endsWithEoi, readJpegFrameHeader } from '../../src/codecs/jpegMarkers';

/** SOI, an APP0 segment, a DHT-like segment, then SOFn with precision, rows, columns, components. */
function stream(sof: number, precision: number, rows: number, columns: number, components: number): Uint8Array {
  return Uint8Array.from([
    0xff, 0xd8,
    0xff, 0xe0, 0x00, 0x06, 0x4a, 0x46, 0x49, 0x46, // APP0, length 6
    0xff, 0xff, // fill byte
    0xff, 0xc4, 0x00, 0x03, 0x00, // DHT, length 3
    0xff, sof, 0x00, 0x0b, precision, rows >> 8, rows & 0xff, columns >> 8, columns & 0xff, components, 1, 0x11, 0,
  ]);
}

describe('readJpegFrameHeader (T.81 B.1.1)', () => {
  it('skips marker segments and fill bytes up to the frame header', () => {
    expect(readJpegFrameHeader(stream(0xc3, 16, 400, 512, 1))).toEqual({ sof: 0xc3, precision: 16, rows: 400, columns: 512, components: 1 });
    expect(readJpegFrameHeader(stream(0xc1, 12, 512, 512, 1))).toEqual({ sof: 0xc1, precision: 12, rows: 512, columns: 512, components: 1 });
  });

  it('gives null for non-JPEG bytes, a stream cut before its frame header, and a scan before any frame', () => {
    expect(readJpegFrameHeader(Uint8Array.from([0xff, 0x4f, 0xff, 0x51]))).toBeNull(); // JPEG 2000 SOC
    expect(readJpegFrameHeader(stream(0xc0, 8, 1, 1, 1).subarray(0, 20))).toBeNull();
    expect(readJpegFrameHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]))).toBeNull();
  });

  it('names the coding process', () => {
    expect(describeSof(0xc3)).toBe('lossless (SOF3)');
    expect(describeSof(0xc1)).toBe('extended sequential DCT (SOF1)');
  });
});

describe('readJpegFrameHeader on JPEG-LS (T.87)', () => {
  it('reads the SOF55 frame header like a SOFn one', () => {
    expect(readJpegFrameHeader(stream(0xf7, 16, 512, 400, 1))).toEqual({ sof: 0xf7, precision: 16, rows: 512, columns: 400, components: 1 });
    expect(describeSof(0xf7)).toBe('JPEG-LS (SOF55)');
  });
});

describe('endsWithEoi', () => {
  it('is true for a code stream ending with FFD9, also after a few 00 or FF padding bytes, and false for one cut short', () => {
    const body = [0xff, 0xd8, 0x12, 0x34];
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9]))).toBe(true);
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9, 0x00]))).toBe(true);
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9, 0xff]))).toBe(true);
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9, 0, 0, 0, 0]))).toBe(true);
    expect(endsWithEoi(Uint8Array.from(body))).toBe(false);
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9, 0x12]))).toBe(false);
    expect(endsWithEoi(Uint8Array.from([...body, 0xff, 0xd9, ...new Array<number>(40).fill(0)]))).toBe(false);
    expect(endsWithEoi(Uint8Array.from([0xff, 0xd9]))).toBe(false);
  });
});
