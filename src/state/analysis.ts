/**
 * The analysis job, the browser's schedule of the core's stages: for the
 * open series, BROWSER_SCHEDULE runs the stages in the analysis worker one
 * after the other (lung masks → internal structures and lung HU → GK → lung
 * surface → left/right/airway → surfaces of internal and GK structures),
 * each with its own progress in the store; masks go into the mask cache,
 * meshes into the mesh cache, numbers into the store. A new stage is one
 * core function, one worker method calling it, and one entry here.
 *
 * Memory: the worker gets its own copy of the HU values, so the stages that
 * need them (masks, lung HU, GK) come first. After GK and after each later
 * stage, its masks (as runs, a few MB) move to a fresh worker and the old
 * one is stopped, which frees the HU copy and the stages' garbage at once
 * (a worker is collected late); once the run is done the worker is
 * stopped, so it holds nothing while the results are looked at. The lung
 * surface, what the 3D view waits for, comes right after GK.
 *
 * One job at a time: a new run, cancel(), a new load or another series
 * stops the running one (the worker is terminated; the next call spawns a
 * new one). `attach()` starts a run whenever a series is opened, unless the
 * series was analysed earlier in this session with the same parameters:
 * its kept analysis (analysedSeries.ts) is shown instead.
 */
import type { Geometry3dTrust, SeriesSummary } from '../core/dicom/types';
import type { Volume } from '../core/volume/volume';
import { isCancelled } from '../shared/cancel';
import type { AnalysisService } from '../workers/analysisClient';
import { densitometryParamsOf } from '../core/analysis/report';
import { orRuns } from '../core/segmentation/runs';
import { LUNG_MASK_NAMES } from '../core/analysis/analysisParams';
import type { DensitometryParams } from '../core/analysis/densitometry';
import type { AnalysisMeshKind, DensitometryOutput, GkOutput, MeasureOutput, InternalOutput, MeshOutput, SegmentOutput, SplitOutput, StageProgressCallback } from '../workers/analysisApi';
import { analysisParamProblems, type AnalysisStageId } from './analysisState';
import { LUNG_LABEL_BITS, type MaskCache, type MaskKind } from './maskCache';
import type { MaskBits } from '../shared/view';
import type { MeshCache, MeshMeta } from './meshCache';
import { selectedSeries, type AppState, type AppStore } from './store';
import type { VolumeCache } from './volumeCache';
import { AnalysedSeries, KEEP_ANALYSED } from './analysedSeries';

/** performance.mark names: analysis started, lung masks on screen-ready, all meshes ready. */
export const ANALYSIS_START_MARK = 'lungview:analysis-start';
export const LUNG_MASKS_MARK = 'lungview:lung-masks-ready';
export const MESHES_MARK = 'lungview:meshes-ready';

export interface AnalysisDeps {
  store: AppStore;
  volumes: VolumeCache;
  masks: MaskCache;
  meshes: MeshCache;
  service: AnalysisService;
  now?: () => number;
  /** Minimum time between two progress updates of one stage in the store, in ms. */
  progressIntervalMs?: number;
  /** Records a named moment (performance.mark in the browser). */
  mark?: (name: string) => void;
}

export interface AnalysisController {
  /** Analyses the open series with the store's parameters. Resolves when done, failed or stopped (never rejects). */
  run(): Promise<void>;
  /** Stops the running analysis, if any. */
  cancel(): void;
  /**
   * Runs on every newly opened CT series (other modalities have no HU, so
   * only Run starts them) and stops on every new load; returns the
   * unsubscribe function.
   */
  attach(): () => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function defaultMark(name: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') {
    performance.clearMarks(name);
    performance.mark(name);
  }
}

