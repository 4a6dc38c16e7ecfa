import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { makeTestFile } from './testFiles';

function decode(bytes: Uint8Array, name = 'f.dcm'): DecodedSlice {
  const r = parseDicomFile(bytes, name);
  if (!r.ok) throw new Error(r.skipped.reason);
  expect(r.slices).toHaveLength(1);
  return r.slices[0];
}

describe('parseDicomFile on synthetic files', () => {
  it('reads the geometry fields (PixelSpacing as x,y = column, row spacing)', () => {
    const s = decode(makeTestFile({
      rows: 2, columns: 3, pixels: new Int16Array(6), ipp: [-10, 20.5, -300.25], iop: [0, 1, 0, 0, 0, -1],
      pixelSpacing: [0.7, 0.9], sliceThickness: 1.25, instanceNumber: 17,
    }));
    expect(s.header.rows).toBe(2);
    expect(s.header.columns).toBe(3);
    expect(s.header.imagePositionMm).toEqual([-10, 20.5, -300.25]);
    expect(s.header.imageOrientation).toEqual([[0, 1, 0], [0, 0, -1]]);
    expect(s.header.pixelSpacingMmXy).toEqual([0.9, 0.7]);
    expect(s.header.sliceThicknessMm).toBe(1.25);
    expect(s.header.instanceNumber).toBe(17);
    expect(s.header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(s.hu).toHaveLength(6);
  });

  it('signed 16-bit: HU = value + intercept', () => {
    const px = new Int16Array([-2048, -1, 0, 1, 1024, 3000, -1000, 32767, -32768]);
    const s = decode(makeTestFile({ rows: 3, columns: 3, pixels: px, pixelRepresentation: 1, intercept: -1024 }));
    expect([...s.hu]).toEqual([...px].map((v) => Math.max(-32768, Math.min(32767, v - 1024))));
  });

  it('unsigned 12-bit: bits above BitsStored are ignored', () => {
    const px = new Uint16Array([0, 1, 4095, 0xf000 | 100, 0x1000, 2048]);
    const s = decode(makeTestFile({ rows: 2, columns: 3, pixels: px, pixelRepresentation: 0, bitsStored: 12 }));
    expect([...s.hu]).toEqual([0, 1, 4095, 100, 0, 2048].map((v) => v - 1024));
  });

  it('signed 12-bit: values are sign-extended from bit 11', () => {
    const px = new Uint16Array([0x0fff, 0x0800, 0x07ff, 0x0001]);
    const s = decode(makeTestFile({ rows: 2, columns: 2, pixels: px, pixelRepresentation: 1, bitsStored: 12, intercept: 0 }));
    expect([...s.hu]).toEqual([-1, -2048, 2047, 1]);
  });

  it('PixelPaddingValue written as US 63536 on signed pixels marks -2000 as air (-1024 HU)', () => {
    const px = new Int16Array([-2000, -1999, 0, 500]);
    const s = decode(makeTestFile({ rows: 2, columns: 2, pixels: px, padding: { value: 63536, vr: 'US' } }));
    expect([...s.hu]).toEqual([-1024, -3023, -1024, -524]);
  });

  it('PixelPaddingValue written as SS -2000 gives the same result', () => {
    const px = new Int16Array([-2000, -1999, 0, 500]);
    const s = decode(makeTestFile({ rows: 2, columns: 2, pixels: px, padding: { value: -2000, vr: 'SS' } }));
    expect([...s.hu]).toEqual([-1024, -3023, -1024, -524]);
  });

  it('applies a non-unit slope with rounding to nearest', () => {
    const px = new Uint16Array([0, 1, 2, 3]);
    const s = decode(makeTestFile({ rows: 2, columns: 2, pixels: px, pixelRepresentation: 0, slope: 0.4, intercept: -0.3 }));
    expect([...s.hu]).toEqual([0, 0, 1, 1]); // -0.3, 0.1, 0.5, 0.9
  });

  it('decodes 8-bit pixels', () => {
    const px = new Uint8Array([0, 7, 200, 255]);
    const s = decode(makeTestFile({ rows: 2, columns: 2, pixels: px, bitsAllocated: 8, pixelRepresentation: 0, intercept: 0 }));
    expect([...s.hu]).toEqual([0, 7, 200, 255]);
  });

  it('decodes the same from a buffer at an odd byte offset (no aligned view possible)', () => {
    const px = new Int16Array([-5, 0, 7, 1200]);
    const bytes = makeTestFile({ rows: 2, columns: 2, pixels: px });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect([...decode(shifted.subarray(1)).hu]).toEqual([...decode(bytes).hu]);
  });

  it('headerOnly returns headers with empty pixel arrays', () => {
    const r = parseDicomFile(makeTestFile({ pixels: new Int16Array(16) }), 'h.dcm', { headerOnly: true });
    expect(r.ok && r.slices[0].hu.length).toBe(0);
    expect(r.ok && r.slices[0].header.rows).toBe(4);
  });

  it('skips colour images with a reason', () => {
    const r = parseDicomFile(makeTestFile({ pixels: new Uint8Array(48), bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB' }), 'rgb.dcm');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.skipped.reason).toMatch(/colour image \(SamplesPerPixel 3, RGB\)/);
  });

  it('skips Pixel Data shorter than Rows × Columns', () => {
    const r = parseDicomFile(makeTestFile({ rows: 4, columns: 4, pixels: new Int16Array(8) }), 'short.dcm');
    expect(!r.ok && r.skipped.reason).toMatch(/less than Rows × Columns/);
  });

  it('skips non-DICOM bytes without throwing', () => {
    const inputs = [
      new Uint8Array(0),
      new TextEncoder().encode('hello, this is a text file and not an image\n'),
      new Uint8Array(4096).fill(0xff),
      Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff),
    ];
    for (const bytes of inputs) {
      const r = parseDicomFile(bytes, 'junk.bin');
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.skipped.file).toBe('junk.bin');
        expect(r.skipped.reason).toMatch(/not a DICOM file|unreadable|truncated/);
      }
    }
  });

  it('skips a file cut anywhere in the header or pixels, never throwing', () => {
    const bytes = makeTestFile({ rows: 8, columns: 8, pixels: new Int16Array(64) });
    for (let cut = 0; cut < bytes.length; cut += 7) {
      const r = parseDicomFile(bytes.subarray(0, cut), 'cut.dcm');
      expect(r.ok).toBe(false);
    }
  });
});

describe('parseDicomFile on corrupted bytes', () => {
  it('never throws and stays fast when header bytes are overwritten at random', () => {
    const good = makeTestFile({ rows: 8, columns: 8, pixels: new Int16Array(64).fill(7), ipp: [1, 2, 3] });
    const pixelStart = good.length - 128;
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const t0 = performance.now();
    let decodedCount = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = good.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) bytes[128 + Math.floor(rand() * (pixelStart - 128))] = Math.floor(rand() * 256);
      const r = parseDicomFile(bytes, 'fuzz.dcm');
      if (r.ok) {
        decodedCount++;
        for (const s of r.slices) expect(s.hu.length).toBe(s.header.rows * s.header.columns);
      } else {
        expect(typeof r.skipped.reason).toBe('string');
      }
    }
    expect(decodedCount).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
