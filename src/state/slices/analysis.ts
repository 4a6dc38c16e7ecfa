/**
 * Analysis slice of the store: the parameters of the next run, the status of
 * the current (or last) run per stage, its numbers, its meshes and the point
 * picked on a slice. `analysisCleared` is what every slice that opens or
 * drops a series spreads into its update.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { Vec3 } from '../../core/volume/volume';
import { MESH_KINDS, type MeshKind, type MeshMeta } from '../meshCache';
import {
  DEFAULT_ANALYSIS_UI_PARAMS,
  IDLE_ANALYSIS,
  idleStages,
  type AnalysisResults,
  type AnalysisStageId,
  type AnalysisStatus,
  type AnalysisUiParams,
  type GkUiParams,
  type MeshUiParams,
  type StageState,
} from '../analysisState';
import type { AppState } from '../store';
import { clamp01 } from './common';

/** Patch of the analysis parameters (gk and mesh patched field by field). */
export interface AnalysisParamsPatch {
  thresholdHu?: number;
  background?: AnalysisUiParams['background'];
  lungMask?: AnalysisUiParams['lungMask'];
  effusion?: AnalysisUiParams['effusion'];
  gk?: Partial<GkUiParams>;
  mesh?: Partial<MeshUiParams>;
}

/** A point the person picked on a slice: shown in 3D and used as the crop centre. */
export interface PickedPoint {
  /** Voxel indices (x, y, z) in the selected series. */
  voxel: Vec3;
  patientMm: Vec3;
}

export interface AnalysisData {
  /** Meshes of the selected series, per kind (buffers in meshCache). */
  meshes: Record<MeshKind, MeshMeta | null>;
  pickedPoint: PickedPoint | null;
  /** Parameters of the next analysis run. */
  analysisParams: AnalysisUiParams;
  /** Status of the current (or last) analysis, per stage. */
  analysis: AnalysisStatus;
  /** Numbers of the current analysis (null before the first stage finished). */
  analysisResults: AnalysisResults | null;
}

export interface AnalysisActions {
  /** Replace (or clear, with null) the mesh of one kind. */
  setMesh(kind: MeshKind, meta: MeshMeta | null): void;
  setPickedPoint(point: PickedPoint | null): void;
  setAnalysisParams(patch: AnalysisParamsPatch): void;
  /** A new analysis of `seriesId` starts: every stage pending, previous results and meshes cleared. */
  beginAnalysis(seriesId: string, nowMs: number): number;
  startStage(stage: AnalysisStageId): void;
  setStageProgress(stage: AnalysisStageId, fraction: number, step?: string): void;
  finishStage(stage: AnalysisStageId, ms: number): void;
  /** Merges numbers into the results of run `runId` (ignored for any other run). */
  updateAnalysisResults(runId: number, patch: Partial<Omit<AnalysisResults, 'seriesId' | 'runId'>>): void;
  finishAnalysis(nowMs: number): void;
  /** The running stage failed: it is marked as such and the message kept. */
  failAnalysis(message: string, nowMs: number): void;
  cancelAnalysis(nowMs: number): void;
  /** Shows an analysis kept from earlier in the session (its masks and meshes are still in the caches). */
  restoreAnalysis(snapshot: Pick<AnalysisData, 'analysis' | 'analysisResults' | 'meshes' | 'pickedPoint'>): void;
}

export type AnalysisSlice = AnalysisData & AnalysisActions;

function noMeshes(): Record<MeshKind, MeshMeta | null> {
  return Object.fromEntries(MESH_KINDS.map((k) => [k, null])) as Record<MeshKind, MeshMeta | null>;
}

export function analysisDefaults(): AnalysisData {
  return {
    meshes: noMeshes(),
    pickedPoint: null,
    analysisParams: DEFAULT_ANALYSIS_UI_PARAMS,
    analysis: IDLE_ANALYSIS,
    analysisResults: null,
  };
}