/** What a step of the schedule works with: the run's series, volume and parameters, and how it hands results on. */
interface RunContext {
  service: AnalysisService;
  seriesId: string;
  volume: Volume;
  params: AppState['analysisParams'];
  /** The slice on screen when the run started (the centre of GK's slices). */
  centreSlice: number;
  runId: number;
  act: () => AppState;
  putMask(kind: MaskKind, data: Uint8Array, zOffset: number, nz: number, bits?: MaskBits): string;
  putMesh(kind: AnalysisMeshKind, m: MeshOutput): void;
  mark(name: string): void;
  alive(): boolean;
  /** The series' geometry verdict and rescale warning (judged with the lungs by the trust check). */
  series: { geometry3d?: Geometry3dTrust; rescaleWarning?: string };
  /** Densitometry's parameters from the series (kernel, slice thickness, contrast). */
  densitometryParams: DensitometryParams;
  /** The lung masks' label array, once the segment step has it. */
  lungLabels: Uint8Array | null;
}

/** A stage of the schedule: the worker call, then (if the run is still the current one) what is kept of its output. */
interface ScheduledStage<T = unknown> {
  stage: AnalysisStageId;
  call(ctx: RunContext, progress: StageProgressCallback): Promise<T>;
  keep(ctx: RunContext, output: T): void;
}

function scheduled<T>(s: ScheduledStage<T>): ScheduledStage {
  return s as ScheduledStage;
}

/** Between two stages: the masks (as runs) move to a fresh worker and the old one, with the HU copy and the garbage, is stopped. */
const FRESH_WORKER = 'fresh worker';

const segmentStep = scheduled<SegmentOutput>({
  stage: 'segment',
  call: (c, p) => c.service.segment(c.seriesId, c.volume, { thresholdHu: c.params.thresholdHu, background: c.params.background, ...c.series }, p),
  keep(c, seg) {
    // The three lung masks are views of one label array (the internal structures show once their stage is done).
    c.lungLabels = seg.labels;
    const fillId = c.putMask('fill', seg.labels, 0, c.volume.nz, LUNG_LABEL_BITS.fill);
    const noFillId = c.putMask('noFill', seg.labels, 0, c.volume.nz, LUNG_LABEL_BITS.noFill);
    c.act().updateAnalysisResults(c.runId, {
      maskIds: { fill: fillId, noFill: noFillId },
      voxels: { fill: seg.voxels.fill, noFill: seg.voxels.noFill },
      ml: { fill: seg.ml.fill, noFill: seg.ml.noFill },
    });
    c.mark(LUNG_MASKS_MARK);
  },
});

const internalStep = scheduled<InternalOutput>({
  stage: 'internal',
  call: (c, p) => c.service.internal(c.seriesId, c.volume, p),
  keep(c, inner) {
    const r = c.act().analysisResults!;
    if (!c.lungLabels) throw new Error('the internal structures need the lung masks first');
    // The internal structures are label 2 of the lung masks' label array.
    const internalId = c.putMask('internal', c.lungLabels, 0, c.volume.nz, LUNG_LABEL_BITS.internal);
    c.act().updateAnalysisResults(c.runId, {
      maskIds: { ...r.maskIds, internal: internalId },
      voxels: { ...r.voxels, internal: inner.voxels },
      ml: { ...r.ml, internal: inner.ml },
      histogram: inner.histogram,
      trust: { geometryTrusted: inner.trust.geometryTrusted, reasons: inner.trust.reasons },
    });
  },
});

const gkStep = scheduled<GkOutput>({
  stage: 'gk',
  call: (c, p) => c.service.gk(c.seriesId, c.volume, { ...c.params.gk, centreSlice: c.centreSlice }, p),
  keep(c, gk) {
    const gkId = c.putMask('gk', gk.mask, gk.zFrom, gk.planes);
    const r = c.act().analysisResults!;
    c.act().updateAnalysisResults(c.runId, {
      maskIds: { ...r.maskIds, gk: gkId },
      gk: { scope: gk.scope, zFrom: gk.zFrom, planes: gk.planes, perSlice: gk.perSlice, keptVoxels: gk.keptVoxels, ml: gk.ml },
    });
  },
});

/** The bits the split sets in the lung label array (LUNG_LABEL_BITS right / airway, without the measured bit). */
const RIGHT_BIT = LUNG_LABEL_BITS.right.equals & ~LUNG_LABEL_BITS.measured.equals;
const AIRWAY_BIT = LUNG_LABEL_BITS.airway.equals & ~LUNG_LABEL_BITS.measured.equals;

