/**
 * Runs crop surfaces in one lazily spawned module worker. A new request
 * while one is running terminates the worker (the old result is no longer
 * wanted) and spawns a fresh one; the superseded call rejects with
 * CancelledError.
 */
import * as Comlink from 'comlink';
import type { CropSurfaceRequest, CropSurfaceResult, CropWorkerApi } from './cropApi';
import { CancelledError } from './dicomPool';

interface Running {
  reject(e: Error): void;
}

export class CropClient {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<CropWorkerApi> | null = null;
  private running: Running | null = null;

  /**
   * The surface of `req`. Buffers in the request are transferred (the
   * caller must not use them afterwards).
   */
  cropSurface(req: CropSurfaceRequest): Promise<CropSurfaceResult> {
    if (this.running) this.cancel();
    const remote = this.ensure();
    const buffers = req.kind === 'hu' ? [req.window.hu.buffer as ArrayBuffer] : [req.mask.data.buffer as ArrayBuffer];
    return new Promise<CropSurfaceResult>((resolve, reject) => {
      const running: Running = { reject };
      this.running = running;
      const onError = (ev: ErrorEvent) => reject(new Error(`crop worker failed: ${ev.message || 'could not start'}`));
      this.worker?.addEventListener('error', onError, { once: true });
      remote
        .cropSurface(Comlink.transfer(req, buffers))
        .then(resolve, reject)
        .finally(() => {
          if (this.running === running) this.running = null;
        });
    });
  }

  /** Stops the running request (if any); the next request spawns a new worker. */
  cancel(): void {
    const r = this.running;
    this.running = null;
    this.terminate();
    r?.reject(new CancelledError());
  }

  terminate(): void {
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.remote = null;
    this.worker = null;
  }

  private ensure(): Comlink.Remote<CropWorkerApi> {
    if (!this.remote) {
      this.worker = new Worker(new URL('./crop.worker.ts', import.meta.url), { type: 'module', name: 'crop' });
      this.remote = Comlink.wrap<CropWorkerApi>(this.worker);
    }
    return this.remote;
  }
}

/** The application's crop worker. */
export const cropClient = new CropClient();
