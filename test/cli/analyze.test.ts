import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYZE_USAGE, checkOutDir, parseAnalyzeArgs, runAnalyze, type AnalyzeReport } from '../../src/cli/analyze';
import { OUTPUT_FILES } from '../../src/cli/analyzeOutputs';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { readNifti, type NiftiImage } from '../../src/core/io/nifti';
import { describeWithRealData, readReferenceSummary, REAL_SERIES, seriesDir } from '../helpers/sharedData';
import { captureIo } from './captureIo';

async function analyzeJson(...args: string[]): Promise<AnalyzeReport> {
  const io = captureIo();
  const code = await runAnalyze([...args, '--json'], io);
  if (code !== 0) throw new Error(`analyze exited with ${code}: ${io.stderr}`);
  return JSON.parse(io.stdout) as AnalyzeReport;
}

function ones(img: NiftiImage): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i++) if (img.data[i] !== 0) n++;
  return n;
}

/** Voxel (x, y, z) through a NIfTI image's RAS affine, returned in LPS mm. */
function niftiVoxelToLps(img: NiftiImage, x: number, y: number, z: number): [number, number, number] {
  const a = img.sformRas ?? img.qformRas;
  const ras = [0, 1, 2].map((r) => a[4 * r] * x + a[4 * r + 1] * y + a[4 * r + 2] * z + a[4 * r + 3]);
  return [-ras[0], -ras[1], ras[2]];
}

/** Triangle count of a binary STL, checking that the file size agrees with it. */
function stlTriangles(file: string): number {
  const b = readFileSync(file);
  const n = b.readUInt32LE(80);
  expect(b.length).toBe(84 + 50 * n);
  return n;
}

/** Checks shared by the phantom and the real series: outputs re-read to what the report says. */
function checkOutputs(out: string, r: AnalyzeReport, series: string): void {
  expect(r.outputs?.map((p) => path.basename(p)).sort()).toEqual([...OUTPUT_FILES].sort());
  const [nz, ny, nx] = r.dimsZyx;
  const expected: Record<string, number> = {
    'lung-fill.nii.gz': r.voxels.lungFill,
    'lung-nofill.nii.gz': r.voxels.lungNoFill,
    'internal.nii.gz': r.voxels.internal,
  };
  for (const [name, count] of Object.entries(expected)) {
    const img = readNifti(new Uint8Array(readFileSync(path.join(out, name))));
    expect([img.nx, img.ny, img.nz]).toEqual([nx, ny, nz]);
    expect(img.spacingMmXyz[0]).toBeCloseTo(r.spacingMmZyx[2], 4);
    expect(img.spacingMmXyz[2]).toBeCloseTo(r.spacingMmZyx[0], 4);
    expect(ones(img)).toBe(count);
    // The affine puts each GK slice where its DICOM file says it is (ImagePositionPatient).
    r.gk.slices.forEach((z, k) => {
      const parsed = parseDicomFile(new Uint8Array(readFileSync(path.join(series, r.gk.sliceFiles[k]))), r.gk.sliceFiles[k], { headerOnly: true });
      if (!parsed.ok) throw new Error(parsed.skipped.reason);
      const ipp = parsed.slices[0].header.imagePositionMm;
      const p = niftiVoxelToLps(img, 0, 0, z);
      for (let c = 0; c < 3; c++) expect(Math.abs(p[c] - (ipp as number[])[c])).toBeLessThan(1e-2);
    });
  }
  // The labels file (painted from the split's runs per label) holds the split's volumes: 1 right, 2 left, 3 airway.
  if (r.split.ok) {
    const labels = readNifti(new Uint8Array(readFileSync(path.join(out, 'lung-labels.nii.gz'))));
    const counts = [0, 0, 0, 0];
    for (const v of labels.data) counts[v]++;
    const voxelMl = r.spacingMmZyx.reduce((a, b) => a * b, 1) / 1000;
    expect(counts[1] * voxelMl).toBeCloseTo(r.lungMl.right!, 6);
    expect(counts[2] * voxelMl).toBeCloseTo(r.lungMl.left!, 6);
    expect(counts[3] * voxelMl).toBeCloseTo(r.lungMl.airway!, 6);
    expect(counts[1] + counts[2] + counts[3]).toBe(Math.round(r.lungMl.measured / voxelMl));
  }
  const meshes = r.meshes;
  if (!meshes) throw new Error('analyze made no meshes');
  expect(stlTriangles(path.join(out, 'lung.stl'))).toBe(meshes.lung.triangles);
  expect(stlTriangles(path.join(out, 'internal.stl'))).toBe(meshes.internal.triangles);
  for (const name of ['lung.obj', 'internal.obj']) expect(statSync(path.join(out, name)).size).toBeGreaterThan(0);
}

