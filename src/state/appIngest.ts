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

export const appIngest = createIngestController({
  store: appStore,
  cache: volumeCache,
  parser: getDicomPool(),
  onAdd: () => appAnalysis.cancel(),
  // SEG and NIfTI files of a drop are read onto the open series (and compared once the analysis is done).
  onMaskFiles: (files) => void importMaskFiles(files.map((f) => ({ name: f.path, source: f.source }))),
});
