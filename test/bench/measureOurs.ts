/**
 * Timings of this project's pipeline on one real series, run in a fresh
 * process per series (so the peak RSS belongs to that series alone).
 *
 * Every run times, in this order:
 *   pipeline     what the CLI's `analyze` computes (src/cli/analyze.ts
 *                readAndAnalyze: read the folder, then the analysis on two
 *                threads, src/cli/analysisThread.ts: the internal
 *                structures are meshed on a worker thread, or on the main
 *                thread if the worker has not started that job when the main
 *                thread is done with GK and the lung mesh; which one did it is
 *                recorded per run) without the airway
 *                split, less the time of the two mesh-area sums: the work
 *                the reference's `pipeline` times (read, HU, both
 *                segmentations, internal structures and lung isolation, GK
 *                on 5 slices, both marching cubes; it computes the areas
 *                outside its timers). The worker thread is started by the
 *                first run and kept, as a long-lived process keeps it;
 *   pipelineWall the same run with the areas (the whole call);
 *   pipelineCpu  CPU time of that run, all threads of the process (user +
 *                system; the reference uses one thread, so its CPU time is
 *                about its wall time);
 *   pipelineOneThread  readFolder + runAnalysis (everything on this thread,
 *                as LUNGVIEW_THREADS=1 or the browser's single analysis
 *                worker), less the area sums;
 *   read         readFolder alone (read files, parse, HU, assemble);
 *   readFloor    the floor under `read`: only reading every file's bytes
 *                into one reused buffer (no parsing, no volume);
 *   readFloorVolume  that plus writing each slice's pixel count of int16
 *                values into a fresh volume-sized array: the least any
 *                loader must do (read the bytes, write the volume once);
 *   segmentNoFill / segmentFill   segmentLungs for one variant each, as the
 *                reference runs them (the pipeline computes both together:
 *                segmentBoth);
 *   internal     internal = fill − noFill as row runs and the voxel counts,
 *                from the row runs of both masks that the segment stage
 *                returns (their making is timed in segmentBoth; no mask is
 *                painted, the internal surface is meshed from the runs); the
 *                lung-only HU is made inside the GK stage, for its 5 slices
 *                only;
 *   gk           the GK stage (lung-only HU of 5 slices + gk_segment each);
 *   gkVolume     the GK stage on the whole lung (scope 'volume': one
 *                clustering of every lung voxel, the browser's default);
 *   meshLung / meshInternal   marching cubes (vertices, triangles, normals),
 *                as the reference's make_mesh, on this thread; the area is
 *                not in it;
 *   split        airway / left / right split (no counterpart in the reference).
 * With --expose-gc, a collection runs before each timed step so that garbage
 * of the previous step is not charged to the next one.
 * The peak RSS is read right after the first whole pipeline (one analysis in
 * a fresh process, as the reference measures it; it includes the worker
 * thread) and again at the end.
 *
 * render2d: window/level rendering of one 512 x 512 axial slice to RGBA
 * (viewer2d renderWindowed), median of many.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { readAndAnalyze } from '../../src/cli/analyze';
import { lastInternalMeshBy } from '../../src/cli/analysisThread';
import { listFiles, readFolder } from '../../src/cli/readFolder';
import { resolveAnalysisParams } from '../../src/core/analysis/analysisParams';
import { runAnalysis } from '../../src/core/analysis/runAnalysis';
import { densitometryStage, gkStage, inclusiveStage, internalStage, segmentStage, splitStage } from '../../src/core/analysis/stages';
import { surfaceStage } from '../../src/core/analysis/surfaceStage';
import { internalMeshSource } from '../../src/core/analysis/internalMask';
import { segmentLungs } from '../../src/core/segmentation/segmentLungs';
import type { Volume } from '../../src/core/volume/volume';
import { extractSlice, renderWindowed } from '../../src/viewer2d/renderSlice';
import { buildWindowLut } from '../../src/viewer2d/windowLevel';
import { seriesDir, type RealSeries } from '../helpers/sharedData';

export const OUR_STAGES = [
  'read', 'readFloor', 'readFloorVolume', 'segmentNoFill', 'segmentFill', 'segmentBoth', 'internal', 'gk', 'gkVolume', 'meshLung',
  'meshInternal', 'split', 'inclusive', 'densitometry', 'pipeline', 'pipelineWall', 'pipelineCpu', 'pipelineOneThread',
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
  /** Which thread meshed the internal structures in each whole pipeline ('worker' or 'caller', see analysisThread.ts). */
  internalMeshedBy: string[];
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

/** One reused read buffer for the floor rows. */
let floorBuffer = Buffer.alloc(0);

/**
 * The floor of reading: every file's bytes into one reused buffer; with
 * `slicePixels`, each file's last 2 * slicePixels bytes (where the pixel data
 * of these files lies) also copied as int16 into its slice of a fresh volume.
 */
