/**
 * DICOM SEG out and in: the phantom's analysis labels written as one SEG,
 * checked by dicom3tools' dciodvfy (no error), read back by pydicom and by
 * lungview's reader onto the CT (voxel for voxel); SEGs changed in one thing
 * by pydicom (frames moved half a slice, another PixelSpacing) are refused.
 * Real data: `analyze --out` on lung-pet-ct-dx-a0001 writes a
 * segmentation.dcm that passes dciodvfy and loads back onto the series.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAnalyze, type AnalyzeReport } from '../../../src/cli/analyze';
import { runAnalysis } from '../../../src/core/analysis/runAnalysis';
import { analysisSegments } from '../../../src/core/io/analysisSeg';
import { readDicomSeg, writeDicomSeg, type SegSegmentInput } from '../../../src/core/io/dicomSeg';
import { readNifti } from '../../../src/core/io/nifti';
import type { LoadedSeries } from '../../../src/core/dicom/types';
import { voxelVolumeMm3 } from '../../../src/core/volume/volume';
import { describeRequiring, describeWithRealData, seriesDir } from '../../helpers/sharedData';
import { loadRealSeries } from '../../helpers/loadSeries';
import { phantomSeries } from '../../workers/phantomSeries';
import { captureIo } from '../../cli/captureIo';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./segVariant.py', import.meta.url));
const DCIODVFY = '/usr/bin/dciodvfy';

function missing(): string | null {
  const gone: string[] = [];
  if (spawnSync(DCIODVFY, ['-version']).error) gone.push(`${DCIODVFY} (dicom3tools)`);
  if (spawnSync(PYTHON, ['-c', 'import pydicom, numpy']).status !== 0) gone.push(`${PYTHON} with pydicom and numpy`);
  return gone.length ? gone.join(' and ') : null;
}

/** dciodvfy's messages; the test fails on any line starting with "Error". */
function verify(file: string): { errors: string[]; warnings: string[] } {
  const r = spawnSync(DCIODVFY, [file], { encoding: 'utf8' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return { errors: lines.filter((l) => /^Error/.test(l)), warnings: lines.filter((l) => /^Warning/.test(l)) };
}

interface PyInfo {
  shape: [number, number, number];
  sopClass: string;
  segments: number[];
  labels: string[];
  frameSegment: number[];
  frameSource: string[];
  frameVoxels: number[];
  frameOfReference: string;
  study: string;
  referencedSeries: string;
}

function pyInfo(file: string): PyInfo {
  return JSON.parse(execFileSync(PYTHON, [SCRIPT, 'info', file], { encoding: 'utf8' })) as PyInfo;
}

function variant(mode: 'shift-half' | 'spacing' | 'orientation', src: string, dst: string): Uint8Array {
  execFileSync(PYTHON, [SCRIPT, mode, src, dst]);
  return new Uint8Array(readFileSync(dst));
}

function inSeg(s: SegSegmentInput, i: number): number {
  return 'mask' in s ? (s.mask[i] !== 0 ? 1 : 0) : (s.labels[i] === s.labelValue ? 1 : 0);
}

function countOnes(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i];
  return n;
}

describeRequiring('DICOM SEG of the phantom analysis', missing(), () => {
  let tmp = '';
  let series: LoadedSeries;
  let segments: SegSegmentInput[];
  let file = '';

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lungview-seg-'));
    series = phantomSeries(96, 40, 5);
    const r = runAnalysis(series.volume, {}, { splitLabels: true });
    if (!r.split?.ok) throw new Error('the phantom split failed');
    segments = analysisSegments(r, series.volume);
    file = path.join(tmp, 'seg.dcm');
    writeFileSync(file, writeDicomSeg({ source: { geometry: series.volume, summary: series.summary }, segments }));
  }, 60_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('writes right lung, left lung, airway, internal and GK structures', () => {
    expect(segments.map((s) => s.name)).toEqual(['Right lung', 'Left lung', 'Airway', 'Internal structures', 'GK structures']);
  });

  it('passes dciodvfy without errors', () => {
    const { errors, warnings } = verify(file);
    if (warnings.length) console.info(`dciodvfy warnings:\n${warnings.join('\n')}`);
    expect(errors).toEqual([]);
  });

  it('reads back with pydicom: one frame per segment and non-empty slice, referencing that slice', () => {
    const info = pyInfo(file);
    const { nx, ny, nz } = series.volume;
    const per = nx * ny;
    const uids = series.summary.sopInstanceUids!;
    const want: { segment: number; z: number; voxels: number }[] = [];
    segments.forEach((s, k) => {
      for (let z = 0; z < nz; z++) {
        let n = 0;
        for (let i = z * per; i < (z + 1) * per; i++) n += inSeg(s, i);
        if (n) want.push({ segment: k + 1, z, voxels: n });
      }
    });
    expect(info.shape).toEqual([want.length, ny, nx]);
    expect(info.segments).toEqual(segments.map((_, k) => k + 1));
    expect(info.labels).toEqual(segments.map((s) => s.name));
    expect(info.frameSegment).toEqual(want.map((w) => w.segment));
    expect(info.frameSource).toEqual(want.map((w) => uids[w.z]));
    expect(info.frameVoxels).toEqual(want.map((w) => w.voxels));
    expect(info.frameOfReference).toBe(series.summary.firstHeader.frameOfReferenceUid);
    expect(info.study).toBe(series.summary.firstHeader.studyInstanceUid);
    expect(info.referencedSeries).toBe(series.summary.seriesInstanceUid);
  });

  it('loads back onto the CT voxel for voxel', () => {
    const r = readDicomSeg(new Uint8Array(readFileSync(file)), { geometry: series.volume, summary: series.summary });
    if (!r.ok) throw new Error(r.reason);
    expect(r.matchedByUid).toBe(r.frames);
    expect(r.segments.map((s) => [s.name, s.type.value, s.algorithmType])).toEqual(segments.map((s) => [s.name, s.type.value, 'AUTOMATIC']));
    r.segments.forEach((s, k) => {
      let diff = 0;
      for (let i = 0; i < s.mask.length; i++) if (s.mask[i] !== inSeg(segments[k], i)) diff++;
      expect(diff, s.name).toBe(0);
      expect(countOnes(s.mask)).toBeGreaterThan(0);
    });
  });

  it('refuses frames moved half a slice along the normal', () => {
    const bytes = variant('shift-half', file, path.join(tmp, 'shift.dcm'));
    const r = readDicomSeg(bytes, { geometry: series.volume, summary: series.summary });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/frame 1: ImagePositionPatient is 2\.5 mm along the slice normal/);
    // Without the UIDs the position alone still finds no slice.
    const r2 = readDicomSeg(bytes, { geometry: series.volume, summary: { ...series.summary, sopInstanceUids: undefined } });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.reason).toMatch(/not on a slice/);
  });

  it('refuses another PixelSpacing', () => {
    const r = readDicomSeg(variant('spacing', file, path.join(tmp, 'spacing.dcm')), { geometry: series.volume, summary: series.summary });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/PixelSpacing .* differs from the CT's/);
  });

  it('refuses another orientation', () => {
    const r = readDicomSeg(variant('orientation', file, path.join(tmp, 'orientation.dcm')), { geometry: series.volume, summary: series.summary });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^frame 1: ImageOrientationPatient 0\\1\\0\\1\\0\\0 differs from the CT's 1\\0\\0\\0\\1\\0$/);
  });

  it('matches frames by position when the CT has no SOP Instance UIDs of its slices', () => {
    const r = readDicomSeg(new Uint8Array(readFileSync(file)), { geometry: series.volume, summary: { ...series.summary, sopInstanceUids: [] } });
    if (!r.ok) throw new Error(r.reason);
    expect(r.matchedByPosition).toBe(r.frames);
    r.segments.forEach((s, k) => {
      for (let i = 0; i < s.mask.length; i++) if (s.mask[i] !== inSeg(segments[k], i)) throw new Error(`${s.name} differs at ${i}`);
    });
  });
});

