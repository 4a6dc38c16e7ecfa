import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFolder } from '../../src/cli/readFolder';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { describeWithRealData, edgeFile } from '../helpers/sharedData';

describe('readFolder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lungview-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('walks sub-folders, groups two series, sorts largest first and reports junk with relative paths', async () => {
    const a = makePhantomSeries({ size: 32, slices: 10, seed: 1, withVolume: true });
    const b = makePhantomSeries({ size: 32, slices: 14, seed: 2 });
    mkdirSync(path.join(dir, 'a', 'deeper'), { recursive: true });
    mkdirSync(path.join(dir, 'b'));
    a.files.forEach((f, i) => writeFileSync(path.join(dir, 'a', i % 2 ? 'deeper' : '', f.name), f.bytes));
    b.files.forEach((f) => writeFileSync(path.join(dir, 'b', f.name), f.bytes));
    writeFileSync(path.join(dir, 'a', 'deeper', 'README.txt'), 'notes');
    const { series, skipped } = await readFolder(dir);
    expect(series.map((s) => s.summary.seriesInstanceUid)).toEqual([b.truth.seriesInstanceUid, a.truth.seriesInstanceUid]);
    expect(series[1].summary.dimsZyx).toEqual([10, 32, 32]);
    expect(series[1].summary.files.every((f) => f.startsWith('a/'))).toBe(true);
    expect(series[1].summary.files.some((f) => f.startsWith('a/deeper/'))).toBe(true);
    expect([...series[1].volume.hu]).toEqual([...a.truth.volumeHu!]);
    expect(skipped).toEqual([{ file: 'a/deeper/README.txt', reason: expect.stringMatching(/not a DICOM file/) }]);
  });

  it('rejects a missing folder and a file path', async () => {
    await expect(readFolder(path.join(dir, 'missing'))).rejects.toThrow(/folder not found/);
    writeFileSync(path.join(dir, 'file.bin'), 'x');
    await expect(readFolder(path.join(dir, 'file.bin'))).rejects.toThrow(/not a folder/);
  });

  it('gives no series for an empty folder', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const r = await readFolder(empty);
    expect(r.series).toEqual([]);
    expect(r.skipped).toEqual([]);
  });
});

describeWithRealData('readFolder on compressed files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lungview-read-compressed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes JPEG 2000 and JPEG-LS files with the codecs and says why a 12-bit lossy JPEG is skipped', async () => {
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
    copyFileSync(edgeFile('ct1-j2k-lossless.dcm'), path.join(dir, 'a', 'ct1.dcm'));
    copyFileSync(edgeFile('ct-chest-jpeg-lossless-sv1-nonsquare-400x512.dcm'), path.join(dir, 'b', 'chest.dcm'));
    copyFileSync(edgeFile('jpeg-extended-12bit-mr.dcm'), path.join(dir, 'mr.dcm'));
    const { series, skipped } = await readFolder(dir);
    const ref = parseDicomFile(new Uint8Array(readFileSync(edgeFile('ct1-uncompressed-reference-signed.dcm'))), 'ref');
    if (!ref.ok) throw new Error(ref.skipped.reason);
    expect(series.map((s) => s.summary.dimsZyx)).toEqual([[1, 512, 512], [1, 400, 512]]);
    expect([...series[0].volume.hu]).toEqual([...ref.slices[0].hu]);
    expect(skipped).toEqual([{ file: 'mr.dcm', reason: expect.stringMatching(/12-bit JPEG.*not supported/) }]);
  });
});
