import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYSIS_STAGES, runAnalysis, type AnalysisResult, type AnalysisStage } from '../../../src/core/analysis/runAnalysis';
import { gkStage, internalStage, isAbortError, segmentStage, splitStage } from '../../../src/core/analysis/stages';
import { surfaceStage } from '../../../src/core/analysis/surfaceStage';
import { fullMesh } from '../../../src/core/mesh/surface';
import {
  DEFAULT_ANALYSIS_PARAMS,
  defaultCentreSlice,
  gkSliceRange,
  resolveAnalysisParams,
  sliceNearestZ,
  sliceZMm,
} from '../../../src/core/analysis/analysisParams';
import {
  internalMeshSource,
  internalStructuresFromRuns,
  internalStructuresMask,
  lungLabelsFromRuns,
  lungOnlyHuOfRuns,
} from '../../../src/core/analysis/internalMask';
import { internalMask, lungOnlyHuSlice } from '../../reference/internalMask';
import { maskOfRuns, runsFromMask, runVoxelCount } from '../../../src/core/segmentation/runs';
import { gkSegment } from '../../../src/core/clustering/gkSegment';
import { buildSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../../src/core/io/phantom';
import { meshVolumeMl } from '../../../src/core/mesh/mesh';
import { segmentLungs } from '../../../src/core/segmentation/segmentLungs';
import { internalStructures, lungOnlyHu, maskVoxelCount } from '../../reference/segmentLungs';
import type { Vec3, Volume } from '../../../src/core/volume/volume';
import { CLOSED, topology } from '../mesh/meshChecks';

/** The project's synthetic chest series, written as DICOM and read back with the core. */
function phantomVolume(size: number, slices: number): Volume {
  const ph = makePhantomSeries({ size, slices, seed: 1 });
  const decoded = ph.files.flatMap((f) => {
    const r = parseDicomFile(f.bytes, f.name);
    if (!r.ok) throw new Error(r.skipped.reason);
    return r.slices;
  });
  const series = buildSeries(decoded);
  expect(series).toHaveLength(1);
  return series[0].volume;
}

function checksum(a: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < a.length; i++) h = (Math.imul(h, 31) + a[i]) | 0;
  return h;
}

describe('analysis parameters', () => {
  it('fills in the tutorial defaults', () => {
    const p = resolveAnalysisParams();
    expect(p.thresholdHu).toBe(-700);
    expect(p.background).toBe('border');
    expect(p.gk).toEqual({ clusters: 5, scope: 'slices', m: 2, maxIter: 100, error: 1e-6, seed: 0, centreSlice: null, halfSlices: 2 });
    expect(p.mesh).toEqual({ stepSize: 1, smoothIterations: 0, maxDisplayTriangles: null });
    expect(resolveAnalysisParams({ gk: { seed: 3 } }).gk.clusters).toBe(DEFAULT_ANALYSIS_PARAMS.gk.clusters);
  });

  it('rejects invalid values', () => {
    expect(() => resolveAnalysisParams({ thresholdHu: Number.NaN })).toThrow(RangeError);
    expect(() => resolveAnalysisParams({ gk: { clusters: 1 } })).toThrow(/clusters/);
    expect(() => resolveAnalysisParams({ gk: { m: 1 } })).toThrow(/m must/);
    expect(() => resolveAnalysisParams({ gk: { centreSlice: 2.5 } })).toThrow(/centreSlice/);
    expect(() => resolveAnalysisParams({ mesh: { stepSize: 0 } })).toThrow(/stepSize/);
  });

  const up: [Vec3, Vec3, Vec3] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  const down: [Vec3, Vec3, Vec3] = [[1, 0, 0], [0, 1, 0], [0, 0, -1]];

  it('takes the middle slice counted from the most superior slice, as the reference does', () => {
    // z increasing to the head: the reference's index nz // 2 (superior first) is z = nz - 1 - nz // 2.
    expect(defaultCentreSlice({ nz: 134, directionXyz: up })).toBe(66);
    expect(defaultCentreSlice({ nz: 99, directionXyz: up })).toBe(49);
    expect(defaultCentreSlice({ nz: 64, directionXyz: up })).toBe(31);
    // z = 0 already the most superior slice: the same index as the reference.
    expect(defaultCentreSlice({ nz: 134, directionXyz: down })).toBe(67);
    expect(gkSliceRange({ nz: 134, directionXyz: up }, null, 2)).toEqual([64, 65, 66, 67, 68]);
  });

  it('clamps the GK window into the volume', () => {
    expect(gkSliceRange({ nz: 20, directionXyz: up }, 0, 2)).toEqual([0, 1, 2, 3, 4]);
    expect(gkSliceRange({ nz: 20, directionXyz: up }, 19, 2)).toEqual([15, 16, 17, 18, 19]);
    expect(gkSliceRange({ nz: 3, directionXyz: up }, null, 2)).toEqual([0, 1, 2]);
    expect(gkSliceRange({ nz: 20, directionXyz: up }, 7, 0)).toEqual([7]);
  });

  it('finds the slice nearest a patient z', () => {
    const g = { nx: 4, ny: 4, nz: 10, spacingMmXyz: [1, 1, 2.5] as Vec3, originMm: [0, 0, -100] as Vec3, directionXyz: up };
    expect(sliceZMm(g, 4)).toBeCloseTo(-90, 9);
    expect(sliceNearestZ(g, -90.4)).toBe(4);
    expect(sliceNearestZ(g, -1000)).toBe(0);
    expect(sliceNearestZ({ ...g, directionXyz: down, originMm: [0, 0, 100] }, 90.2)).toBe(4);
  });
});

