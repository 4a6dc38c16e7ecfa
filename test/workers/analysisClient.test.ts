/**
 * The analysis client over a real message boundary: the worker's API is
 * exposed on one end of a MessageChannel (a stand-in for the worker), so
 * structured cloning and transfer happen as in the browser.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import type { AnalysisWorkerApi } from '../../src/workers/analysisApi';
import { AnalysisClient, WorkerFailedError } from '../../src/workers/analysisClient';
import { createAnalysisWorkerApi } from '../../src/workers/analysisWorkerApi';
import { isCancelled } from '../../src/shared/cancel';
import { phantomSeries } from './phantomSeries';

interface FakeWorker {
  worker: Worker;
  /** ArrayBuffers listed for transfer in messages to the worker. */
  sentTransfers: ArrayBuffer[];
  /** Results the worker-side API returned (the objects that were then posted). */
  results: unknown[];
  /** Volumes the worker received. */
  received: { hu: Int16Array }[];
  /** importMasks calls the worker received. */
  importedMasks: number;
  terminated: boolean;
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

/** A worker stand-in running the real API; `hold` makes mesh() wait until released. */
function fakeWorkerFactory(opts: { hold?: Promise<void> } = {}) {
  const made: FakeWorker[] = [];
  const create = (): Worker => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const api = createAnalysisWorkerApi();
    const fw: FakeWorker = { worker: port1 as unknown as Worker, sentTransfers: [], results: [], received: [], importedMasks: 0, terminated: false };
    const recording: AnalysisWorkerApi = {
      loadVolume(id, volume, keepResults) {
        fw.received.push(volume);
        api.loadVolume(id, volume, keepResults);
      },
      release: (id) => api.release(id),
      exportMasks: (id) => api.exportMasks(id),
      importMasks: (id, masks) => {
        fw.importedMasks++;
        api.importMasks(id, masks);
      },
      segment: (...a) => keep(api.segment(...a)),
      internal: (...a) => keep(api.internal(...a)),
      gk: (...a) => keep(api.gk(...a)),
      split: (...a) => keep(api.split(...a)),
      densitometry: (...a) => keep(api.densitometry(...a)),
      measure: (...a) => keep(api.measure(...a)),
      mesh: ((...a: Parameters<AnalysisWorkerApi['mesh']>) =>
        opts.hold ? opts.hold.then(() => keep(api.mesh(...a))) : keep(api.mesh(...a))) as unknown as AnalysisWorkerApi['mesh'],
    };
    function keep<T>(r: T): T {
      fw.results.push(r);
      return r;
    }
    Comlink.expose(recording, port2);
    const post = port1.postMessage.bind(port1);
    (port1 as unknown as { postMessage: (m: unknown, t?: Transferable[]) => void }).postMessage = (m, t) => {
      for (const x of t ?? []) if (x instanceof ArrayBuffer) fw.sentTransfers.push(x);
      post(m, t as never);
    };
    (port1 as unknown as { terminate: () => void }).terminate = () => {
      fw.terminated = true;
      port1.close();
      port2.close();
    };
    port1.start();
    made.push(fw);
    return fw.worker;
  };
  return { create, made };
}

const segParams = { thresholdHu: -700, background: 'border' as const };

