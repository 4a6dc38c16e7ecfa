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
import { CancelledError, isCancelled } from '../../src/shared/cancel';
import { DicomPool, PoolFailedError } from '../../src/workers/dicomPool';
import { dicomWorkerApi } from '../../src/workers/dicomWorkerApi';

interface FakeWorkers {
  spawned: number;
  terminated: number;
  /** Files each worker was given. */
  filesPerWorker: number[];
  /** Paths of the last batch each worker was given. */
  lastPaths: string[][];
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
    lastPaths: [],
    create() {
      const k = fw.spawned++;
      fw.filesPerWorker[k] = 0;
      const { port1, port2 } = new MessageChannel();
      ports.push(port1, port2);
      const counted: DicomWorkerApi = {
        parseBatch(inputs, cb, mode) {
          fw.filesPerWorker[k] += inputs.length;
          fw.lastPaths[k] = inputs.map((i) => i.path);
          return api.parseBatch(inputs, cb, mode);
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

/** The same files as Blobs (like dropped Files): a worker reads them, so they can be read again. */
function phantomBlobs(slices: number): ParseInput[] {
  return phantomInputs(slices).map((i) => ({ path: i.path, source: new Blob([i.source as ArrayBuffer]) }));
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

  it('streams slices to onBatch without also keeping them in the final result', async () => {
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const pool = new DicomPool(2, fw.create);
    const inputs = phantomInputs(8);
    const seen: string[] = [];
    const res = await pool.parseAll(inputs, undefined, { onBatch: (part) => seen.push(...part.slices.map((s) => s.header.file)) });
    expect(new Set(seen).size).toBe(8);
    expect(res.slices).toHaveLength(0);
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

  it('a worker that dies once is replaced and its file parsed on a fresh one, with a warning', async () => {
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
    const res = await pool.parseAll(phantomBlobs(3));
    expect(res.slices).toHaveLength(3);
    expect(res.skipped).toEqual([]);
    expect(res.warnings).toEqual([expect.stringMatching(/DICOM worker stopped \(script failed to load\) and was restarted/)]);
    expect(fw.terminated).toBe(1);
    expect(pool.liveWorkers).toBe(1);
    pool.dispose();
  });

  it('workers that keep dying fail the call with the reason, and the next call starts afresh', async () => {
    let failing = true;
    const fw = fakeWorkers();
    cleanup.push(fw.closeAll);
    const create = () => {
      const w = fw.create();
      if (failing) {
        setTimeout(() => w.dispatchEvent(Object.assign(new Event('error'), { message: 'out of memory' })), 0);
        (w as unknown as MessagePort).close();
      }
      return w;
    };
    const pool = new DicomPool(2, create);
    const err = await pool.parseAll(phantomInputs(6)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolFailedError);
    expect(String(err)).toMatch(/stopped 4 times in a row \(last: out of memory\)/);
    expect(pool.liveWorkers).toBe(0);
    failing = false;
    await expect(pool.parseAll(phantomInputs(2))).resolves.toMatchObject({ skipped: [] });
    pool.dispose();
  });

  it('a file that crashes every worker it is given is skipped with the reason; the other files of its batch are parsed', async () => {
    const crashPorts = new Map<number, MessagePort>();
    let spawned = 0;
    const fw = fakeWorkers({
      async parseBatch(inputs, cb) {
        if (inputs.some((i) => i.path === 'crash.dcm')) {
          // Never answers; the worker reports an uncaught error instead.
          return new Promise<never>(() => undefined);
        }
        return dicomWorkerApi.parseBatch(inputs, cb);
      },
    });
    cleanup.push(fw.closeAll);
    const create = () => {
      const w = fw.create();
      crashPorts.set(spawned++, w as unknown as MessagePort);
      return w;
    };
    const inputs = phantomBlobs(12);
    inputs.splice(5, 0, { path: 'crash.dcm', source: new Blob([new Uint8Array(8)]) });
    const pool = new DicomPool(1, create);
    // The crash: an error event on the worker that got crash.dcm, shortly after the call.
    const watcher = setInterval(() => {
      for (const [k, port] of crashPorts) {
        if (fw.lastPaths[k]?.includes('crash.dcm')) {
          crashPorts.delete(k);
          port.dispatchEvent(Object.assign(new Event('error'), { message: 'RangeError: Maximum call stack size exceeded' }));
        }
      }
    }, 2);
    cleanup.push(() => clearInterval(watcher));
    const res = await pool.parseAll(inputs);
    expect(res.slices).toHaveLength(12);
    expect(res.skipped).toEqual([{ file: 'crash.dcm', reason: 'the DICOM worker stopped while reading it (RangeError: Maximum call stack size exceeded)' }]);
    expect(res.warnings?.some((w) => /stopped while reading crash\.dcm/.test(w))).toBe(true);
    pool.dispose();
  });

  it('a file that runs past the per-file time budget is skipped and its worker replaced', async () => {
    const fw = fakeWorkers({
      async parseBatch(inputs, cb) {
        if (inputs.some((i) => i.path === 'hang.dcm')) return new Promise<never>(() => undefined);
        return dicomWorkerApi.parseBatch(inputs, cb);
      },
    });
    cleanup.push(fw.closeAll);
    const inputs = phantomBlobs(4);
    inputs.splice(2, 0, { path: 'hang.dcm', source: new Blob([new Uint8Array(8)]) });
    const pool = new DicomPool(1, fw.create, { perFileBudgetMs: 150 });
    const res = await pool.parseAll(inputs);
    expect(res.slices).toHaveLength(4);
    expect(res.skipped).toEqual([{ file: 'hang.dcm', reason: 'reading it took longer than the 0.15 s allowed per file; it was stopped' }]);
    expect(fw.terminated).toBeGreaterThanOrEqual(1);
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
    // The workers that did the load were replaced by fresh ones, kept ready for the next.
    expect(fw.terminated).toBe(2);
    expect(pool.liveWorkers).toBe(2);
    expect(fw.spawned).toBe(4);
    pool.dispose();
  });
});
