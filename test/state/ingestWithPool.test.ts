/**
 * The ingest job over the real worker pool, with each "worker" an in-process
 * Comlink endpoint (a MessageChannel) exposing the worker's real API.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { createIngestController } from '../../src/state/ingest';
import { createAppStore } from '../../src/state/store';
import { VolumeCache } from '../../src/state/volumeCache';
import type { DicomWorkerApi, ParseInput } from '../../src/workers/dicomApi';
import { CancelledError, DicomPool, isCancelled } from '../../src/workers/dicomPool';
import { dicomWorkerApi } from '../../src/workers/dicomWorkerApi';

interface FakeWorkers {
  spawned: number;
  terminated: number;
  /** Files each worker was given. */
  filesPerWorker: number[];
  create: () => Worker;
  closeAll: () => void;
}

/** Worker stand-ins: the API exposed on one end of a MessageChannel, the other end handed to the pool. */
function fakeWorkers(api: DicomWorkerApi = dicomWorkerApi): FakeWorkers {
  const ports: MessagePort[] = [];
  const fw: FakeWorkers = {
    spawned: 0,
    terminated: 0,
    filesPerWorker: [],
    create() {
      const k = fw.spawned++;
      fw.filesPerWorker[k] = 0;
      const { port1, port2 } = new MessageChannel();
      ports.push(port1, port2);
      const counted: DicomWorkerApi = {
        parseBatch(inputs, cb) {
          fw.filesPerWorker[k] += inputs.length;
          return api.parseBatch(inputs, cb);
        },
      };
      Comlink.expose(counted, port2);
      const worker = port1 as unknown as Worker & { terminate(): void };
      worker.terminate = () => {
        fw.terminated++;
        port1.close();
        port2.close();
      };
      return worker;
    },
    closeAll() {
      for (const p of ports) p.close();
    },
  };
  return fw;
}

function phantomInputs(slices: number): ParseInput[] {
  const ph = makePhantomSeries({ size: 40, slices, thicknessMm: 2, seed: 5 });
  return ph.files.map((f) => ({ path: f.name, source: f.bytes.slice().buffer }));
}

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

describe('DICOM worker pool', () => {
  it('spreads the files over its workers, reports every file and returns every slice', async () => {
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const pool = new DicomPool(3, fw.create);
    const inputs = phantomInputs(30);
    inputs.push({ path: 'junk.bin', source: new Uint8Array([1, 2, 3]).buffer });
    const sizes = inputs.map((i) => (i.source as ArrayBuffer).byteLength);
    const progress: number[] = [];
    let bytes = 0;
    const res = await pool.parseAll(inputs, (p) => {
      progress.push(p.filesDone);
      bytes = p.bytesDone;
    });
    expect(fw.spawned).toBe(3);
    expect(fw.filesPerWorker.every((n) => n > 0)).toBe(true);
    expect(res.slices).toHaveLength(30);
    expect(res.skipped.map((s) => s.file)).toEqual(['junk.bin']);
    expect(progress.at(-1)).toBe(31);
    expect(bytes).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(new Set(res.slices.map((s) => s.header.file)).size).toBe(30);
    // Input buffers were transferred to the workers, not copied.
    expect(inputs.every((i) => (i.source as ArrayBuffer).byteLength === 0)).toBe(true);
    pool.dispose();
  });

  it('spawns workers only when there is work, and no more than there are files', async () => {
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const pool = new DicomPool(4, fw.create);
    expect(pool.liveWorkers).toBe(0);
    await pool.parseAll([]);
    expect(fw.spawned).toBe(0);
    await pool.parseAll(phantomInputs(2));
    expect(fw.spawned).toBe(2);
    pool.dispose();
  });

  it('cancel terminates the workers, rejects the running call, and the next call spawns new ones', async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((r) => (release = r));
    const slowApi: DicomWorkerApi = {
      async parseBatch(inputs, cb) {
        await stalled;
        return dicomWorkerApi.parseBatch(inputs, cb);
      },
    };
    const fw = fakeWorkers(slowApi);
    cleanup.push(fw.closeAll, release);
    const pool = new DicomPool(2, fw.create);
    const running = pool.parseAll(phantomInputs(6));
    await new Promise((r) => setTimeout(r, 20));
    pool.cancel();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(isCancelled(err)).toBe(true);
    expect(fw.terminated).toBe(2);
    expect(pool.liveWorkers).toBe(0);
    release();
    const again = new DicomPool(2, fakeWorkers().create);
    await expect(again.parseAll(phantomInputs(2))).resolves.toMatchObject({ skipped: [] });
    again.dispose();
  });

  it('a worker that fails rejects the call with the reason, and the pool starts afresh', async () => {
    let failNext = true;
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const create = () => {
      const w = fw.create();
      if (failNext) {
        failNext = false;
        setTimeout(() => w.dispatchEvent(Object.assign(new Event('error'), { message: 'script failed to load' })), 0);
        // This worker never answers.
        (w as unknown as MessagePort).close();
      }
      return w;
    };
    const pool = new DicomPool(1, create);
    await expect(pool.parseAll(phantomInputs(2))).rejects.toThrow(/DICOM worker failed: script failed to load/);
    expect(pool.liveWorkers).toBe(0);
    await expect(pool.parseAll(phantomInputs(2))).resolves.toMatchObject({ skipped: [] });
    pool.dispose();
  });
});

describe('ingest through the worker pool', () => {
  it('loads a phantom series into the cache and the store', async () => {
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const pool = new DicomPool(2, fw.create);
    const store = createAppStore();
    const cache = new VolumeCache();
    const ingest = createIngestController({ store, cache, parser: pool, yieldToUi: async () => undefined });
    const truth = makePhantomSeries({ size: 40, slices: 16, thicknessMm: 2, seed: 5, withVolume: true }).truth;
    await ingest.run('phantom', () => ({ inputs: phantomInputs(16), skipped: [] }));
    const s = store.getState();
    expect(s.load.phase).toBe('done');
    expect(s.series).toHaveLength(1);
    expect(cache.get(s.selectedSeriesId)!.hu).toEqual(truth.volumeHu);
    pool.dispose();
  });
});
