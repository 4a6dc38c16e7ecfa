/**
 * The application's ingest job, wired to the shared store, volume cache and
 * DICOM worker pool.
 */
import { getDicomPool } from '../workers/dicomPool';
import { createIngestController } from './ingest';
import { appStore } from './store';
import { volumeCache } from './volumeCache';

export const appIngest = createIngestController({
  store: appStore,
  cache: volumeCache,
  parser: getDicomPool(),
});
