/**
 * Per-series settings remembered in the browser: the window, the 2D views'
 * zoom and pan, the slice and crosshair, the picked point, the crop, the
 * analysis parameters and the measurements of a series are saved (debounced) while it is open
 * and put back when the same series is opened again, in this session or a
 * later one. The key is the series (its UID, its split suffix and its
 * dimensions), never a patient identifier; nothing leaves the browser.
 * Values read back are checked (shape, ranges) and ignored when they do not
 * fit the series; a full or blocked storage only means nothing is remembered.
 */
import type { SeriesSummary } from '../core/dicom/types';
import { analysisParamProblems, DEFAULT_ANALYSIS_UI_PARAMS, type AnalysisUiParams, type CropSettings } from './analysisState';
import type { PickedPoint } from './slices/analysis';
import { seriesAnnotations } from './slices/measurements';
import { MEASUREMENT_KINDS } from '../core/measure/measurementReport';
import type { Annotation } from '../shared/annotations';
import { selectedSeries, type AppData, type AppState, type AppStore } from './store';
import type { ViewParams, WindowLevel } from '../shared/view';

/** The part of a storage this needs (window.localStorage has it). */
export interface SettingsStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const VERSION = 1;
const PREFIX = 'lungview.series.v1:';

export interface SeriesSettings {
  version: typeof VERSION;
  window: WindowLevel;
  windowSource: string;
  view: ViewParams;
  mprViews: { coronal: ViewParams; sagittal: ViewParams };
  sliceZ: number;
  crosshair: { x: number; y: number };
  pickedPoint: PickedPoint | null;
  crop: CropSettings;
  analysisParams: AnalysisUiParams;
  /** The series' rulers, ellipses and bidirectional measurements. */
  annotations: Omit<Annotation, 'seriesId'>[];
}

export function seriesSettingsKey(s: Pick<SeriesSummary, 'id' | 'dimsZyx'>): string {
  return `${PREFIX}${s.id}:${s.dimsZyx.join('x')}`;
}

