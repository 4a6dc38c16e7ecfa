/**
 * The analysis job over the store: stage by stage status, results into the
 * caches, cancel on a new load or another series, errors that leave Run
 * usable. The service is the real worker API behind the real client on a
 * MessageChannel, or a scripted stand-in where timing matters.
 */
import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume/volume';
import { createAnalysisController, type AnalysisDeps } from '../../src/state/analysis';
import { ANALYSIS_STAGE_IDS, type AnalysisStageId, type StageState } from '../../src/state/analysisState';
import { MaskCache } from '../../src/state/maskCache';
import { MeshCache } from '../../src/state/meshCache';
import { createAppStore, selectedSeries, type AppStore } from '../../src/state/store';
import { VolumeCache } from '../../src/state/volumeCache';
import { AnalysisClient, type AnalysisService } from '../../src/workers/analysisClient';
import { createAnalysisWorkerApi } from '../../src/workers/analysisWorkerApi';
import { CancelledError } from '../../src/shared/cancel';
import { phantomSeries } from '../workers/phantomSeries';
import { densitometryStage, inclusiveStage, INCLUSIVE_LABEL, lungLabelsOfSplit, segmentStage, splitStage } from '../../src/core/analysis/stages';
import { LUNG_MASK_NAMES, resolveAnalysisParams } from '../../src/core/analysis/analysisParams';
import { densitometryParamsOf } from '../../src/core/analysis/report';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function channelWorker(): Worker {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  Comlink.expose(createAnalysisWorkerApi(), port2);
  (port1 as unknown as { terminate: () => void }).terminate = () => {
    port1.close();
    port2.close();
  };
  return port1 as unknown as Worker;
}

interface Setup {
  store: AppStore;
  deps: AnalysisDeps;
  volume: Volume;
  marks: string[];
  /** Stage state changes in the order they happened. */
  transitions: [AnalysisStageId, StageState][];
  /** Finishes the load: the series open (attach the controller first for it to start by itself). */
  finish(): void;
}

function setup(service: AnalysisService, seriesCount = 1): Setup {
  const store = createAppStore();
  const volumes = new VolumeCache();
  const loaded = Array.from({ length: seriesCount }, () => phantomSeries());
  const summaries = loaded.map((l, k) => ({ ...l.summary, id: `series-${k}` }));
  loaded.forEach((l, k) => volumes.set(summaries[k].id, l.volume));
  const marks: string[] = [];
  const transitions: [AnalysisStageId, StageState][] = [];
  store.subscribe((s, p) => {
    for (const id of ANALYSIS_STAGE_IDS) if (s.analysis.stages[id].state !== p.analysis.stages[id].state) transitions.push([id, s.analysis.stages[id].state]);
  });
  const deps: AnalysisDeps = {
    store,
    volumes,
    masks: new MaskCache(),
    meshes: new MeshCache(),
    service,
    progressIntervalMs: 0,
    mark: (n) => marks.push(n),
  };
  store.getState().beginLoad('test', 0);
  store.getState().setCollected(1, 1);
  const finish = () => store.getState().finishLoad(summaries, [], [], 1);
  return { store, deps, volume: loaded[0].volume, marks, transitions, finish };
}

function finishLoad(s: Setup): void {
  s.finish();
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A service whose calls wait until the test lets them go (or fail). */
function scriptedService(real: AnalysisService) {
  const gates: { stage: string; go: () => void; fail: (e: Error) => void }[] = [];
  let cancelled = 0;
  const gate = <T>(stage: string, work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      gates.push({ stage, go: () => work().then(resolve, reject), fail: reject });
    });
  const service: AnalysisService = {
    segment: (...a) => gate('segment', () => real.segment(...a)),
    internal: (...a) => gate('internal', () => real.internal(...a)),
    gk: (...a) => gate('gk', () => real.gk(...a)),
    split: (...a) => gate('split', () => real.split(...a)),
    mesh: (...a) => gate(`mesh:${a[2]}`, () => real.mesh(...a)),
    densitometry: (...a) => gate('densitometry', () => real.densitometry(...a)),
    measure: (...a) => gate('measure', () => real.measure(...a)),
    cancel() {
      cancelled++;
      for (const g of gates.splice(0)) g.fail(new CancelledError());
      real.cancel();
    },
  };
  return { service, gates, cancelledCount: () => cancelled };
}