describe('analyze arguments', () => {
  it('reads the folder, flags and numbers, negative ones included', () => {
    expect(parseAnalyzeArgs(['scan', '--json', '--threshold', '-650', '--gk-z=-120.5', '--out', 'o'])).toEqual({
      folder: 'scan', json: true, thresholdHu: -650, gkZMm: -120.5, outDir: 'o',
    });
    expect(parseAnalyzeArgs(['scan'])).toEqual({ folder: 'scan', json: false });
  });

  it('rejects unknown options, a missing folder and values that are not numbers with exit code 2', async () => {
    for (const args of [['scan', '--fast'], [], ['a', 'b'], ['scan', '--threshold', 'low'], ['scan', '--gk-z']]) {
      const io = captureIo();
      expect(await runAnalyze(args, io)).toBe(2);
      expect(io.stderr).toContain(`usage: ${ANALYZE_USAGE}`);
      expect(io.stdout).toBe('');
    }
  });

  it('fails with exit code 1 and a clear message for a missing folder or one without a CT series', async () => {
    let io = captureIo();
    expect(await runAnalyze(['/nonexistent/lungview-analyze'], io)).toBe(1);
    expect(io.stderr).toContain('folder not found: /nonexistent/lungview-analyze');
    const dir = mkdtempSync(path.join(tmpdir(), 'lungview-analyze-noct-'));
    try {
      writeFileSync(path.join(dir, 'notes.txt'), 'not a DICOM file\n');
      io = captureIo();
      expect(await runAnalyze([dir, '--json'], io)).toBe(1);
      expect(io.stderr).toMatch(/no CT series in .*: no image series, 1 file\(s\) skipped/);
      expect(io.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('analyze on a synthetic chest series', () => {
  let dir = '';
  let out = '';
  let report: AnalyzeReport;
  let truth: ReturnType<typeof makePhantomSeries>['truth'];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lungview-analyze-'));
    const ph = makePhantomSeries({ size: 96, slices: 32, seed: 2 });
    truth = ph.truth;
    mkdirSync(path.join(dir, 'scan'));
    for (const f of ph.files) writeFileSync(path.join(dir, 'scan', f.name), f.bytes);
    out = path.join(dir, 'out');
    report = await analyzeJson(path.join(dir, 'scan'), '--out', out);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the volume, consistent voxel counts and volumes', () => {
    expect(report.dimsZyx).toEqual(truth.dimsZyx);
    expect(report.spacingMmZyx[0]).toBeCloseTo(truth.spacingMmZyx[0], 6);
    expect(report.voxels.internal).toBe(report.voxels.lungFill - report.voxels.lungNoFill);
    const [sz, sy, sx] = report.spacingMmZyx;
    expect(report.lungMl.fill).toBeCloseTo((report.voxels.lungFill * sx * sy * sz) / 1000, 6);
    // The phantom's lungs and airways, less partial volume at the -700 HU threshold.
    expect(report.lungMl.fill / truth.lungsAndAirwaysMl).toBeGreaterThan(0.85);
    expect(report.lungMl.fill / truth.lungsAndAirwaysMl).toBeLessThan(1.05);
    if (report.split.ok) {
      // The split is of the measured mask (the inclusive one by default): it adds up to it, which holds the tutorial's filled mask.
      expect(report.lungMask).toBe('inclusive');
      expect((report.lungMl.left ?? 0) + (report.lungMl.right ?? 0) + (report.lungMl.airway ?? 0)).toBeCloseTo(report.lungMl.measured, 6);
      expect(report.lungMl.measured).toBeGreaterThanOrEqual(report.lungMl.fill);
    } else {
      expect(report.lungMl.splitFailure).toBe(report.split.reason);
    }
  });

  it('lists one GK entry per slice, in the same order, at the slices around the middle', () => {
    const g = report.gk;
    const nz = report.dimsZyx[0];
    const c = nz - 1 - Math.floor(nz / 2);
    expect(g.slices).toEqual([c - 2, c - 1, c, c + 1, c + 2]);
    for (const list of [g.sliceFiles, g.slicesZMm, g.centers, g.keptValue, g.keptPixels, g.iterations]) expect(list).toHaveLength(5);
    g.slices.forEach((z, k) => expect(g.slicesZMm[k]).toBeCloseTo(truth.slicePositionsMm[z], 4));
    g.slices.forEach((z, k) => expect(g.sliceFiles[k]).toBe(truth.fileForSlice[z]));
    for (const centres of g.centers) expect(centres).toHaveLength(5);
  });

  it('gives timings for every stage and the peak memory', () => {
    const t = report.timingsMs;
    for (const k of ['read', 'hu', 'segmentNoFill', 'segmentFill', 'gk', 'meshLung', 'meshInternal', 'total'] as const) {
      expect(t[k]).toBeGreaterThanOrEqual(0);
    }
    // GK and the lung mesh run on this thread while the internal structures are meshed on the worker
    // (or after them, here): the total covers the sequential part and the longer of the two branches.
    const sequential = t.read + t.hu + t.segmentNoFill + t.segmentFill + t.internal;
    expect(t.total).toBeGreaterThanOrEqual(sequential + Math.max(t.gk + t.meshLung, t.meshInternal));
    expect(t.writeOutputs).toBeGreaterThan(0);
    expect(report.peakRssMb).toBeGreaterThan(10);
  });

  it('writes NIfTI masks that re-read to the same voxels at the CT position, and STL/OBJ meshes', () => {
    checkOutputs(out, report, path.join(dir, 'scan'));
    // OBJ: one "v" line per vertex and one "f" line per triangle.
    const obj = readFileSync(path.join(out, 'lung.obj'), 'utf8');
    expect(obj.match(/^v /gm)?.length).toBe(report.meshes?.lung.vertices);
    expect(obj.match(/^f /gm)?.length).toBe(report.meshes?.lung.triangles);
  });

  it('centres GK on the slice nearest --gk-z and follows --threshold', async () => {
    const z = truth.slicePositionsMm[7] + 0.4;
    const r = await analyzeJson(path.join(dir, 'scan'), '--gk-z', String(z), '--threshold', '-800');
    expect(r.gk.slices).toEqual([5, 6, 7, 8, 9]);
    expect(r.params.thresholdHu).toBe(-800);
    expect(r.voxels.lungFill).toBeLessThan(report.voxels.lungFill);
  }, 60_000);

  it('reports densitometry per lung and region, and --report writes its JSON, CSV and printable page', async () => {
    const d = report.densitometry;
    if (!report.split.ok) throw new Error(`the phantom's split failed: ${report.split.reason}`);
    expect(d).not.toBeNull();
    expect(d!.lungMask).toBe('lungs-inclusive');
    // The split lungs less nothing: right + left voxels are the densitometry's whole lung.
    expect(d!.whole.voxels).toBe(d!.right.voxels + d!.left.voxels);
    expect(d!.whole.volumeMl).toBeCloseTo((report.lungMl.right ?? 0) + (report.lungMl.left ?? 0), 6);
    expect(report.timingsMs.densitometry).toBeGreaterThanOrEqual(0);
    const rep = path.join(dir, 'report');
    const r = await analyzeJson(path.join(dir, 'scan'), '--report', rep);
    const json = JSON.parse(readFileSync(path.join(rep, 'report.json'), 'utf8'));
    expect(json.densitometry).toEqual(r.densitometry);
    expect(json.lungview.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json.huSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(rep, 'report.csv'), 'utf8').split('\n')[0]).toBe('region,measure,value,unit');
    expect(readFileSync(path.join(rep, 'report.html'), 'utf8')).toContain('Lung densitometry');
    expect(r.outputs).toEqual(['report.json', 'report.csv', 'report.html'].map((f) => path.join(rep, f)));
  }, 60_000);

  it('prints a readable table without --json', async () => {
    const io = captureIo();
    expect(await runAnalyze([path.join(dir, 'scan')], io)).toBe(0);
    expect(io.stdout).toMatch(/volume 32×96×96 \(z×y×x\)/);
    expect(io.stdout).toMatch(/lung, filled\s+[\d,]+\s+[\d,.]+/);
    expect(io.stdout).toMatch(/GK slice\s+z mm\s+kept HU/);
    expect(io.stdout).toMatch(/meshLung\s+[\d,.]+/);
    expect(io.stdout).toMatch(/densitometry \(lungs-inclusive\)\s+mL\s+LAA-950 %/);
    expect(io.stdout).toMatch(/peak RSS \d+ MB/);
  }, 60_000);
});

describeWithRealData('analyze on the real series against the reference', () => {
  const outRoot = mkdtempSync(path.join(tmpdir(), 'lungview-analyze-real-'));
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  for (const name of REAL_SERIES) {
    it(`${name}: same masks, lung volume, GK slices, clusters and mesh areas as the reference; outputs re-read`, async () => {
      const ref = readReferenceSummary(name);
      const out = path.join(outRoot, name);
      // The tutorial's filled mask for the lung surface, as the reference meshes it.
      const r = await analyzeJson(seriesDir(name), '--lung-mask', 'fill', '--out', out);

      expect(r.lungMask).toBe('fill');
      expect(r.dimsZyx).toEqual(ref.dims_zyx);
      r.spacingMmZyx.forEach((v, k) => expect(v).toBeCloseTo(ref.spacing_mm_zyx[k], 6));
      expect(r.voxels).toEqual({ lungFill: ref.voxel_counts.lung_fill, lungNoFill: ref.voxel_counts.lung_nofill, internal: ref.voxel_counts.internal });
      expect(Math.abs(r.lungMl.fill / ref.lung_volume_ml.fill - 1)).toBeLessThan(1e-3);
      expect(Math.abs(r.lungMl.noFill / ref.lung_volume_ml.nofill - 1)).toBeLessThan(1e-3);

      // GK: the same physical slices (matched through the files), each with its reference result.
      const refIndexOfFile = new Map(ref.load.sorted_files.map((f, s) => [f, s]));
      const refSlices = r.gk.sliceFiles.map((f) => refIndexOfFile.get(f) as number);
      expect([...refSlices].sort((a, b) => a - b)).toEqual(ref.gk.slices);
      refSlices.forEach((s, k) => {
        const refSlice = ref.gk.per_slice[ref.gk.slices.indexOf(s)];
        expect(Math.abs(r.gk.keptPixels[k] / refSlice.kept_pixels - 1)).toBeLessThanOrEqual(0.05);
        expect(r.gk.centers[k]).toHaveLength(refSlice.centers.length);
        r.gk.centers[k].forEach((c, i) => expect(Math.abs(c - refSlice.centers[i])).toBeLessThan(10));
      });

      const mc = ref.marching_cubes;
      expect(Math.abs((r.meshes?.lung.areaMm2 ?? NaN) / mc.lung_fill.area_mm2 - 1)).toBeLessThan(0.02);
      expect(Math.abs((r.meshes?.internal.areaMm2 ?? NaN) / mc.internal.area_mm2 - 1)).toBeLessThan(0.02);

      if (r.split.ok) {
        expect((r.lungMl.left ?? 0) + (r.lungMl.right ?? 0) + (r.lungMl.airway ?? 0)).toBeCloseTo(r.lungMl.fill, 6);
      } else {
        expect(r.lungMl.splitFailure).toBe(r.split.reason);
      }
      checkOutputs(out, r, seriesDir(name));
      // Complete chest series with sound geometry: nothing to distrust.
      expect(r.geometryTrusted).toBe(true);
      expect(r.trust.reasons).toEqual([]);
    }, 120_000);
  }
});

describe('checkOutDir', () => {
  it('creates a missing parent that other processes create at the same moment (the tasks of a job array)', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'lungview-outdir-'));
    try {
      const shards = Array.from({ length: 8 }, (_, k) => path.join(base, 'scratch', 'run', `shard-${k}`));
      await Promise.all(shards.map((d) => checkOutDir(d)));
      for (const d of shards) expect(statSync(d).isDirectory()).toBe(true);
      // A file where the folder should be is still refused.
      writeFileSync(path.join(base, 'file'), 'x');
      await expect(checkOutDir(path.join(base, 'file', 'sub'))).rejects.toThrow(/cannot write into --out/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
