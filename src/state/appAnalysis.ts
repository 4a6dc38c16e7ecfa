/**
 * The application's analysis job, wired to the shared store, caches and the
 * analysis worker; it starts on every newly opened series.
 */
import { getAnalysisClient } from '../workers/analysisClient';
import { createAnalysisController } from './analysis';
import { maskCache } from './maskCache';
import { meshCache } from './meshCache';
import { appStore } from './store';
import { volumeCache } from './volumeCache';

export const appAnalysis = createAnalysisController({
  store: appStore,
  volumes: volumeCache,
  masks: maskCache,
  meshes: meshCache,
  service: getAnalysisClient(),
});

appAnalysis.attach();
