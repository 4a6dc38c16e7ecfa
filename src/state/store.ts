/**
 * The application store: metadata, view parameters and job status.
 *
 * Typed arrays never live here (volumes are in volumeCache, masks in
 * maskCache, meshes in meshCache, all keyed by id). State is replaced, never
 * mutated. The slice canvases read this store through `subscribe`; React
 * panels read it through `useAppStore(selector)`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { SeriesSummary, SkippedFile } from '../core/dicom/types';
import type { Vec3 } from '../core/volume/volume';
import {
  WINDOW_PRESETS,
  clampZoom,
  seriesWindow,
  type SliceAxis,
  type SliceColormap,
  type ViewParams,
  type WindowLevel,
} from '../shared/view';
import { MESH_KINDS, type MeshKind, type MeshMeta } from './meshCache';
import {
  DEFAULT_ANALYSIS_UI_PARAMS,
  DEFAULT_CROP,
  DEFAULT_OVERLAYS,
  IDLE_ANALYSIS,
  idleStages,
  type AnalysisResults,
  type AnalysisStageId,
  type AnalysisStatus,
  type AnalysisUiParams,
  type CropSettings,
  type GkUiParams,
  type MeshUiParams,
  type OverlayKind,
  type OverlaySetting,
} from './analysisState';

/**
 * collecting: listing what was dropped; parsing: reading the headers (and
 * the pixels of files that cannot be streamed); assembling: grouping and
 * allocating the volumes; streaming: the series are known and shown while
 * their slices' pixels arrive; done: every volume is complete.
 */
export type LoadPhase = 'idle' | 'collecting' | 'parsing' | 'assembling' | 'streaming' | 'done' | 'cancelled' | 'error';

/** The load is still running (it can be cancelled). */
export function loadRunning(phase: LoadPhase): boolean {
  return phase === 'collecting' || phase === 'parsing' || phase === 'assembling' || phase === 'streaming';
}

/** The series' volumes can be shown: complete, or being filled slice by slice. */
export function volumesViewable(phase: LoadPhase): boolean {
  return phase === 'streaming' || phase === 'done';
}

