import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFolder } from '../../src/cli/readFolder';
import { makePhantomSeries } from '../../src/core/io/phantom';

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
    expect(await readFolder(empty)).toEqual({ series: [], skipped: [] });
  });
});
