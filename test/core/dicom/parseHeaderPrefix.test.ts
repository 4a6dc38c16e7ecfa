/**
 * parseDicomFile with prefixOfFileBytes: the header from the first bytes of a
 * file, as the browser's header pass reads it (File.slice), must equal the
 * header read from the whole file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import { describeWithRealData, edgeFile, REAL_SERIES, seriesDir } from '../../helpers/sharedData';
import { makeTestFile } from './testFiles';

function headerOf(bytes: Uint8Array, prefixBytes?: number) {
  const r = prefixBytes === undefined
    ? parseDicomFile(bytes, 'f.dcm', { headerOnly: true })
    : parseDicomFile(bytes.subarray(0, prefixBytes), 'f.dcm', { prefixOfFileBytes: bytes.length });
  return r;
}

describe('parseDicomFile on the first bytes of a file (prefixOfFileBytes)', () => {
  const file = makeTestFile({ rows: 64, columns: 64, pixels: new Int16Array(64 * 64).fill(-1000), ipp: [1, 2, 3], instanceNumber: 5 });
  const pixelStart = file.length - 64 * 64 * 2;

  it('reads the same header as the whole file, from any prefix that reaches the Pixel Data element', () => {
    const whole = headerOf(file);
    if (!whole.ok) throw new Error(whole.skipped.reason);
    for (const n of [pixelStart, pixelStart + 1, pixelStart + 100, file.length]) {
      const r = headerOf(file, n);
      if (!r.ok) throw new Error(`prefix ${n}: ${r.skipped.reason}`);
      expect(r.slices.map((s) => s.header)).toEqual(whole.slices.map((s) => s.header));
      expect(r.slices[0].hu).toHaveLength(0);
    }
  });

  it('says "truncated" when the prefix ends inside the header', () => {
    const r = headerOf(file, pixelStart - 20);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.skipped.reason).toMatch(/truncated/);
  });

  it('still refuses a file whose whole size cannot hold the declared Pixel Data', () => {
    const cut = file.subarray(0, file.length - 2);
    const r = parseDicomFile(cut.subarray(0, pixelStart + 10), 'f.dcm', { prefixOfFileBytes: cut.length });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.skipped.reason).toMatch(/truncated file: Pixel Data declares 8192 bytes but only 8190/);
  });
});

describeWithRealData('header prefixes of real files', () => {
  it('the first 64 KiB of every file of each real series give the headers of the whole files', () => {
    for (const name of REAL_SERIES) {
      const dir = seriesDir(name);
      const files = readdirSync(dir).sort().slice(0, 12);
      for (const f of files) {
        const bytes = new Uint8Array(readFileSync(path.join(dir, f)));
        const whole = headerOf(bytes);
        const prefix = headerOf(bytes, 64 * 1024);
        expect(prefix.ok, `${name}/${f}`).toBe(true);
        if (whole.ok && prefix.ok) expect(prefix.slices.map((s) => s.header)).toEqual(whole.slices.map((s) => s.header));
      }
    }
  });

  it('the truncated edge file is refused from its prefix with the same reason as from the whole file', () => {
    const bytes = new Uint8Array(readFileSync(edgeFile('ct1-truncated-in-pixeldata.dcm')));
    const whole = headerOf(bytes);
    const prefix = headerOf(bytes, 16 * 1024);
    expect(whole.ok).toBe(false);
    expect(prefix.ok).toBe(false);
    if (!whole.ok && !prefix.ok) expect(prefix.skipped.reason).toBe(whole.skipped.reason);
  });
});
