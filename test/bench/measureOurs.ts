/**
 * Timings of this project's pipeline on one real series, run in a fresh
 * process per series (so the peak RSS belongs to that series alone).
 *
 * Every run times, in this order:
 *   pipeline     readFolder + runAnalysis without the airway split, less the
 *                time of the two mesh-area sums: the work the reference's
 *                `pipeline` times (read, HU, both segmentations, internal
 *                structures and lung isolation, GK on 5 slices, both marching
 *                cubes; it computes the areas outside its timers);
 *   pipelineWall the same run with the areas (the whole call);
 *   read         readFolder alone (read files, parse, HU, assemble);
 *   segmentNoFill / segmentFill   segmentLungs for one variant each, as the
 *                reference runs them (the pipeline computes both together:
 *                segmentBoth);
 *   internal     internal = fill − noFill and the voxel counts, from the row
 *                runs of both masks that the segment stage returns (their
 *                making is timed in segmentBoth); the lung-only HU is made
 *                inside the GK stage, for its 5 slices only;
 *   gk           the GK stage (lung-only HU of 5 slices + gk_segment each);
 *   meshLung / meshInternal   marching cubes (vertices, triangles, normals),
 *                as the reference's make_mesh; the area is not in it;
 *   split        airway / left / right split (no counterpart in the reference).
 * With --expose-gc, a collection runs before each timed step so that garbage
 * of the previous step is not charged to the next one.
 * The peak RSS is read right after the first whole pipeline (one analysis in
 * a fresh process, as the reference measures it) and again at the end.
 *
 * render2d: window/level rendering of one 512 x 512 axial slice to RGBA
 * (viewer2d renderWindowed), median of many.
 */
import { readFolder } from '../../src/cli/readFolder';
import { resolveAnalysisParams } from '../../src/core/analysis/analysisParams';
import { runAnalysis, runGkStage, runInternalStage, runMeshStage, runSegmentStage, runSplitStage } from '../../src/core/analysis/runAnalysis';
import { segmentLungs } from '../../src/core/segmentation/segmentLungs';
import type { Volume } from '../../src/core/volume/volume';
import { extractSlice, renderWindowed } from '../../src/viewer2d/renderSlice';
import { buildWindowLut } from '../../src/viewer2d/windowLevel';
import { seriesDir, type RealSeries } from '../helpers/sharedData';

export const OUR_STAGES = [
  'read', 'segmentNoFill', 'segmentFill', 'segmentBoth', 'internal', 'gk', 'meshLung', 'meshInternal', 'split', 'pipeline', 'pipelineWall',
] as const;
export type OurStage = (typeof OUR_STAGES)[number];

export interface OurMeasurement {
  series: string;
  dimsZyx: [number, number, number];
  runs: number;
  /** Milliseconds per run, per stage. */
  stagesMs: Record<OurStage, number[]>;
  /** Peak RSS (MB) after the first whole pipeline, and at the end of all runs. */
  peakRssMb: { firstPipeline: number; end: number };
  /** Median ms to window/level one axial slice to RGBA, and the slice size. */
  render2d: { medianMs: number; width: number; height: number; repeats: number };
  /** Results of the last pipeline run, to show that the work was done. */
  check: { lungFillVoxels: number; gkKeptPixels: number[]; lungTriangles: number; internalTriangles: number };
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function rssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function timed<T>(fn: () => T): [T, number] {
  gc?.();
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  gc?.();
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function render2d(volume: Volume, repeats: number): OurMeasurement['render2d'] {
  const slice = extractSlice(volume, 'axial', volume.nz >> 1);
  const lut = buildWindowLut({ center: -600, width: 1500 });
  const out = new Uint32Array(slice.width * slice.height);
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = performance.now();
    renderWindowed(slice.data, lut, out);
    times.push(performance.now() - t0);
  }
  return { medianMs: median(times), width: slice.width, height: slice.height, repeats };
}

async function loadVolume(name: RealSeries): Promise<Volume> {
  const { series } = await readFolder(seriesDir(name));
  if (!series.length) throw new Error(`no series in ${seriesDir(name)}`);
  return series[0].volume;
}

export async function measureSeries(name: RealSeries, runs: number): Promise<OurMeasurement> {
  const stagesMs = Object.fromEntries(OUR_STAGES.map((s) => [s, [] as number[]])) as Record<OurStage, number[]>;
  const params = resolveAnalysisParams();
  let firstPipelineRss = 0;
  let check: OurMeasurement['check'] | null = null;
  let lastVolume: Volume | null = null;
  for (let run = 0; run < runs; run++) {
    // The whole pipeline, as one analysis of a folder.
    const [whole, pipelineMs] = await timedAsync(async () => runAnalysis(await loadVolume(name), { split: false }));
    stagesMs.pipelineWall.push(pipelineMs);
    stagesMs.pipeline.push(pipelineMs - whole.timingsMs.meshArea);
    if (run === 0) firstPipelineRss = rssMb();
    check = {
      lungFillVoxels: whole.voxels.lungFill,
      gkKeptPixels: whole.gk.perSlice.map((g) => g.keptPixels),
      lungTriangles: whole.meshes.lung.triangles,
      internalTriangles: whole.meshes.internal.triangles,
    };

    // Stage by stage.
    const [volume, readMs] = await timedAsync(() => loadVolume(name));
    stagesMs.read.push(readMs);
    const [, noFillMs] = timed(() => segmentLungs(volume, { fillLungStructures: false, thresholdHu: params.thresholdHu, background: params.background }));
    stagesMs.segmentNoFill.push(noFillMs);
    const [, fillMs] = timed(() => segmentLungs(volume, { fillLungStructures: true, thresholdHu: params.thresholdHu, background: params.background }));
    stagesMs.segmentFill.push(fillMs);
    const [seg, bothMs] = timed(() => runSegmentStage(volume, params));
    stagesMs.segmentBoth.push(bothMs);
    const [inner, internalMs] = timed(() => runInternalStage(seg.fill, seg.noFill, {}, seg.runs));
    stagesMs.internal.push(internalMs);
    const [, gkMs] = timed(() => runGkStage(volume, seg.fill, params.gk));
    stagesMs.gk.push(gkMs);
    gc?.();
    stagesMs.meshLung.push(runMeshStage(seg.fill, params.mesh, 'meshLung').timingsMs.marchingCubes);
    gc?.();
    stagesMs.meshInternal.push(runMeshStage(inner.internal, params.mesh, 'meshInternal').timingsMs.marchingCubes);
    const [, splitMs] = timed(() => runSplitStage(seg.fill));
    stagesMs.split.push(splitMs);
    lastVolume = volume;
  }
  if (!lastVolume || !check) throw new Error('no runs');
  const { nx, ny, nz } = lastVolume;
  return {
    series: name,
    dimsZyx: [nz, ny, nx],
    runs,
    stagesMs,
    peakRssMb: { firstPipeline: firstPipelineRss, end: rssMb() },
    render2d: render2d(lastVolume, 300),
    check,
  };
}
