/**
 * The application's ingest job, wired to the shared store, volume cache and
 * DICOM worker pool. When a load adds series to those open, the analysis of
 * the open one stops (the new series opens and is analysed instead).
 */
import { getDicomPool } from '../workers/dicomPool';
import { appAnalysis } from './appAnalysis';
import { createIngestController } from './ingest';
import { importMaskFiles } from './maskImports';
import { appStore } from './store';
import { volumeCache } from './volumeCache';

/** Longest wait for a frame (a hidden page draws none). */
const FRAME_WAIT_MS = 250;

/**
 * Resolves at the second animation frame from now (the frame after the one
 * that draws what the store holds now: by then the display has taken that
 * one), or after FRAME_WAIT_MS.
 */
function frameShown(): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FRAME_WAIT_MS);
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        clearTimeout(timer);
        resolve();
      }),
    );
  });
}

export const appIngest = createIngestController({
  store: appStore,
  cache: volumeCache,
  parser: getDicomPool(),
  // A load that shows its first slice within this time draws no progress frames before it.
  progressQuietMs: 400,
  frameShown,
  onAdd: () => appAnalysis.cancel(),
  // SEG and NIfTI files of a drop are read onto the open series (and compared once the analysis is done).
  onMaskFiles: (files) => void importMaskFiles(files.map((f) => ({ name: f.path, source: f.source }))),
});
