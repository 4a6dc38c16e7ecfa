/**
 * Runs crop surfaces (and whole-mask surfaces for exports) in one lazily
 * spawned module worker. A new request while one is running terminates the
 * worker (the old result is no longer wanted) and spawns a fresh one; the
 * superseded call rejects with CancelledError. The app has one client for
 * the interactive crop and another for exports, so neither cancels the other.
 */
import * as Comlink from 'comlink';
import type { Mesh } from '../core/mesh/mesh';
import type { CropSurfaceRequest, CropSurfaceResult, CropWorkerApi, MaskSurfaceRequest } from './cropApi';
import { CancelledError } from '../shared/cancel';

interface Running {
  reject(e: Error): void;
}

class CropClient {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<CropWorkerApi> | null = null;
  private running: Running | null = null;

  /**
   * The surface of `req`. Buffers in the request are transferred (the
   * caller must not use them afterwards).
   */
  cropSurface(req: CropSurfaceRequest): Promise<CropSurfaceResult> {
    const buffers = req.kind === 'hu' ? [req.window.hu.buffer as ArrayBuffer] : [req.mask.data.buffer as ArrayBuffer];
    return this.request((remote) => remote.cropSurface(Comlink.transfer(req, buffers)));
  }

  /** The full-resolution surface of a whole mask (its buffer is transferred). */
  maskSurface(req: MaskSurfaceRequest): Promise<Mesh> {
    return this.request((remote) => remote.maskSurface(Comlink.transfer(req, [req.mask.data.buffer as ArrayBuffer])));
  }

  private request<T>(call: (remote: Comlink.Remote<CropWorkerApi>) => Promise<T>): Promise<T> {
    if (this.running) this.cancel();
    const remote = this.ensure();
    return new Promise<T>((resolve, reject) => {
      const running: Running = { reject };
      this.running = running;
      const onError = (ev: ErrorEvent) => reject(new Error(`crop worker failed: ${ev.message || 'could not start'}`));
      this.worker?.addEventListener('error', onError, { once: true });
      call(remote)
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

/** The worker that makes full-resolution surfaces for exports. */
export const exportSurfaceClient = new CropClient();
