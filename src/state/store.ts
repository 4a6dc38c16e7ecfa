/**
 * The application store: metadata, view parameters and job status.
 *
 * Typed arrays never live here (they are in volumeCache, keyed by series id).
 * State is replaced, never mutated. The slice canvas reads this store through
 * `subscribe`; React panels read it through `useAppStore(selector)`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { SeriesSummary, SkippedFile } from '../core/dicom/types';
import type { Vec3 } from '../core/volume/volume';
import { WINDOW_PRESETS, seriesWindow, type WindowLevel } from '../viewer2d/windowLevel';
import { clampZoom, type ViewParams } from '../viewer2d/viewTransform';
import { MESH_KINDS, type MeshKind, type MeshMeta } from './meshCache';

export type LoadPhase = 'idle' | 'collecting' | 'parsing' | 'assembling' | 'done' | 'cancelled' | 'error';

export interface LoadStatus {
  phase: LoadPhase;
  /** What is being loaded, for the progress line ("2 folders", "demo scan"). */
  source: string;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
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

export type DragMode = 'window' | 'pan';

/** 'series' = the series' own WindowCenter/Width, a preset id, or 'custom'. */
export type WindowSource = string;

export interface AppData {
  load: LoadStatus;
  /** Errors shown in the error banner until dismissed. */
  errors: string[];
  /** Warnings about the load as a whole (per-series warnings live in each summary). */
  warnings: string[];
  series: SeriesSummary[];
  skipped: SkippedFile[];
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
}

export interface AppActions {
  beginLoad(source: string, nowMs: number): void;
  setCollected(filesTotal: number, bytesTotal: number): void;
  setProgress(filesDone: number, bytesDone: number): void;
  setPhase(phase: LoadPhase): void;
  /** Series are ready (their volumes are in the cache): show them and open the default one. */
  finishLoad(series: SeriesSummary[], skipped: SkippedFile[], warnings: string[], nowMs: number): void;
  cancelLoad(nowMs: number): void;
  failLoad(message: string, nowMs: number): void;
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

export const DEFAULT_VIEW3D: View3dSettings = {
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
export const DEFAULT_WINDOW_SOURCE = 'lung';
export const DEFAULT_VIEW: ViewParams = { zoom: 1, panXPx: 0, panYPx: 0 };

const IDLE_LOAD: LoadStatus = {
  phase: 'idle',
  source: '',
  filesTotal: 0,
  filesDone: 0,
  bytesTotal: 0,
  bytesDone: 0,
  startedAtMs: null,
  finishedAtMs: null,
};

export function initialData(): AppData {
  return {
    load: IDLE_LOAD,
    errors: [],
    warnings: [],
    series: [],
    skipped: [],
    selectedSeriesId: null,
    sliceZ: 0,
    window: DEFAULT_WINDOW,
    windowSource: DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    dragMode: 'window',
    cursor: null,
    showPatientIds: false,
    meshes: noMeshes(),
    pickedPoint: null,
    view3d: DEFAULT_VIEW3D,
  };
}

/** Slices in a series' volume. */
export function seriesSliceCount(s: SeriesSummary): number {
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

/** State for a freshly opened series: middle slice, its own window, fitted view. */
function openedSeries(s: SeriesSummary): Partial<AppData> {
  const own = seriesWindow(s.firstHeader.windowCenter, s.firstHeader.windowWidth);
  return {
    selectedSeriesId: s.id,
    sliceZ: Math.floor((seriesSliceCount(s) - 1) / 2),
    window: own ?? DEFAULT_WINDOW,
    windowSource: own ? 'series' : DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    cursor: null,
  };
}

export function createAppStore(init: Partial<AppData> = {}): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...initialData(),
    ...init,

    beginLoad(source, nowMs) {
      set({
        load: { ...IDLE_LOAD, phase: 'collecting', source, startedAtMs: nowMs },
        errors: [],
        warnings: [],
        series: [],
        skipped: [],
        selectedSeriesId: null,
        sliceZ: 0,
        cursor: null,
      });
    },
    setCollected(filesTotal, bytesTotal) {
      set({ load: { ...get().load, phase: 'parsing', filesTotal, bytesTotal, filesDone: 0, bytesDone: 0 } });
    },
    setProgress(filesDone, bytesDone) {
      const load = get().load;
      set({
        load: {
          ...load,
          filesDone: Math.min(load.filesTotal, filesDone),
          bytesDone: Math.min(load.bytesTotal, bytesDone),
        },
      });
    },
    setPhase(phase) {
      set({ load: { ...get().load, phase } });
    },
    finishLoad(series, skipped, warnings, nowMs) {
      const best = pickDefaultSeries(series);
      const errors = series.length === 0 ? [noSeriesMessage(skipped.length)] : get().errors;
      set({
        load: { ...get().load, phase: 'done', finishedAtMs: nowMs },
        series,
        skipped,
        warnings,
        errors,
        ...(best ? openedSeries(best) : { selectedSeriesId: null }),
      });
    },
    cancelLoad(nowMs) {
      set({ load: { ...get().load, phase: 'cancelled', finishedAtMs: nowMs } });
    },
    failLoad(message, nowMs) {
      set({ load: { ...get().load, phase: 'error', finishedAtMs: nowMs }, errors: [...get().errors, message] });
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
      set(openedSeries(s));
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
      const v = get().view;
      const zoom = clampZoom(v.zoom * factor);
      const f = zoom / v.zoom;
      // Zoom about the viewport centre: the pan offset scales with the image.
      set({ view: { zoom, panXPx: v.panXPx * f, panYPx: v.panYPx * f } });
    },
    resetView() {
      set({ view: DEFAULT_VIEW });
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
  }));
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
