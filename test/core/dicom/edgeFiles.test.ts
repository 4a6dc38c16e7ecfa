/**
 * Every file of ../shared/data/edge (see shared/data/README.md): decoded as
 * the README describes, or skipped with the right reason. Pixel checks
 * compare with values read straight from the file bytes by a separate,
 * simple reader (find the Pixel Data element header by its bytes).
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { buildSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice, ParseFileResult } from '../../../src/core/dicom/types';
import { describeWithRealData, edgeFile } from '../../helpers/sharedData';

function bytesOf(name: string): Uint8Array {
  const b = readFileSync(edgeFile(name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function parse(name: string): ParseFileResult {
  return parseDicomFile(bytesOf(name), name);
}

function decoded(name: string): DecodedSlice[] {
  const r = parse(name);
  if (!r.ok) throw new Error(`${name} skipped: ${r.skipped.reason}`);
  return r.slices;
}

function skippedReason(name: string): string {
  const r = parse(name);
  if (r.ok) throw new Error(`${name} decoded, expected a skip`);
  expect(r.skipped.file).toBe(name);
  return r.skipped.reason;
}

/** Offset of the value of (7FE0,0010) holding exactly `length` bytes (explicit or implicit VR LE header). */
function pixelDataOffset(b: Uint8Array, length: number): number {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 0; p + 12 <= b.length; p++) {
    if (b[p] !== 0xe0 || b[p + 1] !== 0x7f || b[p + 2] !== 0x10 || b[p + 3] !== 0x00) continue;
    if ((b[p + 4] === 0x4f) && dv.getUint32(p + 8, true) === length) return p + 12; // "OW"/"OB"
    if (dv.getUint32(p + 4, true) === length) return p + 8;
  }
  throw new Error('Pixel Data element not found');
}

/** The n little-endian 16-bit words of the Pixel Data value. */
function pixelWords(b: Uint8Array, n: number, signed: boolean): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const start = pixelDataOffset(b, 2 * n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = signed ? dv.getInt16(start + 2 * i, true) : dv.getUint16(start + 2 * i, true);
  return out;
}

function mismatches(actual: Int16Array, expected: number[]): number {
  let bad = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) bad++;
  return bad + Math.abs(actual.length - expected.length);
}

const containsAscii = (b: Uint8Array, s: string) => Buffer.from(b).includes(Buffer.from(s, 'latin1'));

