import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PARSE_LIMITS } from '../../../src/core/dicom/limits';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { atDeepStack } from '../../fuzz/checkParse';
import { encodeDataSet, part10, text, type SynthElement } from '../../fuzz/corpus';
import { encodeRleFrame, makeTestFile, withTransferSyntax } from './testFiles';

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

// ---- Regressions found by the fuzzer (test/fuzz, fuzzDicom.test.ts) ----

const LE = { explicit: true, littleEndian: true };
const us = (tag: number, v: number): SynthElement => ({ tag, vr: 'US', value: Uint8Array.of(v & 0xff, v >> 8) });

/** Image attributes of a greyscale frame (8- or 16-bit unsigned), NumberOfFrames when given. */
function imageModule(rows: number, columns: number, bits: 8 | 16, frames?: string): SynthElement[] {
  return [
    text(0x00080060, 'CS', 'CT'), ...(frames === undefined ? [] : [text(0x00280008, 'IS', frames)]),
    us(0x00280010, rows), us(0x00280011, columns), us(0x00280100, bits), us(0x00280101, bits), us(0x00280102, bits - 1), us(0x00280103, 0),
  ];
}

/**
 * Sequences (0008,1115) nested `depth` deep, each of undefined length with one
 * item of undefined length, closed by their delimiters; little endian bytes
 * written in a loop (the recursive encoder would itself run out of stack).
 */