/** Analysis state for a series that is not analysed yet (the run counter keeps counting; the parameters stay). */
export function analysisCleared(current: AnalysisStatus): Omit<AnalysisData, 'analysisParams'> {
  return {
    analysis: { ...IDLE_ANALYSIS, runId: current.runId, stages: idleStages() },
    analysisResults: null,
    meshes: noMeshes(),
    pickedPoint: null,
  };
}

type StageMap = AnalysisStatus['stages'];

export const createAnalysisSlice: StateCreator<AppState, [], [], AnalysisSlice> = (set, get) => {
  function setStage(stage: AnalysisStageId, status: StageMap[AnalysisStageId]): void {
    const a = get().analysis;
    set({ analysis: { ...a, stages: { ...a.stages, [stage]: status } } });
  }

  /** The stages in `from` marked `to`, the others as they were. */
  function markStages(stages: StageMap, from: readonly StageState[], to: StageState): StageMap {
    const next = { ...stages };
    for (const [k, st] of Object.entries(next) as [AnalysisStageId, StageMap[AnalysisStageId]][]) {
      if (from.includes(st.state)) next[k] = { ...st, state: to };
    }
    return next;
  }

  return {
    ...analysisDefaults(),

    setMesh(kind, meta) {
      set({ meshes: { ...get().meshes, [kind]: meta } });
    },
    setPickedPoint(point) {
      set({ pickedPoint: point });
    },
    setAnalysisParams(patch) {
      const p = get().analysisParams;
      set({
        analysisParams: {
          ...p,
          ...(patch.thresholdHu !== undefined ? { thresholdHu: patch.thresholdHu } : {}),
          ...(patch.background !== undefined ? { background: patch.background } : {}),
          ...(patch.lungMask !== undefined ? { lungMask: patch.lungMask } : {}),
          ...(patch.effusion !== undefined ? { effusion: patch.effusion } : {}),
          gk: patch.gk ? { ...p.gk, ...patch.gk } : p.gk,
          mesh: patch.mesh ? { ...p.mesh, ...patch.mesh } : p.mesh,
        },
      });
    },
    beginAnalysis(seriesId, nowMs) {
      const runId = get().analysis.runId + 1;
      set({
        analysis: { phase: 'running', seriesId, runId, stages: idleStages(), error: null, startedAtMs: nowMs, finishedAtMs: null },
        analysisResults: { seriesId, runId, maskIds: {}, voxels: {}, ml: {}, timingsMs: {} },
        meshes: noMeshes(),
      });
      return runId;
    },
    startStage(stage) {
      setStage(stage, { state: 'running', fraction: 0, step: '', ms: null });
    },
    setStageProgress(stage, fraction, step) {
      const cur = get().analysis.stages[stage];
      if (cur.state !== 'running') return;
      setStage(stage, { ...cur, fraction: clamp01(fraction), step: step ?? cur.step });
    },
    finishStage(stage, ms) {
      setStage(stage, { state: 'done', fraction: 1, step: '', ms });
      const r = get().analysisResults;
      if (r) set({ analysisResults: { ...r, timingsMs: { ...r.timingsMs, [stage]: ms } } });
    },
    updateAnalysisResults(runId, patch) {
      const r = get().analysisResults;
      if (!r || r.runId !== runId) return;
      set({ analysisResults: { ...r, ...patch } });
    },
    finishAnalysis(nowMs) {
      set({ analysis: { ...get().analysis, phase: 'done', finishedAtMs: nowMs } });
    },
    failAnalysis(message, nowMs) {
      const a = get().analysis;
      const stages = markStages(a.stages, ['running'], 'error');
      set({ analysis: { ...a, phase: 'error', stages, error: message, finishedAtMs: nowMs } });
    },
    cancelAnalysis(nowMs) {
      const a = get().analysis;
      if (a.phase !== 'running') return;
      const stages = markStages(a.stages, ['running', 'pending'], 'cancelled');
      set({ analysis: { ...a, phase: 'cancelled', stages, finishedAtMs: nowMs } });
    },
    restoreAnalysis(snapshot) {
      const { analysis, analysisResults, meshes, pickedPoint } = snapshot;
      set({ analysis, analysisResults, meshes, pickedPoint });
    },
  };
};
