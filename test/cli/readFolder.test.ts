import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillHu, type HuFillTask } from '../../src/cli/huFill';
import { readFolder } from '../../src/cli/readFolder';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { describeWithRealData, edgeFile } from '../helpers/sharedData';
import { makeTestFile, type TestImage } from '../core/dicom/testFiles';

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

  it('refuses, from the headers, a series over the per-series budget and one that would take the folder over its budget (the folder above)', async () => {
    // b: 32 × 32 × 14 = 28,672 bytes of HU; a: 32 × 32 × 10 = 20,480.
    const perSeries = await readFolder(dir, { maxSeriesHuBytes: 25_000 });
    expect(perSeries.series.map((s) => s.summary.dimsZyx)).toEqual([[10, 32, 32]]);
    expect(perSeries.refused.map((r) => [r.summary.dimsZyx, r.huBytes, r.reason])).toEqual([
      [[14, 32, 32], 28_672, '32 × 32 × 14 voxels, 0.03 MiB of HU: more than the 0.02 MiB one series may take'],
    ]);
    const perFolder = await readFolder(dir, { maxLoadHuBytes: 40_000 });
    expect(perFolder.series.map((s) => s.summary.dimsZyx)).toEqual([[14, 32, 32]]);
    expect(perFolder.refused.map((r) => r.reason)).toEqual(['32 × 32 × 10 voxels, 0.02 MiB of HU: with the series before it, more than the 0.04 MiB one folder may take']);
    expect((await readFolder(dir)).refused).toEqual([]);
  });

  it('puts native pixels straight into the volume: the HU of a full parse for every pixel layout', async () => {
    const root = path.join(dir, 'layouts');
    // 4 × 9 = 36 pixels a slice: the two-pixel (SWAR) paths run on 32 of them; 3 × 5 = 15 pixels: every
    // other slice starts off a 4-byte boundary (the pixel-by-pixel paths).
    const rnd = mulberry32(9);
    const signed = (n: number) => Int16Array.from({ length: n }, () => Math.floor(rnd() * 4000) - 1000);
    const unsigned12 = (n: number) => Uint16Array.from({ length: n }, () => Math.floor(rnd() * 4096));
    const layouts: { name: string; rows: number; columns: number; image: (n: number) => Partial<TestImage> }[] = [
      { name: 'signed', rows: 4, columns: 9, image: (n) => ({ pixels: signed(n) }) },
      { name: 'signed-pad', rows: 4, columns: 9, image: (n) => ({ pixels: signed(n).map((v, i) => (i % 4 === 0 ? -2000 : v)), padding: { value: -2000, vr: 'SS' } }) },
      { name: 'signed-odd', rows: 3, columns: 5, image: (n) => ({ pixels: signed(n) }) },
      { name: 'unsigned12', rows: 4, columns: 9, image: (n) => ({ pixels: unsigned12(n), bitsStored: 12, pixelRepresentation: 0 }) },
      { name: 'unsigned12-pad', rows: 4, columns: 9, image: (n) => ({ pixels: unsigned12(n).map((v, i) => (i % 5 === 0 ? 0 : v)), bitsStored: 12, pixelRepresentation: 0, padding: { value: 0, vr: 'US' } }) },
      { name: 'unsigned12-range', rows: 3, columns: 5, image: (n) => ({ pixels: unsigned12(n), bitsStored: 12, pixelRepresentation: 0, padding: { value: 0, vr: 'US', rangeLimit: 500 } }) },
      { name: 'slope', rows: 4, columns: 9, image: (n) => ({ pixels: signed(n), slope: 2.5, intercept: -7 }) },
      { name: 'eight-bit', rows: 3, columns: 5, image: (n) => ({ pixels: Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)), bitsAllocated: 8, pixelRepresentation: 0 }) },
    ];
    const files: { name: string; bytes: Uint8Array }[] = [];
    layouts.forEach((l, k) => {
      mkdirSync(path.join(root, l.name), { recursive: true });
      for (let z = 0; z < 4; z++) {
        const img = { rows: l.rows, columns: l.columns, seriesUid: `2.25.77${k}`, ipp: [0, 0, 2 * z], instanceNumber: z + 1, ...l.image(l.rows * l.columns) } as TestImage;
        const name = `${l.name}/${z}.dcm`;
        const bytes = makeTestFile(img);
        writeFileSync(path.join(root, name), bytes);
        files.push({ name, bytes });
      }
    });
    // The header pass says where native 16-bit pixels lie; 8-bit ones are decoded by a full parse.
    for (const f of files) {
      const r = parseDicomFile(f.bytes, f.name, { headerOnly: true });
      if (!r.ok) throw new Error(r.skipped.reason);
      expect(r.slices[0].storedPixels !== undefined).toBe(!f.name.startsWith('eight-bit'));
    }
    const { series, skipped } = await readFolder(root);
    expect(skipped).toEqual([]);
    expect(series).toHaveLength(layouts.length);
    for (const s of series) {
      const expected = s.summary.files.flatMap((name) => {
        const r = parseDicomFile(files.find((f) => f.name === name)!.bytes, name);
        if (!r.ok) throw new Error(r.skipped.reason);
        return Array.from(r.slices[0].hu);
      });
      const [nz, ny, nx] = s.summary.dimsZyx;
      expect(expected.length).toBe(nx * ny * nz);
      expect(Array.from(s.volume.hu)).toEqual(expected);
    }
    // For the analysis's worker thread: the same HU, read straight into shared memory.
    const shared = await readFolder(root, { sharedHu: true });
    expect(shared.series.map((s) => s.summary.id)).toEqual(series.map((s) => s.summary.id));
    shared.series.forEach((s, k) => {
      expect(s.volume.hu.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(s.volume.hu)).toEqual(Array.from(series[k].volume.hu));
    });
    expect(series[0].volume.hu.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    // With a helper thread (analysisThread.ts fillHuOnThread), every other native slice is handed to it, in
    // batches sent while this thread fills the others; the HU are the same.
    const handed: HuFillTask[] = [];
    const helped = await readFolder(root, {
      sharedHu: true,
      fillOnThread: async (tasks) => {
        await new Promise((resolve) => setImmediate(resolve));
        for (const t of tasks) {
          expect(t.out.buffer).toBeInstanceOf(SharedArrayBuffer);
          fillHu(t);
        }
        handed.push(...tasks);
      },
    });
    helped.series.forEach((s, k) => expect(Array.from(s.volume.hu)).toEqual(Array.from(series[k].volume.hu)));
    const native = series.reduce((n, s) => n + (s.summary.files.filter((f) => !f.startsWith('eight-bit')).length), 0);
    expect(handed.length).toBeGreaterThan(0);
    expect(handed.length).toBeLessThanOrEqual(Math.ceil(native / 2));
    expect(new Set(handed.map((t) => t.file)).size).toBe(handed.length);
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

  it('reads native edge files (big endian, implicit VR, no preamble, odd rescale) to the HU of a full parse', async () => {
    const names = [
      'explicit-vr-big-endian-mr-small.dcm', 'implicit-vr-le-mr-small.dcm', 'ct-acrnema-no-preamble-unsigned-12bit.dcm',
      'ct1-uncompressed-reference-signed.dcm', 'ct2-uncompressed-signed-intercept0.dcm', 'mr-rescale-slope-9.57-intercept-19595.dcm',
    ];
    for (const name of names) {
      const one = path.join(dir, `native-${name}`);
      mkdirSync(one);
      copyFileSync(edgeFile(name), path.join(one, name));
      const bytes = new Uint8Array(readFileSync(edgeFile(name)));
      const head = parseDicomFile(bytes, name, { headerOnly: true });
      const full = parseDicomFile(bytes, name);
      if (!head.ok || !full.ok) throw new Error(`${name} does not parse`);
      // Each goes through the direct path: pixel bytes at the header's offset, converted in place.
      expect(head.slices[0].storedPixels, name).toBeDefined();
      const { series, skipped } = await readFolder(one);
      expect(skipped, name).toEqual([]);
      expect(series, name).toHaveLength(1);
      expect(sameValues(series[0].volume.hu, full.slices[0].hu), name).toBe(true);
    }
  });
});

function sameValues(a: Int16Array, b: Int16Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