function nested(depth: number, explicit: boolean): Uint8Array {
  const open = explicit
    ? [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]
    : [0x08, 0x00, 0x15, 0x11, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
  const close = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
  const out = new Uint8Array(depth * (open.length + close.length));
  for (let d = 0; d < depth; d++) out.set(open, d * open.length);
  for (let d = 0; d < depth; d++) out.set(close, depth * open.length + d * close.length);
  return out;
}

/** A Part-10 file: the bytes `before` (already encoded) and then the image elements. */
function withPrefix(ts: string, before: Uint8Array, image: SynthElement[], syntax = LE): Uint8Array {
  const rest = encodeDataSet(image, syntax);
  const ds = new Uint8Array(before.length + rest.length);
  ds.set(before);
  ds.set(rest, before.length);
  return part10(ts, ds);
}

function reasonOf(r: ReturnType<typeof parseDicomFile>): string {
  return r.ok ? `decoded ${r.slices.length} slice(s)` : r.skipped.reason;
}

describe('parseDicomFile regressions found by fuzzing', () => {
  it('quotes header text in a reason without its control characters (PhotometricInterpretation "MO\\rOCHROME2")', () => {
    const file = makeTestFile({ pixels: new Int16Array(16), photometric: 'MO\rOCHROME2\u0001' });
    const reason = reasonOf(parseDicomFile(file, 'c.dcm'));
    expect(reason).toBe('colour image (SamplesPerPixel 1, MO?OCHROME2?): only greyscale images are supported');
    const ts = reasonOf(parseDicomFile(withTransferSyntax(file, '1.2.\u0018840'), 't.dcm'));
    expect(ts).toBe('unknown transfer syntax 1.2.?840');
  });

  it('refuses sequences nested 2,000 deep with the same reason from a shallow and from a nearly full call stack (the reason used to depend on the caller)', () => {
    for (const syntax of [LE, { explicit: false, littleEndian: true }]) {
      const ts = syntax.explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
      const bomb = withPrefix(ts, nested(2000, syntax.explicit), [...imageModule(2, 2, 16), { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(8) }], syntax);
      const shallow = reasonOf(parseDicomFile(bomb, 'b.dcm'));
      expect(shallow).toBe('sequences nested more than 64 deep');
      expect(reasonOf(atDeepStack(() => parseDicomFile(bomb, 'b.dcm')))).toBe(shallow);
      // Cut short (unterminated sequences of undefined length), the same.
      expect(reasonOf(atDeepStack(() => parseDicomFile(bomb.subarray(0, 20000), 'b.dcm')))).toBe(shallow);
    }
  });

  it('reads sequences nested 64 deep and refuses 65', () => {
    const file = (depth: number) => withPrefix('1.2.840.10008.1.2.1', nested(depth, true), [...imageModule(2, 2, 16), { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(8) }]);
    expect(reasonOf(parseDicomFile(file(64), 'ok.dcm'))).toBe('decoded 1 slice(s)');
    expect(reasonOf(parseDicomFile(file(65), 'deep.dcm'))).toBe('sequences nested more than 64 deep');
  });

  it('refuses NumberOfFrames 2147483647 or 100000 on a two-fragment file read header-only, at once (it used to build a header per frame: a hang, or 4 s and 250 MB for 100000)', () => {
    for (const frames of ['2147483647', '100000', '3']) {
      const file = part10('1.2.840.10008.1.2.5', encodeDataSet([
        ...imageModule(2, 2, 8, frames), { tag: 0x7fe00010, vr: 'OB', fragments: [encodeRleFrame(new Uint8Array(4)), encodeRleFrame(new Uint8Array(4))], offsetTable: [] },
      ], LE));
      const t0 = performance.now();
      const r = parseDicomFile(file, 'f.dcm', { headerOnly: true });
      expect(performance.now() - t0).toBeLessThan(100);
      expect(reasonOf(r)).toMatch(frames === '3' ? /^NumberOfFrames 3 but the encapsulated Pixel Data has only 2 fragment/ : /^NumberOfFrames \d+ is more than the 16384 frames/);
    }
  });

  it('reads each shared functional group item once: 4,096 one-pixel frames with a 200 KB PixelSpacing in the shared group take well under 3 s (2,000 frames used to take 34 s)', () => {
    const frames = 4096;
    const spacing = `${'0.5\\'.repeat(50_000)}0.5`;
    const file = part10('1.2.840.10008.1.2', encodeDataSet([
      ...imageModule(1, 1, 8, String(frames)),
      { tag: 0x52009229, vr: 'SQ', items: [[{ tag: 0x00289110, vr: 'SQ', items: [[text(0x00280030, 'DS', spacing)]] }]] },
      { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(frames) },
    ], { explicit: false, littleEndian: true }));
    const t0 = performance.now();
    const r = parseDicomFile(file, 'mf.dcm');
    expect(performance.now() - t0).toBeLessThan(3000);
    if (!r.ok) throw new Error(r.skipped.reason);
    expect(r.slices).toHaveLength(frames);
    expect(r.slices[frames - 1].header.pixelSpacingMmXy).toEqual([0.5, 0.5]);
  });

  it('decodes a deflated file whose meta group has no group length element (the inflated data set used to be parsed from byte 0 of the file)', () => {
    const pixels = Uint8Array.of(1, 2, 3, 250);
    const full = part10('1.2.840.10008.1.2.1.99', deflateSync(encodeDataSet([...imageModule(2, 2, 8), { tag: 0x7fe00010, vr: 'OB', value: pixels }], LE)));
    const noGroupLength = new Uint8Array(full.length - 12);
    noGroupLength.set(full.subarray(0, 132));
    noGroupLength.set(full.subarray(144), 132);
    for (const bytes of [full, noGroupLength]) {
      const r = parseDicomFile(bytes, 'd.dcm');
      if (!r.ok) throw new Error(r.skipped.reason);
      expect([...r.slices[0].hu]).toEqual([1, 2, 3, 250]);
    }
  });

  it('refuses a deflated data set that inflates past the limit, in bounded steps (68 KB of DEFLATE claiming 70 MB)', () => {
    const bomb = part10('1.2.840.10008.1.2.1.99', deflateSync(encodeDataSet([...imageModule(2, 2, 8), { tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(70_000_000) }], LE), { level: 1 }));
    const t0 = performance.now();
    expect(reasonOf(parseDicomFile(bomb, 'bomb.dcm'))).toBe(`deflated data set inflates to more than ${PARSE_LIMITS.maxInflatedBytes} bytes`);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses an RLE frame whose header claims 16384 × 16384 before allocating for it (a 408-byte file used to allocate 1 GB)', () => {
    const frame = encodeRleFrame(new Uint16Array(4));
    const file = part10('1.2.840.10008.1.2.5', encodeDataSet([...imageModule(16384, 16384, 16), { tag: 0x7fe00010, vr: 'OB', fragments: [frame], offsetTable: [] }], LE));
    const before = process.memoryUsage().arrayBuffers;
    const r = parseDicomFile(file, 'rle.dcm');
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(reasonOf(r)).toMatch(/^cannot decode RLE Lossless .*: RLE segment 1 of \d+ bytes cannot hold the 268435456 pixels of Columns 16384 × Rows 16384$/);
    expect(grown).toBeLessThan(64 * 1048576);
  });

  it('reads the header of an RLE file from a prefix (it used to say the Pixel Data was not encapsulated)', () => {
    const whole = part10('1.2.840.10008.1.2.5', encodeDataSet([...imageModule(2, 2, 8), { tag: 0x7fe00010, vr: 'OB', fragments: [encodeRleFrame(new Uint8Array(4))], offsetTable: [] }], LE));
    const prefix = parseDicomFile(whole.subarray(0, whole.length - 20), 'p.dcm', { prefixOfFileBytes: whole.length });
    const full = parseDicomFile(whole, 'p.dcm', { headerOnly: true });
    if (!prefix.ok || !full.ok) throw new Error(`${reasonOf(prefix)} / ${reasonOf(full)}`);
    expect(prefix.slices.map((s) => s.header)).toEqual(full.slices.map((s) => s.header));
  });

  it('refuses 300,000 empty sequence items before dicom-parser indexes them (16 bytes of file took ~400 bytes of heap each), and reads 100,000', () => {
    const file = (items: number) => {
      // One sequence of undefined length: `items` empty items of undefined length, then its delimiter.
      const sq = new Uint8Array(12 + 16 * items + 8);
      sq.set([0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      const item = [0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0];
      for (let i = 0; i < items; i++) sq.set(item, 12 + 16 * i);
      sq.set([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0], 12 + 16 * items);
      return withPrefix('1.2.840.10008.1.2.1', sq, [...imageModule(2, 2, 16), { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(8) }]);
    };
    const t0 = performance.now();
    expect(reasonOf(parseDicomFile(file(300_000), 'items.dcm'))).toBe(`more than ${PARSE_LIMITS.maxElements} data elements, sequence items and fragments`);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(reasonOf(parseDicomFile(file(100_000), 'items.dcm'))).toBe('decoded 1 slice(s)');
  });

  it('says "truncated" for an implicit VR element before Pixel Data that claims bytes past the end of the file (it used to say the file had no Pixel Data)', () => {
    const implicit = { explicit: false, littleEndian: true };
    const cutInHeader = part10('1.2.840.10008.1.2', encodeDataSet([text(0x00080060, 'CS', 'CT'), text(0x00081030, 'LO', 'x'.repeat(100))], implicit));
    expect(reasonOf(parseDicomFile(cutInHeader.subarray(0, cutInHeader.length - 50), 'cut.dcm'))).toBe('truncated file: element (0008,1030) declares 100 bytes but only 50 are present');
    // After Pixel Data an element cut short is not read: the image is complete.
    const cutAfterPixels = part10('1.2.840.10008.1.2', encodeDataSet([
      ...imageModule(2, 2, 16), { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(8) }, text(0xfffcfffc, 'OB', 'x'.repeat(100)),
    ], implicit));
    expect(reasonOf(parseDicomFile(cutAfterPixels.subarray(0, cutAfterPixels.length - 50), 'cut.dcm'))).toBe('decoded 1 slice(s)');
  });
});
