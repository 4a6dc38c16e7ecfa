/** DICOM parsing worker: exposes the core parser (see dicomWorkerApi.ts). */
import * as Comlink from 'comlink';
import { dicomWorkerApi } from './dicomWorkerApi';

Comlink.expose(dicomWorkerApi);
