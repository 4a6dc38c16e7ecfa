import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFolder } from '../../src/cli/readFolder';
import {
  analysisThreadStatus, fillHuOnThread, lastGkBy, lastInternalMeshBy, offerHuStagesJob, offerMeshJob, requestGkStart, runAnalysisThreaded, startAnalysisThread, stopAnalysisThread,
} from '../../src/cli/analysisThread';
import { cachedDirichletOnes, dirichletOnes, hasDirichletOnes } from '../../src/core/random/dirichlet';
import { Mt19937 } from '../../src/core/random/mt19937';
import { CLAIM_CALLER, CLAIM_FREE, CLAIM_WORKER } from '../../src/cli/meshJob';
import { internalStructuresMask } from '../../src/core/analysis/internalMask';
import { DEFAULT_SURFACE_PARAMS, resolveAnalysisParams } from '../../src/core/analysis/analysisParams';
import { gkStage, lungFieldStage } from '../../src/core/analysis/stages';
import { surfaceStage } from '../../src/core/analysis/surfaceStage';
import { fullMesh } from '../../src/core/mesh/surface';
import { runAnalysis, type AnalysisResult } from '../../src/core/analysis/runAnalysis';
import { buildSeries } from '../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { internalStructures } from '../reference/segmentLungs';
import type { Volume } from '../../src/core/volume/volume';

/** The project's synthetic chest series, written as DICOM and read back with the core. */
function phantomVolume(size: number, slices: number): Volume {
  const ph = makePhantomSeries({ size, slices, seed: 3 });
  const decoded = ph.files.flatMap((f) => {
    const r = parseDicomFile(f.bytes, f.name);
    if (!r.ok) throw new Error(r.skipped.reason);
    return r.slices;
  });
  return buildSeries(decoded)[0].volume;
}