/** The split is extra information: when it throws, the reason is shown and the surfaces still come. */
const splitStep = scheduled<SplitOutput>({
  stage: 'stats',
  async call(c, p) {
    try {
      return await c.service.split(c.seriesId, c.volume, p);
    } catch (e) {
      if (isCancelled(e) || !c.alive()) throw e;
      return { ok: false, reason: `the split stopped with an error: ${message(e)}`, airwayMl: 0, ms: 0 };
    }
  },
  keep(c, split) {
    let maskIds = c.act().analysisResults!.maskIds;
    if (split.ok) {
      if (!c.lungLabels) throw new Error('the split needs the lung masks first');
      // Bits 3 (right) and 4 (airway) of the lung label array from the runs per label; the left lung is the rest of bit 2.
      orRuns(split.runs.right, c.lungLabels, RIGHT_BIT);
      orRuns(split.runs.airway, c.lungLabels, AIRWAY_BIT);
      maskIds = {
        ...maskIds,
        right: c.putMask('right', c.lungLabels, 0, c.volume.nz, LUNG_LABEL_BITS.right),
        left: c.putMask('left', c.lungLabels, 0, c.volume.nz, LUNG_LABEL_BITS.left),
        airway: c.putMask('airway', c.lungLabels, 0, c.volume.nz, LUNG_LABEL_BITS.airway),
      };
    }
    c.act().updateAnalysisResults(c.runId, {
      maskIds,
      split: split.ok
        ? { ok: true, airwayMl: split.airwayMl, rightLungMl: split.rightLungMl, leftLungMl: split.leftLungMl, erosionMm: split.erosionMm, notes: split.notes }
        : { ok: false, reason: split.reason, airwayMl: split.airwayMl },
    });
  },
});

function surfaceStep(stage: AnalysisStageId, kind: AnalysisMeshKind): ScheduledStage {
  return scheduled<MeshOutput>({
    stage,
    call: (c, p) => c.service.mesh(c.seriesId, c.volume, kind, c.params.mesh, p),
    keep: (c, m) => c.putMesh(kind, m),
  });
}

/** The mask measured: the inclusive one made (it needs the HU values, so it runs before the first fresh worker), or a tutorial mask chosen. */
const measureStep = scheduled<MeasureOutput>({
  stage: 'measure',
  call: (c, p) => c.service.measure(c.seriesId, c.volume, { lungMask: c.params.lungMask, inclusive: { effusion: c.params.effusion } }, p),
  keep(c, m) {
    const voxelMl = m.voxels > 0 ? m.ml / m.voxels : 0;
    if (!c.lungLabels) throw new Error('the lungs measured need the lung masks first');
    // Bit 2 of the lung label array (internal structures are read with bits 0-1 only, so they are unchanged).
    orRuns(m.runs, c.lungLabels, LUNG_LABEL_BITS.measured.equals);
    const measuredId = c.putMask('measured', c.lungLabels, 0, c.volume.nz, LUNG_LABEL_BITS.measured);
    const r = c.act().analysisResults!;
    const fov = m.inclusive?.fieldOfView;
    const trust = r.trust && fov?.cut && fov.reason ? { geometryTrusted: false, reasons: [...r.trust.reasons, fov.reason] } : r.trust;
    c.act().updateAnalysisResults(c.runId, {
      measured: { lungMask: m.lungMask, ml: m.ml, addedMl: m.inclusive ? m.inclusive.voxels.added * voxelMl : null, notes: m.inclusive?.notes ?? [] },
      maskIds: { ...r.maskIds, measured: measuredId },
      trust,
    });
  },
});

/** Densitometry of the split lungs from the split's runs per label (kept in the worker); the worker gets the HU values again (they went with the first fresh worker). */
const densitometryStep = scheduled<DensitometryOutput>({
  stage: 'densitometry',
  call: (c, p) => c.service.densitometry(c.seriesId, c.volume, { ...c.densitometryParams }, p),
  keep(c, d) {
    c.act().updateAnalysisResults(c.runId, {
      densitometry: d.result,
      densitometryNote: d.result ? undefined : `No densitometry: it needs the left and right lungs apart, and the split failed (${d.reason ?? 'unknown reason'}).`,
    });
  },
});