describeWithRealData('edge files (shared/data/edge)', () => {
  it('ct1-uncompressed-reference-signed.dcm: signed 512×512, padding -2000 becomes air, other pixels value - 1024', () => {
    const [s] = decoded('ct1-uncompressed-reference-signed.dcm');
    expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([512, 512, 'CT']);
    expect(s.header.rescaleIntercept).toBe(-1024);
    const raw = pixelWords(bytesOf('ct1-uncompressed-reference-signed.dcm'), 512 * 512, true);
    expect(raw.filter((v) => v === -2000).length).toBeGreaterThan(1000);
    expect(mismatches(s.hu, raw.map((v) => (v === -2000 ? -1024 : v - 1024)))).toBe(0);
  });

  it('ct2-uncompressed-signed-intercept0.dcm: stored values are HU (intercept 0), minimum -2048', () => {
    const [s] = decoded('ct2-uncompressed-signed-intercept0.dcm');
    expect([s.header.rows, s.header.columns]).toEqual([512, 512]);
    expect(s.header.rescaleIntercept).toBe(0);
    const raw = pixelWords(bytesOf('ct2-uncompressed-signed-intercept0.dcm'), 512 * 512, true);
    expect(mismatches(s.hu, raw)).toBe(0);
    expect(s.hu.reduce((m, v) => Math.min(m, v), 0)).toBe(-2048);
  });

  it('ct-acrnema-no-preamble-unsigned-12bit.dcm: no preamble/meta, implicit VR guessed, 512×512 unsigned 12-bit CT', () => {
    const [s] = decoded('ct-acrnema-no-preamble-unsigned-12bit.dcm');
    expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([512, 512, 'CT']);
    expect(s.header.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    expect(s.header.rescaleSlope).toBe(1); // "001.000000E+00"
    expect(s.header.rescaleIntercept).toBe(-1024); // "-01.024000E+03"
    expect(s.header.pixelSpacingMmXy).toEqual([0.384766, 0.384766]);
    const raw = pixelWords(bytesOf('ct-acrnema-no-preamble-unsigned-12bit.dcm'), 512 * 512, false);
    expect(mismatches(s.hu, raw.map((v) => (v & 0x0fff) - 1024))).toBe(0);
    let min = Infinity;
    let max = -Infinity;
    for (const v of s.hu) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(min).toBeGreaterThanOrEqual(-1024);
    expect(max).toBeLessThanOrEqual(3071);
    expect(max - min).toBeGreaterThan(1000);
  });

  it('implicit-vr-le-mr-small.dcm: 64×64 MR, signed, pixels as stored', () => {
    const [s] = decoded('implicit-vr-le-mr-small.dcm');
    expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([64, 64, 'MR']);
    expect(s.header.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    const raw = pixelWords(bytesOf('implicit-vr-le-mr-small.dcm'), 64 * 64, true);
    expect(mismatches(s.hu, raw.map((v) => Math.round(v * s.header.rescaleSlope + s.header.rescaleIntercept)))).toBe(0);
  });

  it('explicit-vr-big-endian-mr-small.dcm: byte-swapped pixels equal the implicit-VR file pixel for pixel', () => {
    const [be] = decoded('explicit-vr-big-endian-mr-small.dcm');
    const [le] = decoded('implicit-vr-le-mr-small.dcm');
    expect(be.header.transferSyntaxUid).toBe('1.2.840.10008.1.2.2');
    expect([be.header.rows, be.header.columns]).toEqual([64, 64]);
    expect(be.header.imagePositionMm).toEqual(le.header.imagePositionMm);
    expect(mismatches(be.hu, [...le.hu])).toBe(0);
    expect(new Set(be.hu).size).toBeGreaterThan(100);
  });

  it('deflated-explicit-vr-le-ot.dcm: inflated data set, 512×512 8-bit', () => {
    const [s] = decoded('deflated-explicit-vr-le-ot.dcm');
    expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([512, 512, 'OT']);
    const b = bytesOf('deflated-explicit-vr-le-ot.dcm');
    const metaEnd = 144 + new DataView(b.buffer, b.byteOffset).getUint32(140, true);
    const dataSet = inflateRawSync(b.subarray(metaEnd));
    const start = pixelDataOffset(dataSet, 512 * 512);
    const raw = [...dataSet.subarray(start, start + 512 * 512)];
    expect(mismatches(s.hu, raw)).toBe(0);
    expect(new Set(raw).size).toBeGreaterThan(10);
  });

  it('mr-rescale-slope-9.57-intercept-19595.dcm: HU = round(value × 9.570207 - 19595) on 12-bit values', () => {
    const [s] = decoded('mr-rescale-slope-9.57-intercept-19595.dcm');
    expect(s.header.rescaleSlope).toBeCloseTo(9.570207, 9);
    expect(s.header.rescaleIntercept).toBe(-19595);
    const raw = pixelWords(bytesOf('mr-rescale-slope-9.57-intercept-19595.dcm'), 512 * 512, false);
    const expected = raw.map((v) => Math.max(-32768, Math.min(32767, Math.round((v & 0x0fff) * 9.570207 - 19595))));
    expect(mismatches(s.hu, expected)).toBe(0);
  });

  it('multiframe-enhanced-ct-2frames.dcm: two frames become two slices, geometry and rescale from the functional groups', () => {
    const slices = decoded('multiframe-enhanced-ct-2frames.dcm');
    const b = bytesOf('multiframe-enhanced-ct-2frames.dcm');
    expect(slices.map((s) => s.header.frame)).toEqual([0, 1]);
    // Values as written in the per-frame / shared groups (checked in the raw bytes).
    expect(containsAscii(b, '99.5000\\-301.500\\-159.000')).toBe(true);
    expect(containsAscii(b, '99.5000\\-301.500\\-149.000')).toBe(true);
    expect(slices[0].header.imagePositionMm).toEqual([99.5, -301.5, -159]);
    expect(slices[1].header.imagePositionMm).toEqual([99.5, -301.5, -149]);
    expect(slices[0].header.pixelSpacingMmXy).toEqual([0.388672, 0.388672]);
    for (const s of slices) {
      expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([512, 512, 'CT']);
      expect(s.header.rescaleIntercept).toBe(-1024);
      expect(s.header.rescaleSlope).toBe(1);
    }
    const raw = pixelWords(b, 2 * 512 * 512, false).map((v) => v - 1024);
    expect(mismatches(slices[0].hu, raw.slice(0, 512 * 512))).toBe(0);
    expect(mismatches(slices[1].hu, raw.slice(512 * 512))).toBe(0);
    const [series] = buildSeries(slices);
    expect(series.summary.dimsZyx).toEqual([2, 512, 512]);
    expect(series.summary.spacingMmZyx[0]).toBeCloseTo(10, 6);
  });

  it('the same files without preamble (meta group first) or without any meta group decode to the same pixels', () => {
    for (const name of ['ct1-uncompressed-reference-signed.dcm', 'deflated-explicit-vr-le-ot.dcm', 'explicit-vr-big-endian-mr-small.dcm']) {
      const full = bytesOf(name);
      const [ref] = decoded(name);
      const noPreamble = parseDicomFile(full.subarray(132), name);
      expect(noPreamble.ok, name).toBe(true);
      if (noPreamble.ok) expect(mismatches(noPreamble.slices[0].hu, [...ref.hu]), name).toBe(0);
    }
    // Bare explicit VR little endian data set: skip the whole meta group.
    const full = bytesOf('ct1-uncompressed-reference-signed.dcm');
    const metaEnd = 144 + new DataView(full.buffer, full.byteOffset).getUint32(140, true);
    const bare = parseDicomFile(full.subarray(metaEnd), 'bare.dcm');
    expect(bare.ok).toBe(true);
    if (bare.ok) {
      expect(bare.slices[0].header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
      expect(mismatches(bare.slices[0].hu, [...decoded('ct1-uncompressed-reference-signed.dcm')[0].hu])).toBe(0);
    }
  });

  it('ct1-truncated-in-pixeldata.dcm: skipped as truncated (declared 524,288 bytes, 293,794 present)', () => {
    const reason = skippedReason('ct1-truncated-in-pixeldata.dcm');
    expect(reason).toMatch(/truncated/);
    expect(reason).toContain('524288');
    expect(reason).toContain('293794');
  });

  it('ct1-truncated-in-header.dcm: skipped as truncated inside the header', () => {
    expect(skippedReason('ct1-truncated-in-header.dcm')).toMatch(/truncated.*header/);
  });

  it('ct1-rle-lossless.dcm: decoded by the built-in RLE decoder to exactly the HU of the uncompressed reference', () => {
    const [s] = decoded('ct1-rle-lossless.dcm');
    const [ref] = decoded('ct1-uncompressed-reference-signed.dcm');
    expect(s.header.transferSyntaxUid).toBe('1.2.840.10008.1.2.5');
    expect([s.header.rows, s.header.columns]).toEqual([512, 512]);
    expect(mismatches(s.hu, [...ref.hu])).toBe(0);
  });

  // Without codecs (see test/codecs for decoding them): skipped, naming the syntax and the missing decoder.
  const compressed: Array<[string, string, RegExp]> = [
    ['ct1-jpeg-lossless-sv1.dcm', '1.2.840.10008.1.2.4.70', /JPEG Lossless/],
    ['ct1-jpegls-lossless.dcm', '1.2.840.10008.1.2.4.80', /JPEG-LS Lossless/],
    ['ct1-jpegls-near-lossless.dcm', '1.2.840.10008.1.2.4.81', /JPEG-LS .*Near-Lossless/],
    ['ct1-j2k-lossless.dcm', '1.2.840.10008.1.2.4.90', /JPEG 2000 Lossless/],
    ['ct1-j2k-lossy.dcm', '1.2.840.10008.1.2.4.91', /JPEG 2000/],
    ['ct-chest-jpeg-lossless-sv1-nonsquare-400x512.dcm', '1.2.840.10008.1.2.4.70', /JPEG Lossless/],
    ['jpeg-baseline-8bit-gray.dcm', '1.2.840.10008.1.2.4.50', /JPEG Baseline/],
    ['jpeg-extended-12bit-mr.dcm', '1.2.840.10008.1.2.4.51', /JPEG Extended/],
  ];
  for (const [name, uid, label] of compressed) {
    it(`${name}: without a decoder, skipped naming ${uid}, and the missing decoder is reported`, () => {
      const r = parse(name);
      const reason = skippedReason(name);
      expect(reason).toMatch(/^compressed transfer syntax .* is not supported: no decoder for it is available here$/);
      expect(reason).toContain(`(${uid})`);
      expect(reason).toMatch(label);
      expect(r.ok ? null : r.missingDecoder).toBe(uid);
    });
  }

  const colour: Array<[string, string, RegExp]> = [
    ['jpeg-baseline-8bit-rgb-ybr.dcm', '1.2.840.10008.1.2.4.50', /SamplesPerPixel 3, YBR_FULL/],
    ['htj2k-lossless-rgb.dcm', '1.2.840.10008.1.2.4.201', /SamplesPerPixel 3, RGB/],
    // Found only by reading the meta group that starts at byte 0 (no preamble, no DICM).
    ['no-preamble-meta-group-first-jpegls-rgb.dcm', '1.2.840.10008.1.2.4.80', /SamplesPerPixel 3, RGB/],
  ];
  for (const [name, uid, what] of colour) {
    it(`${name}: skipped as a colour image (no codec needed to say so), the reason names ${uid}`, () => {
      const r = parse(name);
      const reason = skippedReason(name);
      expect(reason).toMatch(/^colour image .*: only greyscale images are supported/);
      expect(reason).toMatch(what);
      expect(reason).toContain(`(${uid})`);
      expect(r.ok ? null : r.missingDecoder).toBeUndefined();
    });
  }

  it('sr-structured-report-nonimage.dcm: skipped, no Pixel Data (SR)', () => {
    const reason = skippedReason('sr-structured-report-nonimage.dcm');
    expect(reason).toMatch(/no Pixel Data/);
    expect(reason).toMatch(/SR/);
  });

  it('dicomdir-basic-directory.dcm: skipped, no Pixel Data (DICOMDIR)', () => {
    const reason = skippedReason('dicomdir-basic-directory.dcm');
    expect(reason).toMatch(/no Pixel Data/);
    expect(reason).toMatch(/DICOMDIR/);
  });
});
