/**
 * Client side of the analysis worker: one lazily spawned module worker that
 * keeps the volume being analysed. The volume is sent once per series (a
 * copy, see ensureVolume). recycleWorker moves the worker's masks (runs, a
 * few MB) to a fresh worker and stops the old one, which frees the HU copy
 * and whatever garbage the stages so far left behind (a worker's heap is
 * collected late, and not at all while it sits idle); a stage that needs the
 * HU values after that sends them again. Each stage is one call whose
 * progress arrives through a Comlink.proxy callback and whose masks and
 * meshes come back as transferred buffers. cancel() terminates the worker
 * and rejects the calls under way with CancelledError; a worker that fails
 * (error event) rejects them with a clear message. Either way the next call
 * spawns a new worker.
 */
import * as Comlink from 'comlink';
import type { DensitometryParams } from '../core/analysis/densitometry';
import type { Volume } from '../core/volume/volume';
import type {
  AnalysisMasksState,
  AnalysisMeshKind,
  AnalysisWorkerApi,
  DensitometryOutput,
  GkOutput,
  GkRunParams,
  InternalOutput,
  MeasureOutput,
  MeasureParams,
  MeshOutput,
  MeshRunParams,
  SegmentOutput,
  SegmentParams,
  SplitOutput,
  StageProgressCallback,
} from './analysisApi';
import { masksStateBuffers } from './analysisMasks';
import { CancelledError } from '../shared/cancel';

