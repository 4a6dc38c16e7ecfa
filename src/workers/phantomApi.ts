/** What crosses the boundary to the phantom worker (types only). */
import type { PhantomParams } from '../core/io/phantom';

/** One generated DICOM file; `bytes` is transferred, not copied. */
export interface DemoFile {
  name: string;
  bytes: ArrayBuffer;
}

export interface PhantomWorkerApi {
  /** Builds the synthetic chest CT as DICOM files (no ground truth). */
  makeDemoFiles(params: PhantomParams): Promise<DemoFile[]>;
}
