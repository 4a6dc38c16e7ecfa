/**
 * The command line's schedule of the analysis, on two threads: the core's
 * stages (core/analysis/stages.ts) with the same results as runAnalysis,
 * except that GK and the two surfaces are offered to a worker thread
 * (meshWorker.ts): GK and the trust check's lung-field measures (on the
 * HU, shared when the folder was read with `sharedHu`; the result carries
 * the measures as `lungField`) and the internal structures' surface as soon as the masks are
 * made, the lung's surface as soon as the measured mask is known; this
 * thread meanwhile runs the inclusive mask, the split and densitometry.
 * The split makes
 * runs per label and no label volume (painted only for a file that needs
 * it). While the folder is read, the worker fills every other slice of the
 * shared volume with its HU (fillHuOnThread). The worker also draws GK's seeded start (the
 * numpy-compatible Dirichlet values, the largest part of GK's first run in
 * a process) while this thread makes the masks (requestGkStart, asked for once the folder is read).
 *
 * The surfaces go to the worker as row runs (a few MB: the job carries a copy of
 * them) with a shared claim word (a voxel mask offered to the worker must
 * live in a SharedArrayBuffer, so both threads read it without a copy).
 * Whichever thread claims a job first (Atomics.compareExchange) meshes it.
 * The worker claims it as soon as it gets the message; this thread claims
 * it when it is done with its own stages. So a worker that is still
 * starting, or gets no CPU, never holds the analysis up: the job is then
 * done here, as runAnalysis would. (A worker that has claimed a job is
 * waited for.)
 *
 * The worker is started once per process (startAnalysisThread, called before
 * the folder is read so that its start overlaps the reading) and kept for
 * later analyses; it never keeps the process alive while idle. It is the
 * built meshWorker.js next to the bundle, or meshWorker.ts loaded through
 * tsx when the command line runs from its sources (workerEntry.ts). When no
 * worker can be had (tsx not found, LUNGVIEW_THREADS=1, the worker failed),
 * everything runs on this thread.
 */
import { Worker } from 'node:worker_threads';
import { resolveAnalysisParams, type AnalysisParamsInput, type GkStageParams, type SurfaceStageParams } from '../core/analysis/analysisParams';
import { internalMeshSource } from '../core/analysis/internalMask';
import { assembleAnalysisResult, timed, type AnalysisResult, type AnyAnalysisResult } from '../core/analysis/runAnalysis';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { densitometryStage, gkStage, inclusiveStage, internalStage, measuredLungRuns, nowMs, segmentStage, splitStage, type GkStageResult } from '../core/analysis/stages';
import type { LungFieldMeasure } from '../core/analysis/trust';
import type { MeshSource, Surface } from '../core/mesh/surface';
import type { RunSet } from '../core/segmentation/runs';
import type { Volume } from '../core/volume/volume';
import { hasDirichletOnes, primeDirichletOnes } from '../core/random/dirichlet';
import { CLAIM_CALLER, CLAIM_FREE, type GkStartJob, type GkStartReply, type HuFillJob, type HuFillReply, type HuStagesJob, type HuStagesReply, type HuStagesResult, type MeshJob, type MeshReply } from './meshJob';
import { fillHu, type HuFillTask } from './huFill';
import { workerEntry, type WorkerEntry } from './workerEntry';

interface Pending<T> {
  resolve(r: T | null): void;
  reject(e: Error): void;
}

/**
 * A copy of the used part of `r` (a few MB at most; the run arrays have
 * spare capacity that is not copied), with the buffers to move: the caller
 * keeps its runs (the result holds them).
 */
function runsCopy(r: RunSet): [RunSet, ArrayBuffer[]] {
  const rowStart = r.rowStart.slice();
  const x0 = r.x0.slice(0, r.count);
  const x1 = r.x1.slice(0, r.count);
  const value = r.value?.slice(0, r.count) ?? null;
  const transfer = [rowStart.buffer, x0.buffer, x1.buffer];
  if (value) transfer.push(value.buffer);
  return [{ nx: r.nx, ny: r.ny, nz: r.nz, count: r.count, rowStart, x0, x1, value }, transfer];
}

/** Resolves (or rejects) the pending job a reply answers. */
function settle<T>(pending: Map<number, Pending<T>>, m: { id: number; ok: true; result: T } | { id: number; ok: true; skipped: true } | { id: number; ok: false; error: string }): void {
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (!m.ok) p.reject(new Error(`analysis thread: ${m.error}`));
  else p.resolve('skipped' in m ? null : m.result);
}