describe('runAnalysis on the synthetic chest phantom', () => {
  let volume: Volume;
  let result: AnalysisResult;
  const progress: [number, AnalysisStage][] = [];
  let huBefore = 0;

  beforeAll(() => {
    volume = phantomVolume(96, 32);
    huBefore = checksum(volume.hu);
    result = runAnalysis(volume, {}, { onProgress: (f, s) => progress.push([f, s]) });
  });

  it('finds the lungs, and the internal structures are fill − noFill', () => {
    const { fill, noFill } = result;
    // Kept as runs: no mask until one is asked for.
    expect(result.internal.runs).not.toBeNull();
    expect(result.internal.mask).toBeNull();
    const internal = internalStructuresMask(result.internal);
    expect(internalStructuresMask(result.internal)).toBe(internal);
    expect(result.voxels.lungFill).toBeGreaterThan(10_000);
    expect(result.voxels.lungNoFill).toBeLessThan(result.voxels.lungFill);
    expect(result.voxels.internal).toBeGreaterThan(0);
    let inFillNotNoFill = 0;
    for (let i = 0; i < fill.data.length; i++) {
      const expected = fill.data[i] === 1 && noFill.data[i] === 0 ? 1 : 0;
      if (internal.data[i] !== expected) throw new Error(`internal differs at ${i}`);
      inFillNotNoFill += expected;
    }
    expect(result.voxels.internal).toBe(inFillNotNoFill);
    expect(result.voxels.lungFill).toBe(maskVoxelCount(fill));
    expect(result.voxels.lungNoFill).toBe(maskVoxelCount(noFill));
    expect(result.voxels.internal).toBe(result.voxels.lungFill - result.voxels.lungNoFill);
    expect(internal.minusOneVoxels).toBe(0);
    // Same masks as the segmentation called on its own, one variant at a time.
    expect(checksum(segmentLungs(volume, { fillLungStructures: true }).data)).toBe(checksum(fill.data));
    expect(checksum(segmentLungs(volume, { fillLungStructures: false }).data)).toBe(checksum(noFill.data));
    const [sx, sy, sz] = volume.spacingMmXyz;
    expect(result.lungMl.fill).toBeCloseTo((result.voxels.lungFill * sx * sy * sz) / 1000, 9);
  });

  it('clusters the lung-only HU of the runs: the HU inside the filled mask and 0 outside it', () => {
    const { fill } = result;
    const plane = volume.nx * volume.ny;
    const whole = lungOnlyHu(volume, fill);
    let outsideNonZero = 0;
    let insideDiffers = 0;
    let inside = 0;
    result.gk.slices.forEach((z) => {
      const lung = lungOnlyHuOfRuns(volume.hu, result.runs.fill, z, 1);
      expect(checksum(lung)).toBe(checksum(whole.subarray(z * plane, (z + 1) * plane)));
      for (let j = 0; j < plane; j++) {
        const i = z * plane + j;
        if (fill.data[i] === 0) outsideNonZero += lung[j] !== 0 ? 1 : 0;
        else {
          inside++;
          insideDiffers += lung[j] !== volume.hu[i] ? 1 : 0;
        }
      }
    });
    expect(inside).toBeGreaterThan(100);
    expect(outsideNonZero).toBe(0);
    expect(insideDiffers).toBe(0);
  });

  it('clusters the five slices around the reference middle slice with the tutorial gk_segment', () => {
    const centre = volume.nz - 1 - Math.floor(volume.nz / 2);
    expect(result.gk.slices).toEqual([centre - 2, centre - 1, centre, centre + 1, centre + 2]);
    const plane = volume.nx * volume.ny;
    result.gk.perSlice.forEach((g, k) => {
      const z = result.gk.slices[k];
      expect(g.z).toBe(z);
      expect(g.zMm).toBeCloseTo(sliceZMm(volume, z), 9);
      const direct = gkSegment(lungOnlyHu(volume, result.fill).subarray(z * plane, (z + 1) * plane));
      expect(g.centersHu).toEqual(direct.centers);
      expect(g.keptPixels).toBe(direct.keptPixels);
      const kept = result.gk.mask.subarray(k * plane, (k + 1) * plane);
      expect(checksum(kept)).toBe(checksum(direct.mask));
      expect(kept.reduce((a, v) => a + v, 0)).toBe(g.keptPixels);
      expect(g.centersHu).toHaveLength(5);
      expect(g.iterations).toBeGreaterThan(0);
      expect(g.iterations).toBeLessThanOrEqual(100);
    });
  });

  it('meshes both masks as closed surfaces enclosing about the mask volume', () => {
    for (const [m, ml] of [[result.meshes.lung, result.lungMl.fill], [result.meshes.internal, result.lungMl.internal]] as const) {
      expect(m.triangles).toBeGreaterThan(100);
      expect(m.vertices).toBe(m.mesh.positionsMm.length / 3);
      expect(m.areaMm2).toBeGreaterThan(0);
      expect(topology(m.mesh)).toEqual(CLOSED);
      // A voxel surface at level 0.5 cuts the corners: a little less than the voxel volume.
      const enclosed = meshVolumeMl(m.mesh);
      expect(enclosed).toBeGreaterThan(ml * 0.6);
      expect(enclosed).toBeLessThan(ml * 1.01);
    }
  });

  it('splits the measured (inclusive) mask into airway and two lungs that add up to it', () => {
    const s = result.split;
    expect(s?.ok).toBe(true);
    if (!s?.ok) return;
    expect(result.params.lungMask).toBe('inclusive');
    expect(result.measured).toBe(result.inclusive?.runs);
    expect(s.airwayVoxels + s.rightLungVoxels + s.leftLungVoxels).toBe(runVoxelCount(result.measured));
    expect(runVoxelCount(result.measured)).toBeGreaterThanOrEqual(result.voxels.lungFill);
    expect(s.rightLungVoxels).toBeGreaterThan(0.3 * result.voxels.lungFill);
    expect(s.leftLungVoxels).toBeGreaterThan(0.3 * result.voxels.lungFill);
  });

  it('reports progress from 0 to 1, never backwards, through every stage in order', () => {
    expect(progress[0][0]).toBe(0);
    expect(progress[progress.length - 1][0]).toBe(1);
    for (let k = 1; k < progress.length; k++) expect(progress[k][0]).toBeGreaterThanOrEqual(progress[k - 1][0]);
    const order = progress.map((p) => p[1]).filter((s, k, a) => k === 0 || a[k - 1] !== s);
    expect(order).toEqual([...ANALYSIS_STAGES]);
  });

  it('times every stage and does not modify the volume', () => {
    const t = result.timingsMs;
    for (const k of ['segmentNoFill', 'segmentFill', 'internal', 'gk', 'meshLung', 'meshInternal', 'split'] as const) {
      expect(t[k]).toBeGreaterThanOrEqual(0);
    }
    expect(t.segmentNoFill + t.segmentFill).toBeLessThanOrEqual(t.total);
    expect(t.total).toBeGreaterThanOrEqual(t.gk + t.meshLung + t.meshInternal);
    expect(checksum(volume.hu)).toBe(huBefore);
  });

  it('gives the same results stage by stage as in one run', () => {
    const p = resolveAnalysisParams();
    // Runs only (the browser's way) and with masks (the CLI's): the same runs, and the masks are the runs painted.
    const seg = segmentStage(volume, p);
    expect(seg.masks).toBeNull();
    expect(checksum(maskOfRuns(seg.runs.fill, volume).data)).toBe(checksum(result.fill.data));
    expect(checksum(maskOfRuns(seg.runs.noFill, volume).data)).toBe(checksum(result.noFill.data));
    expect(seg.runs.voxels).toEqual({ fill: result.voxels.lungFill, noFill: result.voxels.lungNoFill });
    const t = seg.timingsMs;
    expect(t.segmentNoFillMs + t.segmentFillMs).toBeCloseTo(t.totalMs, 6);
    const inner = internalStage(volume, seg.runs);
    const innerMask = internalStructuresMask(inner.internal);
    expect(checksum(innerMask.data)).toBe(checksum(internalStructuresMask(result.internal).data));
    // The word pass over the voxel masks gives the same mask, counts and -1 voxels as the runs.
    const fromMasks = internalMask(result.fill, result.noFill);
    expect(fromMasks.internal.data).toEqual(innerMask.data);
    expect(fromMasks.internal.minusOneVoxels).toBe(inner.internal.minusOneVoxels);
    expect(fromMasks.voxels).toEqual(inner.voxels);
    // Meshed from the runs or from the mask: the same surface.
    const meshRuns = fullMesh(surfaceStage(internalMeshSource(inner.internal), p.mesh));
    const meshMask = fullMesh(surfaceStage(innerMask, p.mesh));
    expect(meshRuns.indices.length).toBeGreaterThan(0);
    expect(Array.from(meshRuns.indices)).toEqual(Array.from(meshMask.indices));
    expect(Array.from(meshRuns.positionsMm)).toEqual(Array.from(meshMask.positionsMm));
    expect(inner.voxels.internal).toBeGreaterThan(0);
    const gk = gkStage(volume, seg.runs.fill, p.gk);
    expect(gk.perSlice).toEqual(result.gk.perSlice);
    const mesh = surfaceStage(innerMask, p.mesh);
    expect(mesh.triangles).toBe(result.meshes.internal.triangles);
    expect(mesh.areaMm2).toBe(result.meshes.internal.areaMm2);
    const split = splitStage(volume, result.measured);
    expect(split.ok && result.split?.ok && split.leftLungVoxels === result.split.leftLungVoxels).toBe(true);
  });

  it('uses the given GK centre slice and skips the split when asked', () => {
    const r = runAnalysis(volume, { gk: { centreSlice: 5, halfSlices: 1 }, split: false, mesh: { stepSize: 2 } });
    expect(r.gk.slices).toEqual([4, 5, 6]);
    expect(r.split).toBeNull();
    expect(r.timingsMs.split).toBe(0);
    expect(r.meshes.lung.triangles).toBeLessThan(result.meshes.lung.triangles);
    expect(topology(r.meshes.lung.mesh)).toEqual(CLOSED);
  });

  it('stops with an AbortError when cancelled, and runs no later stage', () => {
    const signal = { aborted: false };
    const seen: AnalysisStage[] = [];
    let error: unknown = null;
    try {
      runAnalysis(volume, {}, {
        signal,
        onProgress: (_f, stage) => {
          seen.push(stage);
          if (stage === 'gk') signal.aborted = true;
        },
      });
    } catch (e) {
      error = e;
    }
    expect(isAbortError(error)).toBe(true);
    expect(seen).not.toContain('meshLung');
    expect(seen).not.toContain('split');

    const before = { aborted: true };
    expect(() => runAnalysis(volume, {}, { signal: before })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(() => segmentStage(volume, resolveAnalysisParams(), { signal: before })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(() => surfaceStage(result.fill, resolveAnalysisParams().mesh, { signal: before })).toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('cancels inside a stage, not only between stages', () => {
    const signal = { aborted: false };
    let reports = 0;
    expect(() =>
      surfaceStage(result.fill, resolveAnalysisParams().mesh, {
        signal,
        onProgress: (f: number) => {
          reports++;
          if (f > 0 && f < 1) signal.aborted = true;
        },
      }),
    ).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(reports).toBeGreaterThan(0);
  });
});

describe('internalMask and lungOnlyHuSlice', () => {
  it('equal internalStructures, maskVoxelCount and lungOnlyHu on random masks, aligned or not, with -1 voxels', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    for (const [nx, ny, nz, offset] of [[8, 6, 5, 0], [7, 5, 3, 0], [8, 4, 4, 1], [64, 32, 3, 0]]) {
      const n = nx * ny * nz;
      const g = { nx, ny, nz, spacingMmXyz: [1, 1, 1] as Vec3, originMm: [0, 0, 0] as Vec3, directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [Vec3, Vec3, Vec3] };
      // An offset of 1 byte makes the views unaligned (the voxel-by-voxel path).
      const view = (buf: Uint8Array) => buf.subarray(offset, offset + n);
      const fill = view(new Uint8Array(n + 1));
      const noFill = view(new Uint8Array(n + 1));
      const hu = new Int16Array(n);
      let block = 0;
      for (let i = 0; i < n; i++) {
        // Whole words of lung or of nothing now and then, else random voxels.
        if (i % 4 === 0) block = rnd();
        fill[i] = block < 0.3 ? 1 : block < 0.5 ? 0 : rnd() < 0.5 ? 1 : 0;
        noFill[i] = block < 0.4 && block >= 0.3 ? 0 : rnd() < 0.5 ? fill[i] : rnd() < 0.1 ? 1 : 0;
        hu[i] = Math.floor(rnd() * 4000) - 2000;
      }
      const fillMask = { ...g, data: fill };
      const noFillMask = { ...g, data: noFill };
      const a = internalMask(fillMask, noFillMask);
      const b = internalStructures(fillMask, noFillMask);
      expect(Array.from(a.internal.data)).toEqual(Array.from(b.data));
      expect(a.internal.minusOneVoxels).toBe(b.minusOneVoxels);
      expect(b.minusOneVoxels).toBeGreaterThan(0);
      expect(a.voxels).toEqual({ fill: maskVoxelCount(fillMask), noFill: maskVoxelCount(noFillMask), internal: maskVoxelCount(b) });
      // Kept as runs: the same counts and -1 voxels, the same mask once painted.
      const d = internalStructuresFromRuns(g, { fill: runsFromMask(fill, g), noFill: runsFromMask(noFill, g) });
      expect(d.voxels).toEqual(a.voxels);
      expect(d.internal.minusOneVoxels).toBe(b.minusOneVoxels);
      expect(Array.from(internalStructuresMask(d.internal).data)).toEqual(Array.from(b.data));
      // One label array: 2 * fill + noFill, written from the runs over a fresh array and over noFill's own 0/1 data.
      const runs = { fill: runsFromMask(fill, g), noFill: runsFromMask(noFill, g) };
      const want = Array.from(fill, (f, i) => 2 * f + noFill[i]);
      expect(Array.from(lungLabelsFromRuns(runs, new Uint8Array(n)))).toEqual(want);
      expect(Array.from(lungLabelsFromRuns(runs, noFill.slice()))).toEqual(want);
      const vol = { ...g, hu };
      const whole = lungOnlyHu(vol, fillMask);
      const out = new Int16Array(nx * ny);
      for (let z = 0; z < nz; z++) {
        expect(Array.from(lungOnlyHuSlice(vol, fillMask, z, out))).toEqual(Array.from(whole.subarray(z * nx * ny, (z + 1) * nx * ny)));
      }
      // From the fill mask's runs: the same planes for any slice range; the runs paint back the mask.
      const fillRuns = runsFromMask(fill, g);
      expect(Array.from(maskOfRuns(fillRuns, g).data)).toEqual(Array.from(fill));
      expect(Array.from(lungOnlyHuOfRuns(hu, fillRuns, 0, nz))).toEqual(Array.from(whole));
      if (nz > 1) expect(Array.from(lungOnlyHuOfRuns(hu, fillRuns, 1, nz - 1))).toEqual(Array.from(whole.subarray(nx * ny)));
      expect(() => lungOnlyHuOfRuns(hu, fillRuns, 1, nz)).toThrow(RangeError);
    }
  });

  it('counts up to a full mask without overflowing a byte lane', () => {
    const nx = 64, ny = 64, nz = 3;
    const g = { nx, ny, nz, spacingMmXyz: [1, 1, 1] as Vec3, originMm: [0, 0, 0] as Vec3, directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [Vec3, Vec3, Vec3] };
    const fill = new Uint8Array(nx * ny * nz).fill(1);
    const r = internalMask({ ...g, data: fill }, { ...g, data: new Uint8Array(nx * ny * nz) });
    expect(r.voxels).toEqual({ fill: nx * ny * nz, noFill: 0, internal: nx * ny * nz });
  });
});
