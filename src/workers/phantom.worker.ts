/** Phantom worker: builds the synthetic chest CT off the main thread (see phantomWorkerApi.ts). */
import * as Comlink from 'comlink';
import { phantomWorkerApi } from './phantomWorkerApi';

Comlink.expose(phantomWorkerApi);