/** What the analysis job needs from the worker (the app's client, or a stand-in in tests). */
export interface AnalysisService {
  segment(id: string, volume: Volume, params: SegmentParams, onProgress?: StageProgressCallback): Promise<SegmentOutput>;
  internal(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<InternalOutput>;
  gk(id: string, volume: Volume, params: GkRunParams, onProgress?: StageProgressCallback): Promise<GkOutput>;
  mesh(id: string, volume: Volume, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): Promise<MeshOutput>;
  split(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<SplitOutput>;
  densitometry(id: string, volume: Volume, params: DensitometryParams, onProgress?: StageProgressCallback): Promise<DensitometryOutput>;
  measure(id: string, volume: Volume, params: MeasureParams, onProgress?: StageProgressCallback): Promise<MeasureOutput>;
  /**
   * Stops the worker when no call is under way, which frees all it holds at
   * once, the garbage its stages left included (a worker that sits idle is
   * not collected). The next call starts a new worker and sends the volume.
   */
  releaseWorker?(): void;
  /**
   * Moves the masks kept for `id` to a fresh worker and stops the old one,
   * freeing the HU copy and what the stages so far left in it (between
   * stages, when no call is under way; otherwise nothing happens). A later
   * stage that needs the HU values gets them sent again.
   */
  recycleWorker?(id: string): Promise<void>;
  /** Stops everything under way now (calls reject with CancelledError). */
  cancel(): void;
}

/** Rejection of calls whose worker failed (crashed, ran out of memory, could not load). */
export class WorkerFailedError extends Error {
  constructor(detail: string) {
    super(`The analysis worker stopped unexpectedly (${detail}). Press Run to try again.`);
    this.name = 'WorkerFailedError';
  }
}

interface Live {
  worker: Worker;
  remote: Comlink.Remote<AnalysisWorkerApi>;
  /** Rejects when the worker fails or is terminated by cancel(). */
  stopped: Promise<never>;
  stop(e: Error): void;
  /** The volume the worker holds (by object, so a reload of the same series id is sent again). */
  volume: Volume | null;
  volumeId: string | null;
  /** Whether the worker has that volume's HU values (false in a worker that got only the masks). */
  huHeld: boolean;
  /** Calls under way. */
  pending: number;
}

function spawnAnalysisWorker(): Worker {
  return new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module', name: 'analysis' });
}

export class AnalysisClient implements AnalysisService {
  private live: Live | null = null;
  /** Workers started so far (for tests and diagnostics). */
  spawned = 0;

  constructor(private readonly createWorker: () => Worker = spawnAnalysisWorker) {}

  private ensureWorker(): Live {
    if (this.live) return this.live;
    const worker = this.createWorker();
    this.spawned++;
    let stop: (e: Error) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    stopped.catch(() => undefined);
    const live: Live = { worker, remote: Comlink.wrap<AnalysisWorkerApi>(worker), stopped, stop, volume: null, volumeId: null, huHeld: false, pending: 0 };
    const onError = (ev: Event) => {
      const msg = (ev as ErrorEvent).message;
      this.drop(live, new WorkerFailedError(msg || 'it could not run'));
    };
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', () => this.drop(live, new WorkerFailedError('a message could not be read')));
    this.live = live;
    return live;
  }

  /** Terminates `live` (if it is still the current worker) and rejects its calls with `reason`. */
  private drop(live: Live, reason: Error): void {
    if (this.live === live) this.live = null;
    live.remote[Comlink.releaseProxy]();
    live.worker.terminate();
    live.stop(reason);
  }

  /**
   * Sends the volume unless the worker already holds this very volume (with
   * its HU values when `needHu`). The HU array is copied (`hu.slice()`) and
   * the copy transferred: the main thread keeps drawing from its own array,
   * the worker gets its own without a structured-clone copy on top. Once per
   * series and worker, and once more if a stage needs the HU values after
   * recycleWorker (the worker then keeps the masks it got).
   */
  private async ensureVolume(live: Live, id: string, volume: Volume, needHu: boolean): Promise<void> {
    const same = live.volume === volume && live.volumeId === id;
    if (same && (live.huHeld || !needHu)) return;
    const hu = volume.hu.slice();
    const { nx, ny, nz, spacingMmXyz, originMm, directionXyz } = volume;
    await Promise.race([
      live.remote.loadVolume(id, Comlink.transfer({ nx, ny, nz, spacingMmXyz, originMm, directionXyz, hu }, [hu.buffer as ArrayBuffer]), same),
      live.stopped,
    ]);
    live.volume = volume;
    live.volumeId = id;
    live.huHeld = true;
  }

  private async call<T>(
    id: string,
    volume: Volume,
    needHu: boolean,
    fn: (remote: Comlink.Remote<AnalysisWorkerApi>) => Promise<T>,
  ): Promise<T> {
    const live = this.ensureWorker();
    live.pending++;
    try {
      await this.ensureVolume(live, id, volume, needHu);
      // Stopped meanwhile (cancel or failure): reject with its reason, never touch the released proxy.
      if (this.live !== live) return await live.stopped;
      return await Promise.race([fn(live.remote), live.stopped]);
    } finally {
      live.pending--;
    }
  }

  segment(id: string, volume: Volume, params: SegmentParams, onProgress?: StageProgressCallback): Promise<SegmentOutput> {
    return this.call(id, volume, true, (r) => r.segment(id, params, proxied(onProgress)) as Promise<SegmentOutput>);
  }

  internal(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<InternalOutput> {
    return this.call(id, volume, true, (r) => r.internal(id, proxied(onProgress)) as Promise<InternalOutput>);
  }

  gk(id: string, volume: Volume, params: GkRunParams, onProgress?: StageProgressCallback): Promise<GkOutput> {
    return this.call(id, volume, true, (r) => r.gk(id, params, proxied(onProgress)) as Promise<GkOutput>);
  }

  mesh(id: string, volume: Volume, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): Promise<MeshOutput> {
    return this.call(id, volume, false, (r) => r.mesh(id, kind, params, proxied(onProgress)) as Promise<MeshOutput>);
  }

  split(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<SplitOutput> {
    return this.call(id, volume, false, (r) => r.split(id, proxied(onProgress)) as Promise<SplitOutput>);
  }

  measure(id: string, volume: Volume, params: MeasureParams, onProgress?: StageProgressCallback): Promise<MeasureOutput> {
    return this.call(id, volume, params.lungMask === 'inclusive', (r) => r.measure(id, params, proxied(onProgress)) as Promise<MeasureOutput>);
  }

  densitometry(id: string, volume: Volume, params: DensitometryParams, onProgress?: StageProgressCallback): Promise<DensitometryOutput> {
    return this.call(id, volume, true, (r) => r.densitometry(id, params, proxied(onProgress)) as Promise<DensitometryOutput>);
  }

  releaseWorker(): void {
    if (this.live && this.live.pending === 0) this.drop(this.live, new CancelledError());
  }

  async recycleWorker(id: string): Promise<void> {
    const old = this.live;
    if (!old || old.volumeId !== id || old.pending > 0) return;
    old.pending++;
    let masks: AnalysisMasksState;
    try {
      masks = await Promise.race([old.remote.exportMasks(id), old.stopped]);
    } finally {
      old.pending--;
    }
    // Cancelled or failed meanwhile: the next call starts afresh anyway.
    if (this.live !== old) return;
    const volume = old.volume;
    this.drop(old, new CancelledError());
    const fresh = this.ensureWorker();
    // Set before the import: a call made meanwhile queues behind it and finds the masks.
    fresh.volume = volume;
    fresh.volumeId = id;
    fresh.huHeld = false;
    fresh.pending++;
    try {
      await Promise.race([fresh.remote.importMasks(id, Comlink.transfer(masks, masksStateBuffers(masks))), fresh.stopped]);
    } finally {
      fresh.pending--;
    }
  }

  cancel(): void {
    if (this.live) this.drop(this.live, new CancelledError());
  }

  /** True while a worker is alive. */
  get alive(): boolean {
    return this.live !== null;
  }
}

function proxied(cb: StageProgressCallback | undefined): StageProgressCallback | undefined {
  return cb ? Comlink.proxy(cb) : undefined;
}

let shared: AnalysisClient | null = null;

/** The application's analysis client (the worker spawns on first use). */
export function getAnalysisClient(): AnalysisClient {
  shared ??= new AnalysisClient();
  return shared;
}