describe('analysis client', () => {
  it('sends the volume once as a transferred copy and keeps the original intact', async () => {
    const { volume } = phantomSeries();
    const before = volume.hu.slice();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    const seg = await client.segment('s1', volume, segParams);
    await client.internal('s1', volume);
    const fw = fake.made[0];
    expect(fake.made).toHaveLength(1);
    expect(fw.received).toHaveLength(1);
    // The copy's buffer went over by transfer (detached on this side) ...
    const volumeBuffers = fw.sentTransfers.filter((b) => b.byteLength === 0);
    expect(volumeBuffers.length).toBe(1);
    expect(fw.received[0].hu.length).toBe(volume.hu.length);
    // ... while the app's own volume is untouched.
    expect(volume.hu.byteLength).toBe(before.byteLength);
    expect(Buffer.compare(Buffer.from(volume.hu.buffer), Buffer.from(before.buffer))).toBe(0);
    expect(seg.labels.length).toBe(volume.nx * volume.ny * volume.nz);
  });

  it('gets masks and meshes back by transfer: the worker-side buffers are detached', async () => {
    const { volume } = phantomSeries();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    const progress: number[] = [];
    const seg = await client.segment('s1', volume, segParams, (f) => progress.push(f));
    const inner = await client.internal('s1', volume);
    const gk = await client.gk('s1', volume, { clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0, scope: 'slices', centreSlice: 20, halfSlices: 2 });
    const mesh = await client.mesh('s1', volume, 'lung', { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 2000 });
    const [wSeg, wInner, wGk, wMesh] = fake.made[0].results as [typeof seg, typeof inner, typeof gk, typeof mesh];
    expect(wSeg.labels.byteLength).toBe(0);
    expect(wInner.voxels).toBe(inner.voxels);
    expect(wGk.mask.byteLength).toBe(0);
    // Decimated for display: only the drawn mesh comes, the full one is not sent at all.
    expect(wMesh.full).toBeNull();
    expect(mesh.full).toBeNull();
    expect(wMesh.display!.positionsMm.byteLength).toBe(0);
    expect(wMesh.display!.indices.byteLength).toBe(0);
    expect(wMesh.heightColors.byteLength).toBe(0);
    // This side holds them in full.
    expect(seg.labels.length).toBe(volume.hu.length);
    expect(gk.mask.length).toBe(5 * volume.nx * volume.ny);
    expect(mesh.display!.indices.length / 3).toBeLessThanOrEqual(2000);
    expect(mesh.heightColors.length).toBe(mesh.display!.positionsMm.length);
    // Progress came through the proxy callback.
    await new Promise((r) => setTimeout(r, 20));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(1);
  });

  it('cancel terminates the worker and rejects the call; the next call starts a new worker and resends the volume', async () => {
    const { volume } = phantomSeries();
    let release: () => void = () => undefined;
    const hold = new Promise<void>((r) => (release = r));
    const fake = fakeWorkerFactory({ hold });
    const client = new AnalysisClient(fake.create);
    await client.segment('s1', volume, segParams);
    const pending = client.mesh('s1', volume, 'lung', { stepSize: 2, smoothIterations: 0, maxDisplayTriangles: 1e6 });
    await new Promise((r) => setTimeout(r, 10));
    client.cancel();
    await expect(pending).rejects.toSatisfy(isCancelled);
    expect(fake.made[0].terminated).toBe(true);
    expect(client.alive).toBe(false);
    release();
    const again = await client.segment('s1', volume, segParams);
    expect(again.voxels.fill).toBeGreaterThan(0);
    expect(client.spawned).toBe(2);
    expect(fake.made[1].received).toHaveLength(1);
  });

  it('a worker that fails rejects its calls with a clear message, and the next call works', async () => {
    const { volume } = phantomSeries();
    let release: () => void = () => undefined;
    const hold = new Promise<void>((r) => (release = r));
    const fake = fakeWorkerFactory({ hold });
    const client = new AnalysisClient(fake.create);
    await client.segment('s1', volume, segParams);
    const pending = client.mesh('s1', volume, 'lung', { stepSize: 2, smoothIterations: 0, maxDisplayTriangles: 1e6 });
    const crash = new Event('error') as Event & { message?: string };
    crash.message = 'out of memory';
    (fake.made[0].worker as unknown as EventTarget).dispatchEvent(crash);
    await expect(pending).rejects.toBeInstanceOf(WorkerFailedError);
    await expect(pending).rejects.toThrow(/stopped unexpectedly \(out of memory\).*Run/);
    release();
    const again = await client.segment('s1', volume, segParams);
    expect(again.voxels.fill).toBeGreaterThan(0);
    expect(client.spawned).toBe(2);
  });

  it('resends the volume when another volume (even under the same id) is analysed', async () => {
    const a = phantomSeries();
    const b = phantomSeries();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    await client.segment('s1', a.volume, segParams);
    await client.segment('s1', a.volume, segParams);
    expect(fake.made[0].received).toHaveLength(1);
    await client.segment('s1', b.volume, segParams);
    expect(fake.made[0].received).toHaveLength(2);
  });

  it('recycleWorker moves the masks to a fresh worker and stops the old one; the surfaces come out the same', async () => {
    const { volume } = phantomSeries();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    await client.segment('s1', volume, segParams);
    await client.internal('s1', volume);
    await client.gk('s1', volume, { clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0, scope: 'slices', centreSlice: 20, halfSlices: 2 });
    const meshParams = { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 1e7 };
    const before = await Promise.all((['lung', 'internal', 'gk'] as const).map((k) => client.mesh('s1', volume, k, meshParams)));
    await client.recycleWorker('s1');
    expect(fake.made).toHaveLength(2);
    expect(fake.made[0].terminated).toBe(true);
    expect(fake.made[1].importedMasks).toBe(1);
    // No volume went to the fresh worker: the surfaces need only the masks.
    const after = await Promise.all((['lung', 'internal', 'gk'] as const).map((k) => client.mesh('s1', volume, k, meshParams)));
    expect(fake.made[1].received).toHaveLength(0);
    for (let k = 0; k < 3; k++) {
      expect(after[k].triangles).toBe(before[k].triangles);
      const a = after[k].full!.positionsMm, b = before[k].full!.positionsMm;
      expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
    }
    const split = await client.split('s1', volume);
    expect(split.ms).toBeGreaterThanOrEqual(0);
    // A stage that needs the HU values sends them to the fresh worker.
    await client.gk('s1', volume, { clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0, scope: 'slices', centreSlice: 20, halfSlices: 1 });
    expect(fake.made[1].received).toHaveLength(1);
    expect(client.spawned).toBe(2);
  });

  it('after recycleWorker a stage needing the HU values sends them again, and the masks made before are used', async () => {
    const { volume } = phantomSeries();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    const seg = await client.segment('s1', volume, segParams);
    await client.recycleWorker('s1');
    // The fresh worker has the masks but no HU values: internal structures and GK need them.
    const inner = await client.internal('s1', volume);
    expect(fake.made[1].received).toHaveLength(1);
    expect(inner.histogram.total).toBe(seg.voxels.fill);
    const gk = await client.gk('s1', volume, { clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0, scope: 'slices', centreSlice: 20, halfSlices: 1 });
    expect(fake.made[1].received).toHaveLength(1);
    expect(gk.keptVoxels).toBeGreaterThan(0);
    for (let i = 0; i < gk.mask.length; i++) if (gk.mask[i]) expect(seg.labels[gk.zFrom * volume.nx * volume.ny + i] & 2).toBe(2);
    // The app's own volume is untouched throughout.
    expect(volume.hu.byteLength).toBe(volume.nx * volume.ny * volume.nz * 2);
  });

  it('recycleWorker does nothing for another volume id, or while a call is under way', async () => {
    const { volume } = phantomSeries();
    const fake = fakeWorkerFactory();
    const client = new AnalysisClient(fake.create);
    await client.recycleWorker('s1'); // no worker yet
    expect(fake.made).toHaveLength(0);
    await client.segment('s1', volume, segParams);
    await client.recycleWorker('other');
    expect(fake.made).toHaveLength(1);
    const pending = client.internal('s1', volume);
    await client.recycleWorker('s1');
    expect(fake.made).toHaveLength(1);
    expect((await pending).voxels).toBeGreaterThan(0);
  });
});
