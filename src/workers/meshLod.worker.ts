/** Level-of-detail worker: coarse copies of large display meshes (see meshLodWorkerApi.ts). */
import * as Comlink from 'comlink';
import { meshLodWorkerApi } from './meshLodWorkerApi';

Comlink.expose(meshLodWorkerApi);
