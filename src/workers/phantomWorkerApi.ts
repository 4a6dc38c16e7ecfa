/**
 * The function the phantom worker exposes: the core generator's DICOM files,
 * returned as transferable buffers (no ground truth).
 */
import * as Comlink from 'comlink';
import { makePhantomSeries } from '../core/io/phantom';
import type { DemoFile, PhantomWorkerApi } from './phantomApi';

export const phantomWorkerApi: PhantomWorkerApi = {
  async makeDemoFiles(params) {
    const { files } = makePhantomSeries({ ...params, withLabels: false, withVolume: false });
    const out: DemoFile[] = files.map((f) => ({
      name: f.name,
      // A file that is only part of a larger buffer is copied out, so that
      // transferring it does not move (and detach) its neighbours.
      bytes:
        f.bytes.byteOffset === 0 && f.bytes.byteLength === f.bytes.buffer.byteLength
          ? (f.bytes.buffer as ArrayBuffer)
          : (f.bytes.slice().buffer as ArrayBuffer),
    }));
    return Comlink.transfer(out, out.map((f) => f.bytes));
  },
};