describe('analysis job', () => {
  it('runs when a series opens: every stage goes pending → running → done in order, results land in the caches', async () => {
    const s = setup(new AnalysisClient(channelWorker));
    // The tutorial's GK scope (the page's default is the whole lung).
    s.store.getState().setAnalysisParams({ mesh: { maxDisplayTriangles: 5000 }, gk: { scope: 'slices' } });
    const ctl = createAnalysisController(s.deps);
    const detach = ctl.attach();
    finishLoad(s);
    await until(() => s.store.getState().analysis.phase === 'done');
    detach();
    const st = s.store.getState();
    // Each stage: running then done, and a stage starts only after the previous one is done.
    const expected = ANALYSIS_STAGE_IDS.flatMap((id) => [[id, 'running'], [id, 'done']]);
    expect(s.transitions).toEqual(expected);
    for (const id of ANALYSIS_STAGE_IDS) expect(st.analysis.stages[id]).toMatchObject({ state: 'done', fraction: 1 });

    const r = st.analysisResults!;
    const voxels = s.volume.nx * s.volume.ny * s.volume.nz;
    for (const kind of ['fill', 'noFill', 'internal'] as const) {
      const m = s.deps.masks.get(r.maskIds[kind]);
      expect(m?.data.length).toBe(voxels);
      expect(m?.zOffset).toBe(0);
    }
    const gk = s.deps.masks.get(r.maskIds.gk)!;
    // GK on 5 slices centred on the slice that was open (the middle one).
    const centre = Math.floor((s.volume.nz - 1) / 2);
    expect(gk.zOffset).toBe(centre - 2);
    expect(gk.nz).toBe(5);
    expect(r.gk!.perSlice.map((p) => p.z)).toEqual([centre - 2, centre - 1, centre, centre + 1, centre + 2]);
    expect(r.ml.fill).toBeGreaterThan(r.ml.noFill!);
    expect(r.ml.internal).toBeCloseTo(r.ml.fill! - r.ml.noFill!, 0);
    expect(r.histogram!.total).toBe(r.voxels.fill);
    expect(r.split).toBeDefined();
    // The split's right lung, left lung and airway, read through their bits of the page's lung label array, are the core's labels of the lungs measured.
    const p = resolveAnalysisParams();
    const seg = segmentStage(s.volume, p);
    const want = splitStage(s.volume, inclusiveStage(s.volume, seg.runs.fill, { effusion: st.analysisParams.effusion }).runs, { withLabels: true });
    const wantLabels = lungLabelsOfSplit(want)!;
    for (const [kind, code] of [['right', INCLUSIVE_LABEL.rightLung], ['left', INCLUSIVE_LABEL.leftLung], ['airway', INCLUSIVE_LABEL.airway]] as const) {
      const m = s.deps.masks.get(r.maskIds[kind])!;
      let differ = 0;
      let n = 0;
      for (let i = 0; i < voxels; i++) {
        const inMask = (m.data[i] & m.bits!.select) === m.bits!.equals;
        if (inMask) n++;
        if (inMask !== (wantLabels[i] === code)) differ++;
      }
      expect(differ).toBe(0);
      if (kind !== 'airway') expect(n).toBeGreaterThan(1000);
    }
    // Densitometry from the worker's runs per label is the core's from the labels.
    expect(st.analysisResults!.densitometry).toEqual(densitometryStage(s.volume, want, densitometryParamsOf(selectedSeries(st)!, LUNG_MASK_NAMES[st.analysisParams.lungMask])));
    for (const kind of ['lung', 'internal', 'gk'] as const) {
      const meta = st.meshes[kind]!;
      expect(meta.kind).toBe(kind);
      expect(meta.seriesId).toBe('series-0');
      const cached = s.deps.meshes.get(meta.id)!;
      expect(cached.mesh.indices.length / 3).toBe(meta.displayTriangles);
      expect(meta.displayTriangles).toBeLessThanOrEqual(5000);
      expect(cached.heightColors!.length).toBe(cached.mesh.positionsMm.length);
      // Only the drawn surface is kept; the full one of a decimated surface is made again on export, the same way.
      expect(Object.keys(cached).sort()).toEqual(['heightColors', 'mesh']);
      if (meta.decimated) expect(meta.triangles).toBeGreaterThan(meta.displayTriangles);
      else expect(meta.triangles).toBe(meta.displayTriangles);
      expect(meta.surface).toEqual({ stepSize: st.analysisParams.mesh.stepSize, smoothIterations: st.analysisParams.mesh.smoothIterations });
    }
    expect(st.meshes.lung!.decimated).toBe(true);
    expect(s.marks).toEqual(['lungview:analysis-start', 'lungview:lung-masks-ready', 'lungview:meshes-ready']);
  });

  it('moves the masks to a fresh worker after GK and after each later stage, and stops the worker when done; Run starts again', async () => {
    const client = new AnalysisClient(channelWorker);
    const calls: string[] = [];
    const service: AnalysisService = {
      segment: (...a) => (calls.push('segment'), client.segment(...a)),
      internal: (...a) => (calls.push('internal'), client.internal(...a)),
      gk: (...a) => (calls.push('gk'), client.gk(...a)),
      split: (...a) => (calls.push('split'), client.split(...a)),
      mesh: (...a) => (calls.push(`mesh:${a[2]}`), client.mesh(...a)),
      densitometry: (...a) => (calls.push('densitometry'), client.densitometry(...a)),
      measure: (...a) => (calls.push('measure'), client.measure(...a)),
      releaseWorker: () => (calls.push('releaseWorker'), client.releaseWorker()),
      recycleWorker: (id) => (calls.push(`recycleWorker:${id}`), client.recycleWorker(id)),
      cancel: () => client.cancel(),
    };
    const s = setup(service);
    const ctl = createAnalysisController(s.deps);
    const detach = ctl.attach();
    finishLoad(s);
    await until(() => s.store.getState().analysis.phase === 'done');
    expect(calls).toEqual([
      'segment', 'internal', 'gk', 'measure', 'recycleWorker:series-0', 'mesh:lung', 'recycleWorker:series-0', 'split', 'recycleWorker:series-0',
      'mesh:internal', 'recycleWorker:series-0', 'mesh:gk', 'recycleWorker:series-0', 'densitometry', 'releaseWorker',
    ]);
    expect(client.alive).toBe(false);
    // The first worker (with the HU values), then one each for the lung surface, the split, the two last surfaces and densitometry (the HU values sent again).
    expect(client.spawned).toBe(6);
    // The results stay in the page's caches (the lung masks, internal, GK, measured, and the split's right, left and airway).
    expect(s.deps.masks.size()).toBe(8);
    await ctl.run();
    detach();
    expect(s.store.getState().analysis.phase).toBe('done');
    expect(client.spawned).toBe(12);
    // Densitometry of the split lungs reached the store.
    expect(s.store.getState().analysisResults?.densitometry?.whole.voxels).toBeGreaterThan(0);
  });

  it('a new load cancels the running analysis and clears masks, meshes and results', async () => {
    const client = new AnalysisClient(channelWorker);
    const scripted = scriptedService(client);
    const s = setup(scripted.service);
    const ctl = createAnalysisController(s.deps);
    ctl.attach();
    finishLoad(s);
    await until(() => scripted.gates.length === 1);
    scripted.gates.shift()!.go();
    // The internal structures come right after the masks.
    await until(() => s.store.getState().analysis.stages.internal.state === 'running');
    expect(s.deps.masks.size()).toBe(2);
    s.store.getState().beginLoad('next', 5);
    expect(scripted.cancelledCount()).toBe(1);
    const st = s.store.getState();
    expect(st.analysis.phase).toBe('idle');
    expect(st.analysisResults).toBeNull();
    expect(st.meshes).toEqual({ lung: null, internal: null, gk: null, crop: null });
    expect(s.deps.masks.size()).toBe(0);
    // Nothing of the stopped run shows up later.
    await new Promise((r) => setTimeout(r, 30));
    expect(s.store.getState().analysisResults).toBeNull();
    expect(s.store.getState().errors).toEqual([]);
  });

  it('Cancel marks the running and pending stages cancelled; Run starts again from the first stage', async () => {
    const client = new AnalysisClient(channelWorker);
    const scripted = scriptedService(client);
    const s = setup(scripted.service);
    const ctl = createAnalysisController(s.deps);
    ctl.attach();
    finishLoad(s);
    await until(() => scripted.gates.length === 1);
    ctl.cancel();
    let st = s.store.getState();
    expect(st.analysis.phase).toBe('cancelled');
    expect(ANALYSIS_STAGE_IDS.map((id) => st.analysis.stages[id].state)).toEqual(ANALYSIS_STAGE_IDS.map(() => 'cancelled'));
    const run = ctl.run();
    await until(() => scripted.gates.length === 1);
    expect(s.store.getState().analysis.phase).toBe('running');
    expect(s.store.getState().analysis.stages.segment.state).toBe('running');
    // Let everything through.
    const pump = setInterval(() => scripted.gates.shift()?.go(), 2);
    await run;
    clearInterval(pump);
    st = s.store.getState();
    expect(st.analysis.phase).toBe('done');
    expect(st.analysis.runId).toBe(2);
  });

  it('selecting another series stops the running analysis and analyses the new one', async () => {
    const client = new AnalysisClient(channelWorker);
    const scripted = scriptedService(client);
    const s = setup(scripted.service, 2);
    const ctl = createAnalysisController(s.deps);
    ctl.attach();
    finishLoad(s);
    await until(() => scripted.gates.length === 1);
    const first = s.store.getState().selectedSeriesId;
    const other = s.store.getState().series.find((x) => x.id !== first)!.id;
    s.store.getState().selectSeries(other);
    expect(scripted.cancelledCount()).toBe(1);
    await until(() => scripted.gates.length === 1);
    expect(s.store.getState().analysis).toMatchObject({ phase: 'running', seriesId: other });
  });

  it('switching back to a series analysed earlier shows its analysis at once; other parameters run it again', async () => {
    const client = new AnalysisClient(channelWorker);
    const segments: string[] = [];
    const service: AnalysisService = {
      segment: (...a) => (segments.push(a[0]), client.segment(...a)),
      internal: (...a) => client.internal(...a),
      gk: (...a) => client.gk(...a),
      split: (...a) => client.split(...a),
      mesh: (...a) => client.mesh(...a),
      densitometry: (...a) => client.densitometry(...a),
      measure: (...a) => client.measure(...a),
      releaseWorker: () => client.releaseWorker(),
      recycleWorker: (id) => client.recycleWorker(id),
      cancel: () => client.cancel(),
    };
    const s = setup(service, 2);
    s.store.getState().setAnalysisParams({ mesh: { maxDisplayTriangles: 5000 } });
    const ctl = createAnalysisController(s.deps);
    const detach = ctl.attach();
    finishLoad(s);
    const first = s.store.getState().selectedSeriesId!;
    const other = s.store.getState().series.find((x) => x.id !== first)!.id;
    await until(() => s.store.getState().analysis.phase === 'done');
    const firstState = s.store.getState();
    const firstResults = firstState.analysisResults!;
    const firstMeshes = firstState.meshes;
    const firstMasks = s.deps.masks.size();

    s.store.getState().selectSeries(other);
    await until(() => s.store.getState().analysis.phase === 'done' && s.store.getState().analysis.seriesId === other);
    // Both analyses are in the caches.
    expect(s.deps.masks.size()).toBe(2 * firstMasks);
    const runs = s.store.getState().analysis.runId;

    s.store.getState().selectSeries(first);
    await new Promise((r) => setTimeout(r, 20));
    let st = s.store.getState();
    // Shown again without a run: the same numbers, masks and meshes, no new run id.
    expect(st.analysis).toMatchObject({ phase: 'done', seriesId: first });
    expect(st.analysisResults).toEqual(firstResults);
    expect(st.meshes).toEqual(firstMeshes);
    expect(st.analysis.runId).toBeLessThan(runs);
    expect(s.deps.masks.get(firstResults.maskIds.fill)).toBeDefined();
    expect(s.deps.masks.get(firstResults.maskIds.measured)).toBeDefined();
    const segmentCalls = segments.length;

    // Other parameters: the kept analysis does not count, the series runs again.
    s.store.getState().selectSeries(other);
    await new Promise((r) => setTimeout(r, 20));
    expect(s.store.getState().analysis.phase).toBe('done');
    s.store.getState().setAnalysisParams({ thresholdHu: -650 });
    s.store.getState().selectSeries(first);
    await until(() => s.store.getState().analysis.phase === 'done' && s.store.getState().analysisResults?.seriesId === first && s.store.getState().analysisResults?.runId !== firstResults.runId);
    detach();
    st = s.store.getState();
    expect(segments.length).toBe(segmentCalls + 1);
    // The old masks of that series left the cache; the other series' stayed.
    expect(s.deps.masks.get(firstResults.maskIds.fill)).toBeUndefined();
    expect(s.deps.masks.size()).toBe(2 * firstMasks);
  });

  it('a failing stage is marked, the message shown, later stages stay pending, and Run works again', async () => {
    const client = new AnalysisClient(channelWorker);
    let failGk = true;
    const service: AnalysisService = {
      segment: (...a) => client.segment(...a),
      internal: (...a) => client.internal(...a),
      gk: (...a) => (failGk ? Promise.reject(new Error('GK: clusters must be an integer in 1..255, got 999')) : client.gk(...a)),
      split: (...a) => client.split(...a),
      mesh: (...a) => client.mesh(...a),
      densitometry: (...a) => client.densitometry(...a),
      measure: (...a) => client.measure(...a),
      cancel: () => client.cancel(),
    };
    const s = setup(service);
    s.store.getState().setAnalysisParams({ mesh: { stepSize: 2 } });
    const ctl = createAnalysisController(s.deps);
    finishLoad(s);
    await ctl.run();
    let st = s.store.getState();
    expect(st.analysis.phase).toBe('error');
    expect(st.analysis.stages.segment.state).toBe('done');
    expect(st.analysis.stages.internal.state).toBe('done');
    expect(st.analysis.stages.gk.state).toBe('error');
    expect(st.analysis.stages.meshLung.state).toBe('pending');
    expect(st.analysis.stages.meshInternal.state).toBe('pending');
    expect(st.analysis.error).toMatch(/^Analysis failed: GK: clusters must be/);
    expect(st.errors).toEqual([st.analysis.error]);
    // The lung masks of the failed run are still there to look at.
    expect(s.deps.masks.get(st.analysisResults!.maskIds.fill)).toBeDefined();
    failGk = false;
    await ctl.run();
    st = s.store.getState();
    expect(st.analysis.phase).toBe('done');
    expect(st.meshes.gk).not.toBeNull();
  });

  it('does not start with invalid parameters, and says why', async () => {
    const s = setup(new AnalysisClient(channelWorker));
    const ctl = createAnalysisController(s.deps);
    finishLoad(s);
    s.store.getState().setAnalysisParams({ gk: { clusters: 1 } });
    await ctl.run();
    const st = s.store.getState();
    expect(st.analysis.phase).toBe('idle');
    expect(st.errors[0]).toMatch(/Analysis not started: GK clusters must be a whole number from 2 to 20/);
  });
});

describe('analysis job: what starts it', () => {
  it('does not start by itself on a series that is not CT, but Run analyses it', async () => {
    const s = setup(new AnalysisClient(channelWorker));
    const store = s.store;
    const ctl = createAnalysisController(s.deps);
    ctl.attach();
    store.getState().finishLoad([{ ...phantomSeries().summary, id: 'series-0', modality: 'MR' }], [], [], 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(store.getState().analysis.phase).toBe('idle');
    await ctl.run();
    expect(store.getState().analysis.phase).toBe('done');
  });
});