/**
 * The browser's schedule, memory first: the stages that need the HU values
 * (masks, internal structures and lung HU, GK) come first, then a fresh
 * worker without them; the lung surface (what the 3D view waits for) next;
 * each later stage in a worker of its own, so the garbage of the one before
 * goes first.
 */
export const BROWSER_SCHEDULE: readonly (ScheduledStage | typeof FRESH_WORKER)[] = [
  segmentStep,
  internalStep,
  gkStep,
  measureStep,
  FRESH_WORKER,
  surfaceStep('meshLung', 'lung'),
  FRESH_WORKER,
  splitStep,
  FRESH_WORKER,
  surfaceStep('meshInternal', 'internal'),
  FRESH_WORKER,
  surfaceStep('meshGk', 'gk'),
  FRESH_WORKER,
  densitometryStep,
];

/** What the trust check needs of the series (nothing when it is not known). */
function seriesTrustInput(s: SeriesSummary | null): RunContext['series'] {
  const out: RunContext['series'] = {};
  if (s?.geometry3d) out.geometry3d = s.geometry3d;
  if (s?.rescaleWarning) out.rescaleWarning = s.rescaleWarning;
  return out;
}

/** Not an error: the run was replaced or stopped. */
class Superseded extends Error {}

export function createAnalysisController(deps: AnalysisDeps): AnalysisController {
  const { store, volumes, masks, meshes, service } = deps;
  const now = deps.now ?? (() => performance.now());
  const interval = deps.progressIntervalMs ?? 60;
  const mark = deps.mark ?? defaultMark;
  const act = () => store.getState();
  let job = 0;
  let running = false;

  const analysed = new AnalysedSeries({
    ...KEEP_ANALYSED,
    maskBytes: (id) => masks.seriesByteLength(id),
    drop: (id) => {
      masks.deleteSeries(id);
      meshes.deleteSeries(id);
    },
  });

  function clearCaches(): void {
    masks.clear();
    meshes.clear();
    analysed.clear();
  }

  /** Keeps the analysis of the series left (if it finished), or drops what it left in the caches. */
  function leave(prev: AppState): void {
    const id = prev.selectedSeriesId;
    if (id === null) return;
    const a = prev.analysis;
    if (a.phase === 'done' && a.seriesId === id && prev.analysisResults?.seriesId === id) {
      const { analysis, analysisResults, meshes: meshMetas, pickedPoint } = prev;
      analysed.keep(id, { analysis, analysisResults, meshes: meshMetas, pickedPoint }, prev.analysisParams);
    } else {
      analysed.forget(id);
    }
  }

  /** Shows the kept analysis of the open series if it ran with today's parameters, else runs it. */
  function reuseOrRun(): Promise<void> {
    const s = act();
    const id = s.selectedSeriesId;
    const snapshot = id !== null && s.load.phase === 'done' ? analysed.take(id, s.analysisParams) : undefined;
    // Its masks must still be there (Clear empties the caches).
    if (snapshot && Object.values(snapshot.analysisResults?.maskIds ?? {}).every((m) => masks.get(m))) {
      act().restoreAnalysis(snapshot);
      return Promise.resolve();
    }
    return run();
  }

  function cancel(): void {
    if (!running) return;
    job++;
    running = false;
    service.cancel();
    act().cancelAnalysis(now());
  }

  async function run(): Promise<void> {
    cancel();
    const s = act();
    const selected = s.selectedSeriesId;
    const found: Volume | undefined = volumes.get(selected);
    if (!selected || !found || s.load.phase !== 'done') return;
    const seriesId: string = selected;
    const volume: Volume = found;
    const problems = analysisParamProblems(s.analysisParams);
    if (problems.length) {
      act().addError(`Analysis not started: ${problems.join(' ')}`);
      return;
    }
    const my = ++job;
    running = true;
    const params = s.analysisParams;
    const centreSlice = s.sliceZ;
    analysed.forget(seriesId);
    const runId = act().beginAnalysis(seriesId, now());
    mark(ANALYSIS_START_MARK);
    const alive = () => my === job;
    const prefix = `${seriesId}#${runId}`;

    async function stage(step: ScheduledStage): Promise<void> {
      const id = step.stage;
      if (!alive()) throw new Superseded();
      act().startStage(id);
      const t0 = now();
      let last = -Infinity;
      const progress: StageProgressCallback = (f, step) => {
        if (!alive()) return;
        const t = now();
        if (t - last >= interval) {
          last = t;
          act().setStageProgress(id, f, step);
        }
      };
      const output = await step.call(ctx, progress);
      if (!alive()) throw new Superseded();
      step.keep(ctx, output);
      act().finishStage(id, now() - t0);
    }

    /** Moves the masks to a fresh worker (see the memory note above). */
    async function recycle(): Promise<void> {
      if (service.recycleWorker) await service.recycleWorker(seriesId);
      if (!alive()) throw new Superseded();
    }

    function putMask(kind: MaskKind, data: Uint8Array, zOffset: number, nz: number, bits?: MaskBits): string {
      const id = `${prefix}:${kind}`;
      masks.set(id, { kind, seriesId, nx: volume.nx, ny: volume.ny, nz, zOffset, data, ...(bits ? { bits } : {}) });
      return id;
    }

    function putMesh(kind: AnalysisMeshKind, m: MeshOutput): void {
      const id = `${prefix}:mesh:${kind}`;
      // Only the drawn surface: a decimated one's full mesh stayed in the worker and is gone (exports remake it).
      const drawn = m.display ?? m.full;
      if (!drawn) throw new Error(`the ${kind} surface came back without a mesh`);
      meshes.set(id, { mesh: drawn, heightColors: m.heightColors }, seriesId);
      const meta: MeshMeta = {
        id,
        kind,
        seriesId,
        triangles: m.triangles,
        vertices: m.vertices,
        displayTriangles: m.displayTriangles,
        decimated: m.display !== null,
        areaMm2: m.areaMm2,
        volumeMl: m.volumeMl,
        surface: { stepSize: params.mesh.stepSize, smoothIterations: params.mesh.smoothIterations },
      };
      act().setMesh(kind, meta);
    }

    const ctx: RunContext = { service, seriesId, volume, params, centreSlice, runId, act, putMask, putMesh, mark, alive, lungLabels: null, series: seriesTrustInput(selectedSeries(s)),
      densitometryParams: densitometryParamsOf(selectedSeries(s)!, LUNG_MASK_NAMES[params.lungMask]) };
    try {
      for (const entry of BROWSER_SCHEDULE) {
        if (entry === FRESH_WORKER) await recycle();
        else await stage(entry);
      }
      mark(MESHES_MARK);
      running = false;
      // Everything is in the page's caches: the worker's memory (and its garbage) can go.
      service.releaseWorker?.();
      act().finishAnalysis(now());
    } catch (e) {
      if (!alive() || e instanceof Superseded) return;
      running = false;
      if (isCancelled(e)) {
        act().cancelAnalysis(now());
        return;
      }
      const text = `Analysis failed: ${message(e)}`;
      act().failAnalysis(text, now());
      act().addError(text);
    }
  }

  function attach(): () => void {
    return store.subscribe((state: AppState, prev: AppState) => {
      const loadStarted = state.load.phase === 'collecting' && prev.load.phase !== 'collecting';
      if (loadStarted) {
        cancel();
        clearCaches();
        return;
      }
      const opened =
        state.load.phase === 'done' &&
        state.selectedSeriesId !== null &&
        (prev.load.phase !== 'done' || prev.selectedSeriesId !== state.selectedSeriesId);
      if (state.selectedSeriesId !== prev.selectedSeriesId) {
        // Another series (also while a load adds series): the one left is kept or let go.
        cancel();
        leave(prev);
      }
      if (opened) {
        cancel();
        if (selectedSeries(state)?.modality !== 'CT') return;
        // After this notification has reached every listener (they may restore the series' parameters; run() updates the store itself).
        void Promise.resolve().then(reuseOrRun);
      }
    });
  }

  return { run, cancel, attach };
}