function readBytes(files: string[], slicePixels: number | null): number {
  let total = 0;
  const volume = slicePixels === null ? null : new Int16Array(files.length * slicePixels);
  for (let k = 0; k < files.length; k++) {
    const fd = openSync(files[k], 'r');
    try {
      const size = fstatSync(fd).size;
      if (floorBuffer.length < size) floorBuffer = Buffer.allocUnsafe(Math.max(size, 2 * floorBuffer.length));
      let got = 0;
      while (got < size) {
        const n = readSync(fd, floorBuffer, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      total += got;
      if (volume && slicePixels !== null && got >= 2 * slicePixels) {
        const from = floorBuffer.byteOffset + got - 2 * slicePixels;
        const src = from % 2 === 0
          ? new Int16Array(floorBuffer.buffer, from, slicePixels)
          : new Int16Array(floorBuffer.buffer.slice(from, from + 2 * slicePixels));
        volume.set(src, k * slicePixels);
      }
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

export async function measureSeries(name: RealSeries, runs: number): Promise<OurMeasurement> {
  const stagesMs = Object.fromEntries(OUR_STAGES.map((s) => [s, [] as number[]])) as Record<OurStage, number[]>;
  const params = resolveAnalysisParams();
  let firstPipelineRss = 0;
  let check: OurMeasurement['check'] | null = null;
  let lastVolume: Volume | null = null;
  const dir = seriesDir(name);
  const files = (await listFiles(dir)).map((f) => path.join(dir, f));
  const internalMeshedBy: string[] = [];
  for (let run = 0; run < runs; run++) {
    // The whole pipeline, as the CLI's analyze runs it.
    gc?.();
    const cpu0 = process.cpuUsage();
    const [whole, pipelineMs] = await timedAsync(() => readAndAnalyze(dir, { split: false }));
    const cpu = process.cpuUsage(cpu0);
    stagesMs.pipelineWall.push(pipelineMs);
    stagesMs.pipeline.push(pipelineMs - whole.result.timingsMs.meshArea);
    stagesMs.pipelineCpu.push((cpu.user + cpu.system) / 1000);
    internalMeshedBy.push(lastInternalMeshBy);
    if (run === 0) firstPipelineRss = rssMb();
    check = {
      lungFillVoxels: whole.result.voxels.lungFill,
      gkKeptPixels: whole.result.gk.perSlice.map((g) => g.keptPixels),
      lungTriangles: whole.result.meshes.lung.triangles,
      internalTriangles: whole.result.meshes.internal.triangles,
    };

    // The same on one thread.
    const [one, oneMs] = await timedAsync(async () => runAnalysis(await loadVolume(name), { split: false }));
    stagesMs.pipelineOneThread.push(oneMs - one.timingsMs.meshArea);

    // Stage by stage.
    const [volume, readMs] = await timedAsync(() => loadVolume(name));
    stagesMs.read.push(readMs);
    stagesMs.readFloor.push(timed(() => readBytes(files, null))[1]);
    stagesMs.readFloorVolume.push(timed(() => readBytes(files, volume.nx * volume.ny))[1]);
    const [, noFillMs] = timed(() => segmentLungs(volume, { fillLungStructures: false, thresholdHu: params.thresholdHu, background: params.background }));
    stagesMs.segmentNoFill.push(noFillMs);
    const [, fillMs] = timed(() => segmentLungs(volume, { fillLungStructures: true, thresholdHu: params.thresholdHu, background: params.background }));
    stagesMs.segmentFill.push(fillMs);
    const [seg, bothMs] = timed(() => segmentStage(volume, { ...params, withMasks: true }));
    stagesMs.segmentBoth.push(bothMs);
    const [inner, internalMs] = timed(() => internalStage(volume, seg.runs));
    stagesMs.internal.push(internalMs);
    const [, gkMs] = timed(() => gkStage(volume, seg.runs.fill, params.gk));
    stagesMs.gk.push(gkMs);
    gc?.();
    const [, gkVolumeMs] = timed(() => gkStage(volume, seg.runs.fill, { ...params.gk, scope: 'volume' }));
    stagesMs.gkVolume.push(gkVolumeMs);
    gc?.();
    stagesMs.meshLung.push(surfaceStage({ runs: seg.runs.fill, geometry: volume }, params.mesh).timingsMs.marchingCubes);
    gc?.();
    stagesMs.meshInternal.push(surfaceStage(internalMeshSource(inner.internal), params.mesh).timingsMs.marchingCubes);
    // The split as the browser's worker and the CLI run it: its labels as runs per label.
    const [split, splitMs] = timed(() => splitStage(volume, seg.runs.fill, { withRuns: true }));
    stagesMs.split.push(splitMs);
    const [, inclusiveMs] = timed(() => inclusiveStage(volume, seg.runs.fill, params.inclusive));
    stagesMs.inclusive.push(inclusiveMs);
    // Densitometry alone, on the split's runs per label (made by the split row's work).
    const [, densitometryMs] = timed(() => densitometryStage(volume, split, {}));
    stagesMs.densitometry.push(densitometryMs);
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
    internalMeshedBy,
    check,
  };
}