export interface LoadStatus {
  phase: LoadPhase;
  /** What is being loaded, for the progress line ("2 folders", "demo scan"). */
  source: string;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Slices of all volumes, and those whose pixels are in place (streaming). */
  slicesTotal: number;
  slicesDone: number;
  /** performance.now() when the load started and ended (null while unknown). */
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

/** What is under the mouse pointer on the slice view. */
export interface CursorInfo {
  /** Voxel indices. */
  x: number;
  y: number;
  z: number;
  hu: number;
  patientMm: Vec3;
}

/** What a left-drag does: window/level, pan, or pick a point (a click sets the picked point). */
export type DragMode = 'window' | 'pan' | 'pick';

/** The centre column's views. */
export type CentreTab = 'axial' | 'coronal' | 'sagittal' | 'mpr' | 'story' | '3d';
export const CENTRE_TABS: readonly CentreTab[] = ['axial', 'coronal', 'sagittal', 'mpr', 'story', '3d'];

/** Patch of the analysis parameters (gk and mesh patched field by field). */
export interface AnalysisParamsPatch {
  thresholdHu?: number;
  background?: AnalysisUiParams['background'];
  gk?: Partial<GkUiParams>;
  mesh?: Partial<MeshUiParams>;
}

/** 'series' = the series' own WindowCenter/Width, a preset id, or 'custom'. */
export type WindowSource = string;

export interface AppData {
  /** The load that made the open series (or the one running in their place). */
  load: LoadStatus;
  /**
   * A load adding to the series already open (while `load` stays done and
   * they stay on screen): its progress until its series are known, when it
   * becomes `load`; null otherwise. A drop that yields nothing usable ends
   * here and leaves the session as it was.
   */
  adding: LoadStatus | null;
  /** Errors shown in the error banner until dismissed. */
  errors: string[];
  /** Warnings about the load as a whole (per-series warnings live in each summary). */
  warnings: string[];
  series: SeriesSummary[];
  skipped: SkippedFile[];
  /** The list of skipped files is unfolded (the load line's link opens it). */
  skippedOpen: boolean;
  selectedSeriesId: string | null;
  /** Current slice index along z (0 = first slice in volume order). */
  sliceZ: number;
  window: WindowLevel;
  windowSource: WindowSource;
  view: ViewParams;
  dragMode: DragMode;
  cursor: CursorInfo | null;
  showPatientIds: boolean;
  /** Meshes of the selected series, per kind (buffers in meshCache). */
  meshes: Record<MeshKind, MeshMeta | null>;
  pickedPoint: PickedPoint | null;
  view3d: View3dSettings;
  /** Parameters of the next analysis run. */
  analysisParams: AnalysisUiParams;
  /** Status of the current (or last) analysis, per stage. */
  analysis: AnalysisStatus;
  /** Numbers of the current analysis (null before the first stage finished). */
  analysisResults: AnalysisResults | null;
  overlays: Record<OverlayKind, OverlaySetting>;
  /** Colour map of the slice image. */
  sliceColormap: SliceColormap;
  /** Crop window around the picked point (3D crop and the crop-box overlay). */
  crop: CropSettings;
  /** Voxel column (x) and row (y) of the linked crosshair; its slice is sliceZ. */
  crosshair: { x: number; y: number };
  /** The view keys and toolbar zoom act on. */
  activeView: SliceAxis;
  /** Zoom and pan of the coronal and sagittal views (the axial one is `view`). */
  mprViews: { coronal: ViewParams; sagittal: ViewParams };
  centreTab: CentreTab;
  showCrosshair: boolean;
  helpOpen: boolean;
  /** Story step shown large (0..3), or null for the four-up grid. */
  storyEnlarged: number | null;
}

export interface AppActions {
  /**
   * A load starts. By default it replaces the session (series, skipped files,
   * analysis); with `add` (only when a load is done and has series) the open
   * series stay on screen while it runs and its series join them (`adding`).
   */
  beginLoad(source: string, nowMs: number, add?: boolean): void;
  setCollected(filesTotal: number, bytesTotal: number): void;
  setProgress(filesDone: number, bytesDone: number): void;
  setPhase(phase: LoadPhase): void;
  /**
   * The series are known and their volumes allocated (in the cache), with
   * `slicesDone` of `slicesTotal` slices in place: show them, open the
   * default one; the rest of the pixels stream in (setSlicesDone).
   */
  beginStreaming(
    series: SeriesSummary[],
    skipped: SkippedFile[],
    warnings: string[],
    slicesTotal: number,
    slicesDone: number,
    /** The series to pick the one to open from (default: all; an added load opens one of its own). */
    openFrom?: readonly SeriesSummary[],
  ): void;
  setSlicesDone(slicesDone: number): void;
  /**
   * Every volume is complete. After beginStreaming, keeps the open series and
   * view (series, skipped and warnings replace the streaming ones); without
   * it, shows the series and opens the default one.
   */
  finishLoad(series: SeriesSummary[], skipped: SkippedFile[], warnings: string[], nowMs: number): void;
  /**
   * An added load yielded nothing to add: the session stays as it was, the
   * reason is shown as an error and the load's skipped files and warnings
   * join the session's.
   */
  ignoreLoad(reason: string, skipped: SkippedFile[], warnings: string[]): void;
  cancelLoad(nowMs: number): void;
  failLoad(message: string, nowMs: number): void;
  /** Empties the session: no series, no load, no analysis (the caches are cleared by the caller). */
  clearSession(): void;
  setSkippedOpen(open: boolean): void;
  addError(message: string): void;
  dismissError(index: number): void;
  selectSeries(id: string): void;
  setSlice(z: number): void;
  stepSlice(delta: number): void;
  setWindow(wl: WindowLevel, source?: WindowSource): void;
  applyWindowPreset(id: string): void;
  setView(view: ViewParams): void;
  zoomBy(factor: number): void;
  resetView(): void;
  setDragMode(mode: DragMode): void;
  setCursor(cursor: CursorInfo | null): void;
  setShowPatientIds(show: boolean): void;
  /** Replace (or clear, with null) the mesh of one kind. */
  setMesh(kind: MeshKind, meta: MeshMeta | null): void;
  setPickedPoint(point: PickedPoint | null): void;
  setView3d(settings: Partial<View3dSettings>): void;
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
  setOverlay(kind: OverlayKind, patch: Partial<OverlaySetting>): void;
  setSliceColormap(map: SliceColormap): void;
  setCrop(patch: Partial<CropSettings>): void;
  setCrosshair(x: number, y: number): void;
  /** Moves the crosshair and the axial slice to a voxel (every view follows). */
  moveToVoxel(x: number, y: number, z: number): void;
  setActiveView(axis: SliceAxis): void;
  /** Zoom and pan of one view. */
  setAxisView(axis: SliceAxis, view: ViewParams): void;
  setCentreTab(tab: CentreTab): void;
  setShowCrosshair(show: boolean): void;
  setHelpOpen(open: boolean): void;
  setStoryEnlarged(step: number | null): void;
}

export type AppState = AppData & AppActions;

/** How the 3D view draws its meshes. */
export interface View3dSettings {
  colorMode: 'single' | 'height';
  showEdges: boolean;
  visible: Record<MeshKind, boolean>;
  /** CSS colours (#rrggbb) per mesh kind, used in 'single' mode. */
  colors: Record<MeshKind, string>;
  opacity: Record<MeshKind, number>;
}

/** A point the person picked on a slice: shown in 3D and used as the crop centre. */
export interface PickedPoint {
  /** Voxel indices (x, y, z) in the selected series. */
  voxel: Vec3;
  patientMm: Vec3;
}

const DEFAULT_VIEW3D: View3dSettings = {
  colorMode: 'single',
  showEdges: false,
  visible: { lung: true, internal: true, gk: true, crop: true },
  colors: { lung: '#e8a87c', internal: '#d64545', gk: '#f2d024', crop: '#5dade2' },
  opacity: { lung: 0.35, internal: 1, gk: 1, crop: 1 },
};

function noMeshes(): Record<MeshKind, MeshMeta | null> {
  return Object.fromEntries(MESH_KINDS.map((k) => [k, null])) as Record<MeshKind, MeshMeta | null>;
}
export type AppStore = StoreApi<AppState>;

/** Window used when a series has no usable WindowCenter/Width of its own. */
export const DEFAULT_WINDOW: WindowLevel = { center: -600, width: 1500 };
const DEFAULT_WINDOW_SOURCE = 'lung';
export const DEFAULT_VIEW: ViewParams = { zoom: 1, panXPx: 0, panYPx: 0 };

const IDLE_LOAD: LoadStatus = {
  phase: 'idle',
  source: '',
  filesTotal: 0,
  filesDone: 0,
  bytesTotal: 0,
  bytesDone: 0,
  slicesTotal: 0,
  slicesDone: 0,
  startedAtMs: null,
  finishedAtMs: null,
};

/** What the session holds before the first load and after Clear (the analysis state aside). */
function emptySession() {
  return {
    load: IDLE_LOAD,
    adding: null,
    errors: [],
    warnings: [],
    series: [],
    skipped: [],
    skippedOpen: false,
    selectedSeriesId: null,
    sliceZ: 0,
    cursor: null,
    crosshair: { x: 0, y: 0 },
  } satisfies Partial<AppData>;
}

export function initialData(): AppData {
  return {
    ...emptySession(),
    window: DEFAULT_WINDOW,
    windowSource: DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    dragMode: 'window',
    showPatientIds: false,
    meshes: noMeshes(),
    pickedPoint: null,
    view3d: DEFAULT_VIEW3D,
    analysisParams: DEFAULT_ANALYSIS_UI_PARAMS,
    analysis: IDLE_ANALYSIS,
    analysisResults: null,
    overlays: DEFAULT_OVERLAYS,
    sliceColormap: 'grey',
    crop: DEFAULT_CROP,
    activeView: 'axial',
    mprViews: { coronal: DEFAULT_VIEW, sagittal: DEFAULT_VIEW },
    centreTab: 'axial',
    showCrosshair: true,
    helpOpen: false,
    storyEnlarged: null,
  };
}

/** Analysis state for a series that is not analysed yet (the run counter keeps counting). */
function noAnalysis(current: AnalysisStatus): Partial<AppData> {
  return {
    analysis: { ...IDLE_ANALYSIS, runId: current.runId, stages: idleStages() },
    analysisResults: null,
    meshes: noMeshes(),
    pickedPoint: null,
  };
}

/** Whether a new load can add to the open series instead of replacing them. */
export function sessionOpen(state: Pick<AppData, 'load' | 'series'>): boolean {
  return state.load.phase === 'done' && state.series.length > 0;
}

/** Slices in a series' volume. */
function seriesSliceCount(s: SeriesSummary): number {
  return s.dimsZyx[0];
}

/**
 * The series to open after a load: the CT series with the most slices (ties:
 * more pixels per slice, then list order); without CT, the largest series.
 */
export function pickDefaultSeries(series: readonly SeriesSummary[]): SeriesSummary | null {
  const size = (s: SeriesSummary) => s.dimsZyx[0] * s.dimsZyx[1] * s.dimsZyx[2];
  let best: SeriesSummary | null = null;
  for (const s of series) {
    if (best === null) {
      best = s;
      continue;
    }
    const isCt = s.modality === 'CT';
    const bestCt = best.modality === 'CT';
    if (isCt !== bestCt) {
      if (isCt) best = s;
      continue;
    }
    const ds = seriesSliceCount(s) - seriesSliceCount(best);
    if (ds > 0 || (ds === 0 && size(s) > size(best))) best = s;
  }
  return best;
}

export function selectedSeries(state: AppData): SeriesSummary | null {
  if (state.selectedSeriesId === null) return null;
  return state.series.find((s) => s.id === state.selectedSeriesId) ?? null;
}

function clampSlice(z: number, s: SeriesSummary | null): number {
  if (!s) return 0;
  const n = seriesSliceCount(s);
  if (!Number.isFinite(z)) return 0;
  return Math.min(n - 1, Math.max(0, Math.round(z)));
}

/** State for a freshly opened series: middle slice, centred crosshair, its own window, fitted views. */
function openedSeries(s: SeriesSummary, current: AnalysisStatus): Partial<AppData> {
  const own = seriesWindow(s.firstHeader.windowCenter, s.firstHeader.windowWidth);
  return {
    selectedSeriesId: s.id,
    sliceZ: Math.floor((seriesSliceCount(s) - 1) / 2),
    crosshair: { x: Math.floor(s.dimsZyx[2] / 2), y: Math.floor(s.dimsZyx[1] / 2) },
    window: own ?? DEFAULT_WINDOW,
    windowSource: own ? 'series' : DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    mprViews: { coronal: DEFAULT_VIEW, sagittal: DEFAULT_VIEW },
    cursor: null,
    ...noAnalysis(current),
  };
}

function clampIndex(v: number, n: number): number {
  if (!Number.isFinite(v) || n <= 0) return 0;
  return Math.min(n - 1, Math.max(0, Math.round(v)));
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

export function createAppStore(init: Partial<AppData> = {}): AppStore {
  const store = createStore<AppState>()((set, get) => ({
    ...initialData(),
    ...init,

    beginLoad(source, nowMs, add = false) {
      const fresh: LoadStatus = { ...IDLE_LOAD, phase: 'collecting', source, startedAtMs: nowMs };
      if (add && sessionOpen(get())) {
        set({ adding: fresh, errors: [] });
        return;
      }
      set({
        adding: null,
        skippedOpen: false,
        load: fresh,
        errors: [],
        warnings: [],
        series: [],
        skipped: [],
        selectedSeriesId: null,
        sliceZ: 0,
        cursor: null,
        ...noAnalysis(get().analysis),
      });
    },
    setCollected(filesTotal, bytesTotal) {
      patchRunning({ phase: 'parsing', filesTotal, bytesTotal, filesDone: 0, bytesDone: 0 });
    },
    setProgress(filesDone, bytesDone) {
      const load = get().adding ?? get().load;
      patchRunning({ filesDone: Math.min(load.filesTotal, filesDone), bytesDone: Math.min(load.bytesTotal, bytesDone) });
    },
    setPhase(phase) {
      patchRunning({ phase });
    },
    beginStreaming(series, skipped, warnings, slicesTotal, slicesDone, openFrom = series) {
      const best = pickDefaultSeries(openFrom);
      set({
        load: { ...(get().adding ?? get().load), phase: 'streaming', slicesTotal, slicesDone },
        adding: null,
        series,
        skipped,
        warnings,
        ...(best ? openedSeries(best, get().analysis) : { selectedSeriesId: null }),
      });
    },
    setSlicesDone(slicesDone) {
      const load = get().load;
      if (load.slicesDone !== slicesDone) set({ load: { ...load, slicesDone: Math.min(load.slicesTotal, slicesDone) } });
    },
    finishLoad(series, skipped, warnings, nowMs) {
      // Errors raised during the load (e.g. a series refused for its size) say more than the generic one.
      const errors = series.length === 0 && get().errors.length === 0 ? [noSeriesMessage(skipped.length)] : get().errors;
      const current = get();
      if (current.load.phase === 'streaming') {
        const keep = series.some((x) => x.id === current.selectedSeriesId);
        const best = keep ? null : pickDefaultSeries(series);
        set({
          load: { ...current.load, phase: 'done', slicesDone: current.load.slicesTotal, finishedAtMs: nowMs },
          series,
          skipped,
          warnings,
          errors,
          ...(keep ? {} : best ? openedSeries(best, current.analysis) : { selectedSeriesId: null }),
        });
        return;
      }
      const best = pickDefaultSeries(series);
      set({
        load: { ...get().load, phase: 'done', finishedAtMs: nowMs },
        series,
        skipped,
        warnings,
        errors,
        ...(best ? openedSeries(best, get().analysis) : { selectedSeriesId: null }),
      });
    },
    ignoreLoad(reason, skipped, warnings) {
      const cur = get();
      set({
        adding: null,
        errors: [...cur.errors, reason],
        skipped: skipped.length ? [...cur.skipped, ...skipped] : cur.skipped,
        warnings: warnings.length ? [...cur.warnings, ...warnings] : cur.warnings,
      });
    },
    cancelLoad(nowMs) {
      // An added load that is stopped leaves the session as it was.
      if (get().adding) set({ adding: null });
      else set({ load: { ...get().load, phase: 'cancelled', finishedAtMs: nowMs } });
    },
    failLoad(message, nowMs) {
      if (get().adding) set({ adding: null, errors: [...get().errors, message] });
      else set({ load: { ...get().load, phase: 'error', finishedAtMs: nowMs }, errors: [...get().errors, message] });
    },
    clearSession() {
      set({ ...emptySession(), ...noAnalysis(get().analysis) });
    },
    setSkippedOpen(open) {
      if (get().skippedOpen !== open) set({ skippedOpen: open });
    },
    addError(message) {
      set({ errors: [...get().errors, message] });
    },
    dismissError(index) {
      set({ errors: get().errors.filter((_, i) => i !== index) });
    },
    selectSeries(id) {
      const s = get().series.find((x) => x.id === id);
      if (!s || id === get().selectedSeriesId) return;
      set(openedSeries(s, get().analysis));
    },
    setSlice(z) {
      const next = clampSlice(z, selectedSeries(get()));
      if (next !== get().sliceZ) set({ sliceZ: next });
    },
    stepSlice(delta) {
      get().setSlice(get().sliceZ + delta);
    },
    setWindow(wl, source = 'custom') {
      if (!(wl.width >= 1) || !Number.isFinite(wl.center)) return;
      set({ window: { center: wl.center, width: wl.width }, windowSource: source });
    },
    applyWindowPreset(id) {
      if (id === 'series') {
        const s = selectedSeries(get());
        const own = s ? seriesWindow(s.firstHeader.windowCenter, s.firstHeader.windowWidth) : null;
        if (own) set({ window: own, windowSource: 'series' });
        return;
      }
      const p = WINDOW_PRESETS.find((x) => x.id === id);
      if (p) set({ window: { center: p.center, width: p.width }, windowSource: p.id });
    },
    setView(view) {
      set({ view: { ...view, zoom: clampZoom(view.zoom) } });
    },
    zoomBy(factor) {
      const axis = get().activeView;
      const v = axisView(get(), axis);
      const zoom = clampZoom(v.zoom * factor);
      const f = zoom / v.zoom;
      // Zoom about the viewport centre: the pan offset scales with the image.
      get().setAxisView(axis, { zoom, panXPx: v.panXPx * f, panYPx: v.panYPx * f });
    },
    resetView() {
      get().setAxisView(get().activeView, DEFAULT_VIEW);
    },
    setDragMode(mode) {
      set({ dragMode: mode });
    },
    setCursor(cursor) {
      set({ cursor });
    },
    setShowPatientIds(show) {
      set({ showPatientIds: show });
    },
    setMesh(kind, meta) {
      set({ meshes: { ...get().meshes, [kind]: meta } });
    },
    setPickedPoint(point) {
      set({ pickedPoint: point });
    },
    setView3d(settings) {
      set({ view3d: { ...get().view3d, ...settings } });
    },
    setAnalysisParams(patch) {
      const p = get().analysisParams;
      set({
        analysisParams: {
          ...p,
          ...(patch.thresholdHu !== undefined ? { thresholdHu: patch.thresholdHu } : {}),
          ...(patch.background !== undefined ? { background: patch.background } : {}),
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
      const stages = { ...a.stages };
      for (const [k, st] of Object.entries(stages) as [AnalysisStageId, (typeof stages)[AnalysisStageId]][]) {
        if (st.state === 'running') stages[k] = { ...st, state: 'error' };
      }
      set({ analysis: { ...a, phase: 'error', stages, error: message, finishedAtMs: nowMs } });
    },
    cancelAnalysis(nowMs) {
      const a = get().analysis;
      if (a.phase !== 'running') return;
      const stages = { ...a.stages };
      for (const [k, st] of Object.entries(stages) as [AnalysisStageId, (typeof stages)[AnalysisStageId]][]) {
        if (st.state === 'running' || st.state === 'pending') stages[k] = { ...st, state: 'cancelled' };
      }
      set({ analysis: { ...a, phase: 'cancelled', stages, finishedAtMs: nowMs } });
    },
    setOverlay(kind, patch) {
      const cur = get().overlays[kind];
      const next = { ...cur, ...patch };
      next.opacity = clamp01(next.opacity);
      set({ overlays: { ...get().overlays, [kind]: next } });
    },
    setSliceColormap(map) {
      set({ sliceColormap: map });
    },
    setCrop(patch) {
      const c = { ...get().crop, ...patch };
      if (!(c.radiusMm > 0) || !Number.isInteger(c.halfSlices) || c.halfSlices < 0) return;
      set({ crop: c });
    },
    setCrosshair(x, y) {
      const s = selectedSeries(get());
      if (!s) return;
      const next = { x: clampIndex(x, s.dimsZyx[2]), y: clampIndex(y, s.dimsZyx[1]) };
      const cur = get().crosshair;
      if (next.x !== cur.x || next.y !== cur.y) set({ crosshair: next });
    },
    moveToVoxel(x, y, z) {
      get().setCrosshair(x, y);
      get().setSlice(z);
    },
    setActiveView(axis) {
      if (get().activeView !== axis) set({ activeView: axis });
    },
    setAxisView(axis, view) {
      const v = { ...view, zoom: clampZoom(view.zoom) };
      if (axis === 'axial') set({ view: v });
      else set({ mprViews: { ...get().mprViews, [axis]: v } });
    },
    setCentreTab(tab) {
      const activeView: SliceAxis = tab === 'coronal' || tab === 'sagittal' ? tab : 'axial';
      set({ centreTab: tab, activeView });
    },
    setShowCrosshair(show) {
      set({ showCrosshair: show });
    },
    setHelpOpen(open) {
      set({ helpOpen: open });
    },
    setStoryEnlarged(step) {
      set({ storyEnlarged: step });
    },
  }));

  /** Progress of the running load: the added one if any, else the session's. */
  function patchRunning(patch: Partial<LoadStatus>): void {
    const { adding, load } = store.getState();
    if (adding) store.setState({ adding: { ...adding, ...patch } });
    else store.setState({ load: { ...load, ...patch } });
  }

  function setStage(stage: AnalysisStageId, status: AnalysisStatus['stages'][AnalysisStageId]): void {
    const a = store.getState().analysis;
    store.setState({ analysis: { ...a, stages: { ...a.stages, [stage]: status } } });
  }
  return store;
}

/** Zoom and pan of the view along `axis`. */
export function axisView(state: Pick<AppData, 'view' | 'mprViews'>, axis: SliceAxis): ViewParams {
  return axis === 'axial' ? state.view : state.mprViews[axis];
}

/** Index of the slice a view along `axis` shows. */
export function axisSliceIndex(state: Pick<AppData, 'sliceZ' | 'crosshair'>, axis: SliceAxis): number {
  return axis === 'axial' ? state.sliceZ : axis === 'coronal' ? state.crosshair.y : state.crosshair.x;
}

function noSeriesMessage(skippedCount: number): string {
  return skippedCount > 0
    ? `No readable image series found: all ${skippedCount} file${skippedCount === 1 ? ' was' : 's were'} skipped (see the list of skipped files).`
    : 'No files found in what was dropped.';
}

/** The one store of the application. */
export const appStore: AppStore = createAppStore();

/** React hook over the application store. Select small pieces to avoid re-renders. */
export function useAppStore<U>(selector: (state: AppState) => U): U {
  return useStore(appStore, selector);
}