describeWithRealData('DICOM SEG from analyze --out on a real series', () => {
  describeRequiring('with dicom3tools', missing(), () => {
    let tmp = '';
    let report: AnalyzeReport;
    let seg = '';

    beforeAll(async () => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'lungview-seg-real-'));
      const io = captureIo();
      const code = await runAnalyze([seriesDir('lung-pet-ct-dx-a0001'), '--json', '--out', tmp], io);
      if (code !== 0) throw new Error(`analyze exited with ${code}: ${io.stderr}`);
      report = JSON.parse(io.stdout) as AnalyzeReport;
      seg = path.join(tmp, 'segmentation.dcm');
    }, 180_000);

    afterAll(() => {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    it('segmentation.dcm passes dciodvfy and pydicom reads it', () => {
      expect(report.outputs?.map((p) => path.basename(p))).toContain('segmentation.dcm');
      const { errors, warnings } = verify(seg);
      if (warnings.length) console.info(`dciodvfy warnings:\n${warnings.join('\n')}`);
      expect(errors).toEqual([]);
      const info = pyInfo(seg);
      expect(info.shape.slice(1)).toEqual([report.dimsZyx[1], report.dimsZyx[2]]);
      expect(info.frameVoxels.every((n) => n > 0)).toBe(true);
    });

    it('loads back onto the series: the segments hold the report\'s volumes and internal.nii.gz voxel for voxel', async () => {
      const series = await loadRealSeries('lung-pet-ct-dx-a0001');
      const r = readDicomSeg(new Uint8Array(readFileSync(seg)), { geometry: series.volume, summary: series.summary });
      if (!r.ok) throw new Error(r.reason);
      expect(r.matchedByUid).toBe(r.frames);
      const byName = new Map(r.segments.map((s) => [s.name, s.mask]));
      const voxelMl = voxelVolumeMm3(series.volume) / 1000;
      expect(report.split.ok).toBe(true);
      expect(countOnes(byName.get('Right lung')!) * voxelMl).toBeCloseTo(report.lungMl.right!, 3);
      expect(countOnes(byName.get('Left lung')!) * voxelMl).toBeCloseTo(report.lungMl.left!, 3);
      expect(countOnes(byName.get('Airway')!) * voxelMl).toBeCloseTo(report.lungMl.airway!, 3);
      const internal = readNifti(new Uint8Array(readFileSync(path.join(tmp, 'internal.nii.gz'))));
      const got = byName.get('Internal structures')!;
      let diff = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== (internal.data[i] !== 0 ? 1 : 0)) diff++;
      expect(diff).toBe(0);
      expect(countOnes(got)).toBe(report.voxels.internal);
    });
  });
});
