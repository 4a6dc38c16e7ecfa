/** Analysis worker: exposes the analysis stages over the core (see analysisWorkerApi.ts). */
import * as Comlink from 'comlink';
import { createAnalysisWorkerApi } from './analysisWorkerApi';

Comlink.expose(createAnalysisWorkerApi());
