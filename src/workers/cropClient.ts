/**
 * Runs crop surfaces (and whole-mask surfaces for exports) in one lazily
 * spawned module worker. A new request while one is running terminates the
 * worker (the old result is no longer wanted) and spawns a fresh one; the
 * superseded call rejects with CancelledError. The app has one client for
 * the interactive crop and another for exports, so neither cancels the other.
 */
import * as Comlink from 'comlink';
import type { MeshFileRequest } from '../core/io/meshFile';
import type { SegmentationComparison } from '../core/analysis/compareSegmentations';
import type { CompareRequest, CropSurfaceRequest, CropSurfaceResult, CropWorkerApi, MaskImportOutput, MaskImportRequest, NiftiFileRequest, SegFileRequest } from './cropApi';
import { CancelledError } from '../shared/cancel';

/** Each distinct ArrayBuffer once (views may share one). */
function uniqueBuffers(buffers: ArrayBufferLike[]): ArrayBuffer[] {
  return [...new Set(buffers)] as ArrayBuffer[];
}

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
  /** `req`'s arrays are transferred: give the worker copies of anything the page still uses. */
  meshFile(req: MeshFileRequest): Promise<Uint8Array> {
    const src = req.source;
    const buffers = 'mask' in src ? [src.mask.data.buffer] : [src.mesh.positionsMm.buffer, src.mesh.indices.buffer, src.mesh.normals.buffer];
    return this.request((remote) => remote.meshFile(Comlink.transfer(req, uniqueBuffers(buffers))));
  }

  /** The image's voxels are transferred: give the worker a copy when the page still uses them. */
  niftiFile(req: NiftiFileRequest): Promise<Uint8Array> {
    const voxels = 'data' in req.image ? req.image.data : req.image.hu;
    return this.request((remote) => remote.niftiFile(Comlink.transfer(req, uniqueBuffers([voxels.buffer]))));
  }

  /** The masks are transferred: give copies. */
  segFile(req: SegFileRequest): Promise<Uint8Array> {
    return this.request((remote) => remote.segFile(Comlink.transfer(req, uniqueBuffers([req.measured.buffer, req.internal.buffer, req.gk.buffer]))));
  }

  /** The file's bytes are transferred. */
  importMasks(req: MaskImportRequest): Promise<MaskImportOutput> {
    return this.request<MaskImportOutput>((remote) => remote.importMasks(Comlink.transfer(req, [req.bytes.buffer as ArrayBuffer])));
  }

  /** Every mask and plane is transferred: give copies. */
  compare(req: CompareRequest): Promise<SegmentationComparison> {
    const o = req.ours;
    return this.request((remote) => remote.compare(Comlink.transfer(req, uniqueBuffers([o.measured.buffer, o.internal.buffer, o.gk.buffer, ...req.theirs.planes.map((p) => p.buffer)]))));
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
export const exportFileClient = new CropClient();

/** The worker that reads imported segmentations and compares them with the analysis. */
export const maskFileClient = new CropClient();

/** The worker that compares imported segmentations with the analysis (apart, so a new import does not cancel a comparison). */
export const maskCompareClient = new CropClient();