/** What is remembered of the state (for the open series). */
export function settingsOf(state: AppState): SeriesSettings {
  return {
    version: VERSION,
    window: state.window,
    windowSource: state.windowSource,
    view: state.view,
    mprViews: state.mprViews,
    sliceZ: state.sliceZ,
    crosshair: state.crosshair,
    pickedPoint: state.pickedPoint,
    crop: state.crop,
    analysisParams: state.analysisParams,
    annotations: seriesAnnotations(state, state.selectedSeriesId).map(({ seriesId: _series, ...a }) => a),
  };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isView = (v: unknown): v is ViewParams => {
  const o = v as ViewParams | null;
  return !!o && finite(o.zoom) && o.zoom > 0 && finite(o.panXPx) && finite(o.panYPx);
};
const inRange = (v: unknown, n: number): v is number => finite(v) && Number.isInteger(v) && v >= 0 && v < n;

/**
 * The store update that puts saved settings back on series `s`, or an empty
 * one when the text is not settings of this version; each part that does not
 * fit the series (a slice outside it, parameters the analysis refuses) is left as it is.
 */
export function restoredSettings(text: string | null, s: SeriesSummary, current: readonly Annotation[] = []): Partial<AppData> {
  if (!text) return {};
  let saved: Partial<SeriesSettings>;
  try {
    saved = JSON.parse(text) as Partial<SeriesSettings>;
  } catch {
    return {};
  }
  if (!saved || saved.version !== VERSION) return {};
  const [nz, ny, nx] = s.dimsZyx;
  const out: Partial<AppData> = {};
  const w = saved.window;
  if (w && finite(w.center) && finite(w.width) && w.width >= 1 && typeof saved.windowSource === 'string') {
    out.window = { center: w.center, width: w.width };
    out.windowSource = saved.windowSource;
  }
  if (isView(saved.view)) out.view = saved.view;
  if (saved.mprViews && isView(saved.mprViews.coronal) && isView(saved.mprViews.sagittal)) out.mprViews = saved.mprViews;
  if (inRange(saved.sliceZ, nz)) out.sliceZ = saved.sliceZ;
  if (saved.crosshair && inRange(saved.crosshair.x, nx) && inRange(saved.crosshair.y, ny)) out.crosshair = saved.crosshair;
  const p = saved.pickedPoint;
  if (p && inRange(p.voxel?.[0], nx) && inRange(p.voxel?.[1], ny) && inRange(p.voxel?.[2], nz) && p.patientMm?.every(finite)) out.pickedPoint = p;
  if (saved.crop && finite(saved.crop.radiusMm) && saved.crop.radiusMm > 0 && inRange(saved.crop.halfSlices, 1000)) out.crop = saved.crop;
  const params = saved.analysisParams;
  if (params && typeof params === 'object') {
    // Keys added since the save come from today's defaults.
    const merged: AnalysisUiParams = {
      ...DEFAULT_ANALYSIS_UI_PARAMS,
      ...params,
      gk: { ...DEFAULT_ANALYSIS_UI_PARAMS.gk, ...params.gk },
      mesh: { ...DEFAULT_ANALYSIS_UI_PARAMS.mesh, ...params.mesh },
    };
    if (analysisParamProblems(merged).length === 0) out.analysisParams = merged;
  }
  if (Array.isArray(saved.annotations)) {
    const sizes: Record<string, number> = { axial: nz, coronal: ny, sagittal: nx };
    const kept = saved.annotations.filter(
      (a) =>
        a && MEASUREMENT_KINDS.includes(a.kind) && a.axis in sizes && inRange(a.sliceIndex, sizes[a.axis]) && typeof a.id === 'string' &&
        Array.isArray(a.pointsLps) && a.pointsLps.length >= 2 && a.pointsLps.every((p) => Array.isArray(p) && p.length === 3 && p.every(finite)),
    );
    if (kept.length) out.annotations = [...current.filter((a) => a.seriesId !== s.id), ...kept.map((a) => ({ ...a, seriesId: s.id }))];
  }
  return out;
}

export interface SeriesSettingsOptions {
  /** Wait after the last change before saving, in ms. */
  debounceMs?: number;
}

/**
 * Saves the open series' settings as they change and puts them back when a
 * series is opened; returns the function that stops both (saving what is pending).
 */
export function attachSeriesSettings(store: AppStore, storage: SettingsStorage, opts: SeriesSettingsOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 400;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pendingKey: string | null = null;
  let restoring = false;

  function save(): void {
    timer = null;
    const key = pendingKey;
    pendingKey = null;
    const s = selectedSeries(store.getState());
    if (!key || !s || seriesSettingsKey(s) !== key) return;
    try {
      storage.setItem(key, JSON.stringify(settingsOf(store.getState())));
    } catch {
      // Full or blocked storage: nothing is remembered, nothing else changes.
    }
  }

  function flush(): void {
    if (timer !== null) clearTimeout(timer);
    if (pendingKey) save();
  }

  const unsubscribe = store.subscribe((state, prev) => {
    if (restoring) return;
    const s = selectedSeries(state);
    if (state.selectedSeriesId !== prev.selectedSeriesId) {
      // What was pending belongs to the series left.
      if (timer !== null) clearTimeout(timer);
      timer = null;
      pendingKey = null;
      if (!s) return;
      let text: string | null = null;
      try {
        text = storage.getItem(seriesSettingsKey(s));
      } catch {
        text = null;
      }
      const patch = restoredSettings(text, s, state.annotations);
      if (Object.keys(patch).length) {
        restoring = true;
        try {
          store.setState(patch);
        } finally {
          restoring = false;
        }
      }
      return;
    }
    if (!s || !changed(state, prev)) return;
    pendingKey = seriesSettingsKey(s);
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
  });

  return () => {
    flush();
    unsubscribe();
  };
}

function changed(a: AppState, b: AppState): boolean {
  return (
    a.window !== b.window ||
    a.windowSource !== b.windowSource ||
    a.view !== b.view ||
    a.mprViews !== b.mprViews ||
    a.sliceZ !== b.sliceZ ||
    a.crosshair !== b.crosshair ||
    a.pickedPoint !== b.pickedPoint ||
    a.crop !== b.crop ||
    a.analysisParams !== b.analysisParams ||
    a.annotations !== b.annotations
  );
}

/** Forgets every series' saved settings (the Help panel's "forget" action). */
export function forgetSeriesSettings(storage: SettingsStorage & { length: number; key(i: number): string | null }): number {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const k = storage.key(i);
    if (k?.startsWith(PREFIX)) keys.push(k);
  }
  for (const k of keys) storage.removeItem(k);
  return keys.length;
}
