/**
 * The one door from the interface (src/ui, src/app) to the workers: the
 * worker clients that panels call directly. The store's own jobs (appIngest,
 * appAnalysis) wire their workers themselves. The lint rules forbid src/ui
 * and src/app to import src/workers/*, so a new worker the interface needs
 * is exported here.
 */
import { DicomWebClient } from '../core/io/dicomweb';
import { getDicomPool } from '../workers/dicomPool';

export { startDemoFiles } from '../workers/phantomClient';
export { cropClient, exportFileClient, maskCompareClient, maskFileClient } from '../workers/cropClient';
export type { AnalysisMasksForSeg, CropSurfaceRequest, CropSurfaceResult, ImportedSegmentInfo, MaskImportOutput, NiftiFileRequest } from '../workers/cropApi';
export { coarseMeshInWorker } from '../workers/meshLodClient';

/** Spawns the DICOM workers ahead of the first drop, so their start-up is not paid then. */
export function warmUpDicomWorkers(): void {
  getDicomPool().warmUp();
}

/**
 * The DICOMweb server behind the page's own /dicomweb (the same-origin proxy
 * `LUNGVIEW_DICOMWEB=… npm start` sets up); nothing is sent until a panel
 * calls it.
 */
export const DICOMWEB_PROXY_ROOT = '/dicomweb';

export function pacsClient(): DicomWebClient {
  return new DicomWebClient(DICOMWEB_PROXY_ROOT, (url, init) => fetch(url, init));
}