/** The same volume with its HU in a SharedArrayBuffer (as the CLI reads a folder when its worker runs). */
function sharedCopy(v: Volume): Volume {
  const hu = new Int16Array(new SharedArrayBuffer(v.hu.byteLength));
  hu.set(v.hu);
  return { ...v, hu };
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('runAnalysisThreaded (the CLI analysis on two threads)', () => {
  let volume: Volume;
  let one: AnalysisResult;
  let two: AnalysisResult;
  let twoAgain: AnalysisResult;
  const meshedBy: string[] = [];

  beforeAll(async () => {
    volume = phantomVolume(96, 28);
    expect(startAnalysisThread()).toBe(true);
    one = runAnalysis(volume, {});
    two = await runAnalysisThreaded(volume, {});
    meshedBy.push(lastInternalMeshBy);
    twoAgain = await runAnalysisThreaded(volume, { split: false });
    meshedBy.push(lastInternalMeshBy);
  }, 60_000);

  afterAll(async () => {
    await stopAnalysisThread();
  });

  it('keeps its worker thread up between analyses; either thread may mesh the internal structures', () => {
    expect(analysisThreadStatus()).toBe('running');
    for (const by of meshedBy) expect(['worker', 'caller']).toContain(by);
  });

  it('the worker meshes a shared mask it claims, as the surface stage does here, and gives the mesh back', async () => {
    const expected = one.meshes.internal;
    const mask = internalStructuresMask(one.internal);
    const shared = new Uint8Array(new SharedArrayBuffer(mask.data.length));
    shared.set(mask.data);
    const claim = new Int32Array(new SharedArrayBuffer(4));
    const r = await offerMeshJob({ ...mask, data: shared }, DEFAULT_SURFACE_PARAMS, claim);
    expect(Atomics.load(claim, 0)).toBe(CLAIM_WORKER);
    expect(r).not.toBeNull();
    if (!r) return;
    expect(r.triangles).toBe(expected.triangles);
    expect(r.areaMm2).toBe(expected.areaMm2);
    expect(sameArray(fullMesh(r).indices, expected.mesh.indices)).toBe(true);
    expect(sameArray(fullMesh(r).positionsMm, expected.mesh.positionsMm)).toBe(true);
    expect(sameArray(fullMesh(r).normals, expected.mesh.normals)).toBe(true);
    // The mask was read in place, not moved or changed.
    expect(sameArray(shared, mask.data)).toBe(true);
  });

  it('the worker meshes runs it is offered (a copy: the caller keeps its runs)', async () => {
    const runs = one.internal.runs;
    if (!runs) throw new Error('the analysis keeps the internal structures as runs');
    const before = { x0: Array.from(runs.x0.subarray(0, runs.count)), rowStart: Array.from(runs.rowStart) };
    const claim = new Int32Array(new SharedArrayBuffer(4));
    const r = await offerMeshJob({ runs, geometry: one.internal.geometry }, DEFAULT_SURFACE_PARAMS, claim);
    expect(Atomics.load(claim, 0)).toBe(CLAIM_WORKER);
    if (!r) throw new Error('no mesh from the worker');
    expect(sameArray(fullMesh(r).indices, one.meshes.internal.mesh.indices)).toBe(true);
    expect(sameArray(fullMesh(r).positionsMm, one.meshes.internal.mesh.positionsMm)).toBe(true);
    expect(Array.from(runs.x0.subarray(0, runs.count))).toEqual(before.x0);
    expect(Array.from(runs.rowStart)).toEqual(before.rowStart);
  });

  it('the worker draws GK\'s seeded start when asked, and GK here then finds it drawn (the same values)', async () => {
    const [seed, n, rows] = [11, 50 * 50, 3];
    expect(hasDirichletOnes(seed, n, rows)).toBe(false);
    requestGkStart({ scope: 'slices', seed, clusters: rows }, n);
    for (let k = 0; k < 500 && !hasDirichletOnes(seed, n, rows); k++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hasDirichletOnes(seed, n, rows)).toBe(true);
    expect(sameArray(cachedDirichletOnes(seed, n, rows), dirichletOnes(new Mt19937(seed), n, rows))).toBe(true);
  });

  it('the worker leaves a job that this thread claimed first (it answers null)', async () => {
    const mask = internalStructuresMask(one.internal);
    const shared = new Uint8Array(new SharedArrayBuffer(mask.data.length));
    shared.set(mask.data);
    const claim = new Int32Array(new SharedArrayBuffer(4));
    expect(Atomics.compareExchange(claim, 0, CLAIM_FREE, CLAIM_CALLER)).toBe(CLAIM_FREE);
    await expect(offerMeshJob({ ...mask, data: shared }, DEFAULT_SURFACE_PARAMS, claim)).resolves.toBeNull();
    expect(Atomics.load(claim, 0)).toBe(CLAIM_CALLER);
    // What this thread then computes is the same mesh.
    expect(surfaceStage({ ...mask, data: shared }, DEFAULT_SURFACE_PARAMS).triangles).toBe(one.meshes.internal.triangles);
  });

  it('the worker runs GK and the lung-field measures on shared HU it claims, with the results of gkStage and lungFieldStage here', async () => {
    const shared = sharedCopy(volume);
    const params = resolveAnalysisParams({});
    const claim = new Int32Array(new SharedArrayBuffer(4));
    const r = await offerHuStagesJob(shared, one.runs.fill, params.gk, params.thresholdHu, claim);
    expect(Atomics.load(claim, 0)).toBe(CLAIM_WORKER);
    if (!r) throw new Error('no GK from the worker');
    const here = gkStage(volume, one.runs.fill, params.gk);
    expect(r.gk.perSlice).toEqual(here.perSlice);
    expect(r.gk.slices).toEqual(here.slices);
    expect(sameArray(r.gk.mask, here.mask)).toBe(true);
    expect(r.gkMs).toBeGreaterThan(0);
    expect(r.field).toEqual(lungFieldStage(volume, one.runs.fill, params.thresholdHu));
    expect(() => offerHuStagesJob(volume, one.runs.fill, params.gk, params.thresholdHu, new Int32Array(new SharedArrayBuffer(4)))).toThrow(TypeError);
  });

  it('on shared HU, the analysis gives runAnalysis\'s GK, run by either thread', async () => {
    const r = await runAnalysisThreaded(sharedCopy(volume), {});
    expect(['worker', 'caller']).toContain(lastGkBy);
    // The worker's lung-field measures come with the result (the trust check uses them); none when GK ran here.
    if (lastGkBy === 'worker') expect(r.lungField).toEqual(lungFieldStage(volume, one.runs.fill, resolveAnalysisParams({}).thresholdHu));
    else expect(r.lungField).toBeUndefined();
    expect(r.gk.perSlice).toEqual(one.gk.perSlice);
    expect(sameArray(r.gk.mask, one.gk.mask)).toBe(true);
    expect(r.densitometry).toEqual(one.densitometry);
    expect(r.lungMl).toEqual(one.lungMl);
  });

  it('fills half of a folder\'s slices with their HU on the worker while the folder is read (readFolder fillOnThread)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lungview-hufill-'));
    try {
      for (const f of makePhantomSeries({ size: 48, slices: 12, seed: 5 }).files) writeFileSync(path.join(dir, f.name), f.bytes);
      const plain = await readFolder(dir);
      const fill = fillHuOnThread();
      if (!fill) throw new Error('no worker to fill slices');
      let handed = 0;
      const helped = await readFolder(dir, { sharedHu: true, fillOnThread: (tasks) => ((handed += tasks.length), fill(tasks)) });
      expect(handed).toBe(6);
      expect(helped.series[0].volume.hu.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(sameArray(helped.series[0].volume.hu, plain.series[0].volume.hu)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a voxel mask that is not in shared memory (it would be copied, not shared)', () => {
    expect(() => offerMeshJob(internalStructuresMask(one.internal), DEFAULT_SURFACE_PARAMS, new Int32Array(new SharedArrayBuffer(4)))).toThrow(TypeError);
  });

  it('gives the masks, counts and GK results of runAnalysis', () => {
    expect(sameArray(two.fill.data, one.fill.data)).toBe(true);
    expect(sameArray(two.noFill.data, one.noFill.data)).toBe(true);
    expect(two.voxels).toEqual(one.voxels);
    expect(two.lungMl).toEqual(one.lungMl);
    expect(two.gk.perSlice).toEqual(one.gk.perSlice);
    expect(sameArray(two.gk.mask, one.gk.mask)).toBe(true);
  });

  it('keeps the internal structures (runs, copied for the worker) intact: fill − noFill, voxel for voxel', () => {
    const expected = internalStructures(two.fill, two.noFill);
    for (const r of [two, twoAgain]) {
      const mask = internalStructuresMask(r.internal);
      expect(mask.data.length).toBe(volume.hu.length);
      expect(sameArray(mask.data, expected.data)).toBe(true);
      expect(mask.minusOneVoxels).toBe(expected.minusOneVoxels);
    }
  });

  it('gives the same meshes (vertices, triangles, normals, areas) as the single-thread analysis', () => {
    for (const kind of ['lung', 'internal'] as const) {
      const a = one.meshes[kind];
      const b = two.meshes[kind];
      expect(b.triangles).toBe(a.triangles);
      expect(b.vertices).toBe(a.vertices);
      expect(b.areaMm2).toBe(a.areaMm2);
      expect(sameArray(b.mesh.indices, a.mesh.indices)).toBe(true);
      expect(sameArray(b.mesh.positionsMm, a.mesh.positionsMm)).toBe(true);
      expect(sameArray(b.mesh.normals, a.mesh.normals)).toBe(true);
    }
    expect(two.meshes.internal.triangles).toBeGreaterThan(0);
  });

  it('runs the airway split when asked, as runAnalysis does', () => {
    expect(two.split?.ok).toBe(one.split?.ok);
    expect(twoAgain.split).toBeNull();
    expect(twoAgain.timingsMs.split).toBe(0);
  });
});
