/** Crop worker: the surface of the interactive 3D crop (see cropWorkerApi.ts). */
import * as Comlink from 'comlink';
import { cropWorkerApi } from './cropWorkerApi';

Comlink.expose(cropWorkerApi);
