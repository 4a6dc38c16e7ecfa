/**
 * One pipeline, three hosts: the single-thread schedule (runAnalysis: tests
 * and the benchmark), the CLI's two-thread schedule and the browser's
 * analysis worker (its functions called directly, in the order the page
 * calls them) run the same stage functions, so they give the same masks,
 * counts, GK results, split and surfaces, array for array.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalysisThreaded, stopAnalysisThread } from '../../../src/cli/analysisThread';
import { runAnalysis, type AnalysisResult } from '../../../src/core/analysis/runAnalysis';
import { internalStructuresMask } from '../../../src/core/analysis/internalMask';
import { trustStage } from '../../../src/core/analysis/stages';
import type { Volume } from '../../../src/core/volume/volume';
import { createAnalysisWorkerApi } from '../../../src/workers/analysisWorkerApi';
import type { GkOutput, InternalOutput, MeshOutput, SegmentOutput, SplitOutput } from '../../../src/workers/analysisApi';
import { phantomSeries } from '../../workers/phantomSeries';

function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('the analysis in each host', () => {
  let volume: Volume;
  let single: AnalysisResult;
  let cli: AnalysisResult;
  let page: { seg: SegmentOutput; inner: InternalOutput; gk: GkOutput; lung: MeshOutput; internal: MeshOutput; split: SplitOutput };

  beforeAll(async () => {
    volume = phantomSeries(96, 40, 5).volume;
    const centre = 20;
    const input = { gk: { centreSlice: centre, halfSlices: 2 } };
    single = runAnalysis(volume, input);
    cli = await runAnalysisThreaded(volume, input);
    const api = createAnalysisWorkerApi();
    api.loadVolume('s', { ...volume, hu: volume.hu.slice() });
    const mesh = { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 10_000_000 };
    const seg = api.segment('s', { thresholdHu: -700, background: 'border' });
    const inner = api.internal('s');
    const gk = api.gk('s', { ...single.params.gk, centreSlice: centre });
    api.measure('s', { lungMask: single.params.lungMask, inclusive: single.params.inclusive });
    const lung = api.mesh('s', 'lung', mesh);
    const split = api.split('s');
    const internal = api.mesh('s', 'internal', mesh);
    page = { seg, inner, gk, lung, internal, split };
  }, 60_000);

  afterAll(async () => {
    await stopAnalysisThread();
  });

  it('the same lung masks and internal structures', () => {
    expect(differences(cli.fill.data, single.fill.data)).toBe(0);
    expect(differences(cli.noFill.data, single.noFill.data)).toBe(0);
    expect(differences(page.seg.labels.map((v) => (v >> 1) & 1), single.fill.data)).toBe(0);
    expect(differences(page.seg.labels.map((v) => v & 1), single.noFill.data)).toBe(0);
    const internal = internalStructuresMask(single.internal).data;
    expect(differences(page.seg.labels.map((v) => (v === 2 ? 1 : 0)), internal)).toBe(0);
    expect(differences(internalStructuresMask(cli.internal).data, internal)).toBe(0);
    expect(cli.voxels).toEqual(single.voxels);
    expect(page.seg.voxels).toEqual({ fill: single.voxels.lungFill, noFill: single.voxels.lungNoFill });
    expect(page.inner.voxels).toBe(single.voxels.internal);
    expect(single.voxels.internal).toBeGreaterThan(0);
  });

  it('the same GK slices, centres, kept values and kept masks', () => {
    expect(cli.gk.perSlice).toEqual(single.gk.perSlice);
    expect(page.gk.perSlice).toEqual(single.gk.perSlice);
    expect([page.gk.zFrom, page.gk.planes]).toEqual([single.gk.zFrom, single.gk.planes]);
    expect(differences(page.gk.mask, single.gk.mask)).toBe(0);
    expect(differences(cli.gk.mask, single.gk.mask)).toBe(0);
    expect(single.gk.keptVoxels).toBeGreaterThan(0);
  });

  it('the same surfaces, vertex for vertex', () => {
    for (const kind of ['lung', 'internal'] as const) {
      const want = single.meshes[kind].mesh;
      for (const got of [cli.meshes[kind].mesh, page[kind].full!]) {
        expect(differences(got.indices, want.indices)).toBe(0);
        expect(differences(got.positionsMm, want.positionsMm)).toBe(0);
        expect(differences(got.normals, want.normals)).toBe(0);
      }
      expect(page[kind].areaMm2).toBe(single.meshes[kind].areaMm2);
      expect(page[kind].triangles).toBe(single.meshes[kind].triangles);
    }
  });

  it('the same trust verdict (the worker judges the runs, the CLI the mask)', () => {
    const fromMask = trustStage(volume, cli.fill, -700);
    expect(page.inner.trust).toEqual(fromMask);
    expect(fromMask.geometryTrusted).toBe(true);
    expect(fromMask.field.lungVoxels).toBe(single.voxels.lungFill);
  });

  it('the same airway / right / left split', () => {
    const want = single.split;
    if (!want?.ok || !cli.split?.ok || !page.split.ok) throw new Error('the split failed');
    for (const got of [cli.split, page.split]) {
      expect([got.airwayMl, got.rightLungMl, got.leftLungMl, got.erosionMm]).toEqual([want.airwayMl, want.rightLungMl, want.leftLungMl, want.erosionMm]);
      expect(got.airwaySlices).toEqual(want.airwaySlices);
    }
  });
});
