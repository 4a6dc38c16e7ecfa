/**
 * `compare <ct-folder> <mask>` on the phantom written as a folder: lungview's
 * own SEG (`analyze --out`'s segmentation.dcm) with the right lung eroded by
 * one voxel, as a SEG and as a NIfTI label map, gives per structure the
 * numbers compareSegmentations gives on the same masks (the JSON) and a
 * table (the text); a NIfTI moved by 2 mm is refused with the reason (exit
 * 1); a missing mask argument is a usage error (exit 2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/cli/analyze';
import { runCompare, type CompareReport } from '../../src/cli/compare';
import { compareSegmentations, type NamedMask } from '../../src/core/analysis/compareSegmentations';
import { buildSeries } from '../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import type { LoadedSeries } from '../../src/core/dicom/types';
import { readDicomSeg, writeDicomSeg } from '../../src/core/io/dicomSeg';
import { writeNiftiGz } from '../../src/core/io/nifti';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { geometryOf } from '../../src/core/volume/volume';
import { erodeMask } from '../helpers/erodeMask';
import { captureIo } from './captureIo';

describe('compare', () => {
  let dir = '';
  let scan = '';
  let series: LoadedSeries;
  let ours: NamedMask[];
  let eroded: NamedMask[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lungview-compare-'));
    scan = path.join(dir, 'scan');
    mkdirSync(scan);
    const ph = makePhantomSeries({ size: 96, slices: 32, seed: 2 });
    for (const f of ph.files) writeFileSync(path.join(scan, f.name), f.bytes);
    [series] = buildSeries(ph.files.flatMap((f) => {
      const r = parseDicomFile(f.bytes, f.name);
      return r.ok ? r.slices : [];
    }));
    const io = captureIo();
    expect(await runAnalyze([scan, '--out', path.join(dir, 'out')], io), io.stderr).toBe(0);
    const own = readDicomSeg(new Uint8Array(readFileSync(path.join(dir, 'out', 'segmentation.dcm'))), { geometry: series.volume, summary: series.summary });
    if (!own.ok) throw new Error(own.reason);
    ours = own.segments.map((s) => ({ name: s.name, code: s.type, mask: s.mask }));
    const { nx, ny, nz } = series.volume;
    eroded = ours.map((s) => ({ ...s, mask: s.name === 'Right lung' ? erodeMask(s.mask, nx, ny, nz) : s.mask }));
    writeFileSync(path.join(dir, 'eroded.dcm'), writeDicomSeg({
      source: { geometry: series.volume, summary: series.summary },
      segments: own.segments.map((s, k) => ({ name: s.name, category: s.category, type: s.type, mask: eroded[k].mask })),
    }));
    const g = geometryOf(series.volume);
    const labels = new Uint8Array(nx * ny * nz);
    eroded.slice(0, 3).forEach((s, k) => s.mask.forEach((v, i) => {
      if (v) labels[i] = k + 1;
    }));
    writeFileSync(path.join(dir, 'labels.nii.gz'), writeNiftiGz({ ...g, data: labels }));
    writeFileSync(path.join(dir, 'moved.nii.gz'), writeNiftiGz({ ...g, originMm: [g.originMm[0], g.originMm[1] + 2, g.originMm[2]], data: labels }));
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function compareJson(mask: string): Promise<CompareReport> {
    const io = captureIo();
    const code = await runCompare([scan, path.join(dir, mask), '--json'], io);
    if (code !== 0) throw new Error(`compare exited with ${code}: ${io.stderr}`);
    return JSON.parse(io.stdout) as CompareReport;
  }

  function expectEqual(r: CompareReport, want: ReturnType<typeof compareSegmentations>): void {
    expect(r.rows.map((x) => x.structure)).toEqual(want.rows.map((x) => x.structure));
    r.rows.forEach((x, k) => {
      const w = want.rows[k].result;
      expect([x.dice, x.volumeDiffMl, x.volumeDiffPct, x.hausdorffMm, x.meanSurfaceMm, x.lungviewMl, x.otherMl]).toEqual(
        [w.dice, w.volumeDiffMl, w.volumeDiffPct, w.hausdorffMm, w.meanSurfaceMm, w.volumeAMl, w.volumeBMl],
      );
    });
  }

  it('a SEG of lungview\'s result with the right lung eroded: the numbers of compareSegmentations on the same masks', async () => {
    const r = await compareJson('eroded.dcm');
    expect(r.format).toBe('DICOM SEG');
    const want = compareSegmentations(ours, eroded, series.volume);
    expect(want.rows[0].result.dice).toBeLessThan(1);
    expectEqual(r, want);
    const io = captureIo();
    expect(await runCompare([scan, path.join(dir, 'eroded.dcm')], io)).toBe(0);
    expect(io.stdout).toMatch(/^Right lung\s+0\.\d{4}\s/m);
    expect(io.stdout).toMatch(/^Whole lung\s/m);
  }, 120_000);

  it('a NIfTI label map is compared the same way; one moved by 2 mm is refused with the reason', async () => {
    expectEqual(await compareJson('labels.nii.gz'), compareSegmentations(ours, eroded.slice(0, 3), series.volume));
    const io = captureIo();
    expect(await runCompare([scan, path.join(dir, 'moved.nii.gz')], io)).toBe(1);
    expect(io.stderr).toMatch(/moved\.nii\.gz is refused: the NIfTI does not lie on the CT's grid: its first voxel is 0, 2, 0 mm/);
    const usage = captureIo();
    expect(await runCompare([scan], usage)).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run cli -- compare/);
  }, 120_000);
});