class MeshThread {
  private readonly worker: Worker;
  private readonly pendingMeshes = new Map<number, Pending<Surface>>();
  private readonly pendingHu = new Map<number, Pending<HuStagesResult>>();
  private readonly pendingFill = new Map<number, Pending<true>>();
  private nextId = 1;
  /** Keys (seed/n/rows) of the GK starts asked of the worker. */
  private readonly gkStarts = new Set<string>();
  failed: Error | null = null;

  constructor(entry: WorkerEntry) {
    this.worker = new Worker(entry.source, { eval: entry.eval });
    this.worker.on('message', (m: MeshReply | HuStagesReply | HuFillReply | GkStartReply | { ready: true }) => {
      if ('kind' in m && m.kind === 'gkStart') {
        primeDirichletOnes(m.seed, m.n, m.rows, m.values);
        return;
      }
      if (!('id' in m)) return;
      if ('kind' in m && m.kind === 'huFill') settle(this.pendingFill, m);
      else if ('kind' in m) settle(this.pendingHu, m);
      else settle(this.pendingMeshes, m);
      if (this.pendingMeshes.size + this.pendingHu.size + this.pendingFill.size === 0) this.worker.unref();
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      for (const p of [...this.pendingMeshes.values(), ...this.pendingHu.values(), ...this.pendingFill.values()]) p.reject(e);
      this.pendingMeshes.clear();
      this.pendingHu.clear();
      this.pendingFill.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`mesh thread exited (${code})`)));
    // Only after the listeners: adding a 'message' listener refs the worker again.
    this.worker.unref();
  }

  private post<T>(pending: Map<number, Pending<T>>, id: number, job: MeshJob | HuStagesJob | HuFillJob, transfer: ArrayBuffer[]): Promise<T | null> {
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(job, transfer);
    });
  }

  /**
   * Offers the job to the worker; the promise gives its mesh, or null when
   * the worker found the job claimed by the caller. A voxel mask's data must
   * live in a SharedArrayBuffer (it is shared, not copied); runs are copied.
   */
  offer(source: MeshSource, params: SurfaceStageParams, claim: Int32Array): Promise<Surface | null> {
    const id = this.nextId++;
    if (!('runs' in source)) return this.post(this.pendingMeshes, id, { id, source, params, claim }, []);
    const [runs, transfer] = runsCopy(source.runs);
    return this.post(this.pendingMeshes, id, { id, source: { runs, geometry: source.geometry }, params, claim }, transfer);
  }

  /** Offers GK and the lung-field measures on `volume` (its HU in a SharedArrayBuffer) to the worker; null from the promise when the caller claimed it first. */
  offerHuStages(volume: Volume, fill: RunSet, gk: GkStageParams, thresholdHu: number, claim: Int32Array): Promise<HuStagesResult | null> {
    const id = this.nextId++;
    const [runs, transfer] = runsCopy(fill);
    return this.post(this.pendingHu, id, { kind: 'huStages', id, volume, fill: runs, gk, thresholdHu, claim }, transfer);
  }

  /** Has the worker fill these slices of a shared volume with their HU; rejects with the worker's error. */
  fillHu(tasks: HuFillTask[]): Promise<true | null> {
    const id = this.nextId++;
    return this.post(this.pendingFill, id, { kind: 'huFill', id, tasks }, []);
  }

  /** Asks the worker to draw GK's start for (seed, n, rows) unless asked before; the answer primes core/random/dirichlet.ts's cache. */
  drawGkStart(seed: number, n: number, rows: number): void {
    const key = `${seed}/${n}/${rows}`;
    if (this.gkStarts.has(key)) return;
    this.gkStarts.add(key);
    this.worker.postMessage({ kind: 'gkStart', seed, n, rows } satisfies GkStartJob);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let thread: MeshThread | null = null;

function threadsWanted(): boolean {
  return process.env.LUNGVIEW_THREADS !== '1';
}

/**
 * Starts the mesh worker if it is not running yet (and threads are wanted);
 * true when a worker is running or starting.
 */
export function startAnalysisThread(): boolean {
  if (thread) return !thread.failed; // a worker that failed once is not tried again
  if (!threadsWanted()) return false;
  const entry = workerEntry('meshWorker');
  if (!entry) return false;
  thread = new MeshThread(entry);
  return true;
}

/** 'running' once a worker was started (or is starting), 'failed' when it failed, 'none' before any or after stopAnalysisThread. */
export function analysisThreadStatus(): 'none' | 'running' | 'failed' {
  return thread === null ? 'none' : thread.failed ? 'failed' : 'running';
}

/**
 * readFolder's `fillOnThread` on the worker (started here if it is not
 * running): null when there is no worker. A file that changed while the
 * folder was read fails the read with the worker's message; when the worker
 * itself fails, this thread fills the slices it was given.
 */
export function fillHuOnThread(): ((tasks: HuFillTask[]) => Promise<void>) | null {
  if (!startAnalysisThread() || !thread) return null;
  const t = thread;
  return async (tasks) => {
    try {
      await t.fillHu(tasks);
    } catch (e) {
      if (!t.failed) throw e;
      for (const task of tasks) fillHu(task);
    }
  };
}

/** Stops the worker (tests; a process that ends needs not call it). */
export async function stopAnalysisThread(): Promise<void> {
  const t = thread;
  thread = null;
  if (t) await t.terminate();
}

/**
 * Offers a mask (voxels in a SharedArrayBuffer, or row runs) to the worker
 * for meshing under the given claim word; null when there is no worker. The
 * promise gives the worker's mesh, or null when the claim was taken by
 * someone else first (or the worker failed).
 */
export function offerMeshJob(source: MeshSource, params: SurfaceStageParams, claim: Int32Array): Promise<Surface | null> | null {
  if (!thread || thread.failed) return null;
  if (!('runs' in source) && !(source.data.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError('a voxel mask offered to the mesh thread must live in a SharedArrayBuffer');
  }
  return thread.offer(source, params, claim).catch(() => null);
}

/**
 * Has the worker draw GK's per-slice start for slices of `slicePixels`
 * pixels (the default parameters' seed and clusters unless given), so that
 * GK finds it drawn: the draw (C × nx·ny numpy-compatible Dirichlet values)
 * is the largest part of GK's first run in a process. Nothing happens
 * without a worker, for GK over the whole volume, or when it is drawn already.
 */
export function requestGkStart(gk: { scope: string; seed: number; clusters: number }, slicePixels: number): void {
  if (!thread || thread.failed || gk.scope !== 'slices' || hasDirichletOnes(gk.seed, slicePixels, gk.clusters)) return;
  thread.drawGkStart(gk.seed, slicePixels, gk.clusters);
}

/** A HuStagesJob as offered: its claim word and the worker's answer (no promise without a worker, or when the HU are not shared). */
interface OfferedHuStages {
  claim: Int32Array;
  promise: Promise<HuStagesResult | null> | null;
}

/**
 * GK's result and time, with the lung-field measures: the worker's when it
 * claimed the job, else GK run here, as runAnalysis would (the measures are
 * then left to the trust check).
 */
async function huStagesOf(job: OfferedHuStages, runGk: () => GkStageResult): Promise<{ gk: GkStageResult; gkMs: number; field?: LungFieldMeasure; by: 'worker' | 'caller' }> {
  if (job.promise && Atomics.compareExchange(job.claim, 0, CLAIM_FREE, CLAIM_CALLER) !== CLAIM_FREE) {
    const r = await job.promise;
    if (r) return { gk: r.gk, gkMs: r.gkMs, field: r.field, by: 'worker' };
  }
  // The worker's drawn GK start (a message waiting in the event loop) arrives before GK runs here.
  if (thread && !thread.failed) await new Promise((resolve) => setImmediate(resolve));
  const [gk, gkMs] = timed(runGk);
  return { gk, gkMs, by: 'caller' };
}

/**
 * Offers GK and the trust check's lung-field measures on a volume whose HU
 * live in a SharedArrayBuffer (read by both threads, not copied) to the
 * worker under the given claim word; null when there is no worker. The
 * promise gives the worker's results and times, or null when the claim was
 * taken by someone else first (or the worker failed).
 */
export function offerHuStagesJob(volume: Volume, fill: RunSet, gk: GkStageParams, thresholdHu: number, claim: Int32Array): Promise<HuStagesResult | null> | null {
  if (!thread || thread.failed) return null;
  if (!(volume.hu.buffer instanceof SharedArrayBuffer)) throw new TypeError('a volume offered to the analysis thread must have its HU in a SharedArrayBuffer');
  return thread.offerHuStages(volume, fill, gk, thresholdHu, claim).catch(() => null);
}

function offerHuStages(useThread: boolean, volume: Volume, fill: RunSet, gk: GkStageParams, thresholdHu: number): OfferedHuStages {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const shared = volume.hu.buffer instanceof SharedArrayBuffer;
  return { claim, promise: useThread && shared ? offerHuStagesJob(volume, fill, gk, thresholdHu, claim) : null };
}

/** Who ran GK in the last runAnalysisThreaded call (diagnostics and tests). */
export let lastGkBy: 'worker' | 'caller' = 'caller';

/** Who meshed the internal structures in the last runAnalysisThreaded call (diagnostics: the benchmark reports it). */
export let lastInternalMeshBy: 'worker' | 'caller' = 'caller';

/** A mesh job offered to the worker under its own claim word (no promise without a worker). */
interface OfferedMesh {
  claim: Int32Array;
  promise: Promise<Surface | null> | null;
}

function offer(useThread: boolean, source: MeshSource, params: SurfaceStageParams): OfferedMesh {
  const claim = new Int32Array(new SharedArrayBuffer(4));
  return { claim, promise: useThread ? offerMeshJob(source, params, claim) : null };
}

/**
 * The mesh of an offered job: this thread claims it and meshes `source()`
 * when the worker has not started it, else waits for the worker's (and
 * meshes it here if the worker failed after claiming it).
 */
async function meshOf(job: OfferedMesh, source: () => MeshSource, params: SurfaceStageParams): Promise<[Surface, 'worker' | 'caller']> {
  if (Atomics.compareExchange(job.claim, 0, CLAIM_FREE, CLAIM_CALLER) !== CLAIM_FREE) {
    const m = await (job.promise ?? Promise.resolve(null));
    if (m) return [m, 'worker'];
  }
  return [surfaceStage(source(), params, { volume: false }), 'caller'];
}

/** What runAnalysisThreaded makes besides the stages' results. */
export interface ThreadedAnalysisOptions {
  /** Make the two surfaces (default true); false leaves them out (meshes null: `batch` without --meshes writes none). */
  meshes?: boolean;
}

/**
 * runAnalysis on two threads: as soon as the masks are made, the internal
 * structures' marching cubes are offered to the worker thread (started here
 * if startAnalysisThread was not called), and the lung surface as soon as
 * the measured mask is known, while this thread runs the inclusive mask,
 * GK, the split and densitometry; it meshes either surface itself when the
 * worker has not started it by then. The split makes runs per label, not a
 * label volume (splitLabelVolume paints one when a file needs it). Same
 * stages, same results; timings as runAnalysis reports them, each stage
 * timed on the thread that ran it, `total` the wall time.
 */
export async function runAnalysisThreaded(volume: Volume, input?: AnalysisParamsInput, opts?: { meshes?: true }): Promise<AnalysisResult>;
export async function runAnalysisThreaded(volume: Volume, input: AnalysisParamsInput, opts: ThreadedAnalysisOptions): Promise<AnyAnalysisResult>;
export async function runAnalysisThreaded(volume: Volume, input: AnalysisParamsInput = {}, opts: ThreadedAnalysisOptions = {}): Promise<AnyAnalysisResult> {
  const params = resolveAnalysisParams(input);
  const withMeshes = opts.meshes ?? true;
  const t0 = nowMs();
  const useThread = startAnalysisThread();
  requestGkStart(params.gk, volume.nx * volume.ny);
  const seg = segmentStage(volume, { ...params, withMasks: true });
  const [inner, internalMs] = timed(() => internalStage(volume, seg.runs));
  // First in the worker's queue: GK and the lung-field measures on the shared HU (the worker holds GK's drawn start), then the surfaces.
  const huJob = offerHuStages(useThread, volume, seg.runs.fill, params.gk, params.thresholdHu);
  const internalSource = internalMeshSource(inner.internal);
  const internalJob = withMeshes ? offer(useThread, internalSource, params.mesh) : null;
  const inclusive = params.lungMask === 'inclusive' ? inclusiveStage(volume, seg.runs.fill, params.inclusive) : null;
  const measured = measuredLungRuns(params.lungMask, seg.runs, inclusive);
  // The measured mask's runs: what the worker can be sent, and swept as fast as painted voxels.
  const lungSource: MeshSource = { runs: measured, geometry: volume };
  const lungJob = withMeshes ? offer(useThread, lungSource, params.mesh) : null;
  const [split, splitMs] = params.split ? timed(() => splitStage(volume, measured, { withRuns: true })) : [null, 0];
  const [dens, densMs] = params.densitometry ? timed(() => densitometryStage(volume, split, params.densitometry!)) : [null, 0];
  // GK from the worker, or run here when it has not started it.
  const hu = await huStagesOf(huJob, () => gkStage(volume, seg.runs.fill, params.gk));
  lastGkBy = hu.by;
  const outputs = { seg, inner, internalMs, gk: hu.gk, gkMs: hu.gkMs, inclusive, split, splitMs, densitometry: dens, densitometryMs: densMs };
  const withField = <R extends AnyAnalysisResult>(r: R): R => (hu.field ? { ...r, lungField: hu.field } : r);
  if (!internalJob || !lungJob) return withField(assembleAnalysisResult(volume, params, { ...outputs, meshLung: null, meshInternal: null }, nowMs() - t0));
  const [meshInternal, internalBy] = await meshOf(internalJob, () => internalSource, params.mesh);
  const [meshLung] = await meshOf(lungJob, () => lungSource, params.mesh);
  lastInternalMeshBy = internalBy;
  return withField(assembleAnalysisResult(volume, params, { ...outputs, meshLung, meshInternal }, nowMs() - t0));
}
