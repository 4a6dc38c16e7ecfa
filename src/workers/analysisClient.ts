/**
 * Client side of the analysis worker: one lazily spawned module worker that
 * keeps the volume being analysed. The volume is sent once per series (a
 * copy, see ensureVolume); each stage is one call whose progress arrives
 * through a Comlink.proxy callback and whose masks and meshes come back as
 * transferred buffers. cancel() terminates the worker and rejects the calls
 * under way with CancelledError; a worker that fails (error event) rejects
 * them with a clear message. Either way the next call spawns a new worker.
 */
import * as Comlink from 'comlink';
import type { Volume } from '../core/volume/volume';
import type {
  AnalysisMeshKind,
  AnalysisWorkerApi,
  GkOutput,
  GkRunParams,
  InternalOutput,
  MeshOutput,
  MeshRunParams,
  SegmentOutput,
  SegmentParams,
  SplitOutput,
  StageProgressCallback,
} from './analysisApi';
import { CancelledError } from './dicomPool';

/** What the analysis job needs from the worker (the app's client, or a stand-in in tests). */
export interface AnalysisService {
  segment(id: string, volume: Volume, params: SegmentParams, onProgress?: StageProgressCallback): Promise<SegmentOutput>;
  internal(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<InternalOutput>;
  gk(id: string, volume: Volume, params: GkRunParams, onProgress?: StageProgressCallback): Promise<GkOutput>;
  mesh(id: string, volume: Volume, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): Promise<MeshOutput>;
  split(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<SplitOutput>;
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
    const live: Live = { worker, remote: Comlink.wrap<AnalysisWorkerApi>(worker), stopped, stop, volume: null, volumeId: null };
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
   * Sends the volume unless the worker already holds this very volume. The
   * HU array is copied (`hu.slice()`) and the copy transferred: the main
   * thread keeps drawing from its own array, the worker gets its own without
   * a structured-clone copy on top. Once per series and worker.
   */
  private async ensureVolume(live: Live, id: string, volume: Volume): Promise<void> {
    if (live.volume === volume && live.volumeId === id) return;
    const hu = volume.hu.slice();
    const { nx, ny, nz, spacingMmXyz, originMm, directionXyz } = volume;
    await Promise.race([
      live.remote.loadVolume(id, Comlink.transfer({ nx, ny, nz, spacingMmXyz, originMm, directionXyz, hu }, [hu.buffer as ArrayBuffer])),
      live.stopped,
    ]);
    live.volume = volume;
    live.volumeId = id;
  }

  private async call<T>(id: string, volume: Volume, fn: (remote: Comlink.Remote<AnalysisWorkerApi>) => Promise<T>): Promise<T> {
    const live = this.ensureWorker();
    await this.ensureVolume(live, id, volume);
    // Stopped meanwhile (cancel or failure): reject with its reason, never touch the released proxy.
    if (this.live !== live) return live.stopped;
    return Promise.race([fn(live.remote), live.stopped]);
  }

  segment(id: string, volume: Volume, params: SegmentParams, onProgress?: StageProgressCallback): Promise<SegmentOutput> {
    return this.call(id, volume, (r) => r.segment(id, params, proxied(onProgress)) as Promise<SegmentOutput>);
  }

  internal(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<InternalOutput> {
    return this.call(id, volume, (r) => r.internal(id, proxied(onProgress)) as Promise<InternalOutput>);
  }

  gk(id: string, volume: Volume, params: GkRunParams, onProgress?: StageProgressCallback): Promise<GkOutput> {
    return this.call(id, volume, (r) => r.gk(id, params, proxied(onProgress)) as Promise<GkOutput>);
  }

  mesh(id: string, volume: Volume, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): Promise<MeshOutput> {
    return this.call(id, volume, (r) => r.mesh(id, kind, params, proxied(onProgress)) as Promise<MeshOutput>);
  }

  split(id: string, volume: Volume, onProgress?: StageProgressCallback): Promise<SplitOutput> {
    return this.call(id, volume, (r) => r.split(id, proxied(onProgress)) as Promise<SplitOutput>);
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
