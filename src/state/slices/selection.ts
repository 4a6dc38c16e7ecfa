/**
 * Selection slice of the store: which series is open, its axial slice and
 * the linked crosshair (whose column and row are the sagittal and coronal
 * slices). Opening a series also resets the 2D view and the analysis:
 * `seriesOpened` is that whole-state update, shared with the load.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { SeriesSummary } from '../../core/dicom/types';
import type { SliceAxis } from '../../shared/view';
import type { AnalysisStatus } from '../analysisState';
import type { AppData, AppState } from '../store';
import { analysisCleared } from './analysis';
import { selectedSeries, seriesSliceCount } from './common';
import { view2dOpened } from './view2d';

export interface SelectionData {
  selectedSeriesId: string | null;
  /** Current slice index along z (0 = first slice in volume order). */
  sliceZ: number;
  /** Voxel column (x) and row (y) of the linked crosshair; its slice is sliceZ. */
  crosshair: { x: number; y: number };
}

export interface SelectionActions {
  selectSeries(id: string): void;
  setSlice(z: number): void;
  stepSlice(delta: number): void;
  setCrosshair(x: number, y: number): void;
  /** Moves the crosshair and the axial slice to a voxel (every view follows). */
  moveToVoxel(x: number, y: number, z: number): void;
}

export type SelectionSlice = SelectionData & SelectionActions;

export function selectionDefaults(): SelectionData {
  return { selectedSeriesId: null, sliceZ: 0, crosshair: { x: 0, y: 0 } };
}

/** State for a freshly opened series: middle slice, centred crosshair, its own window, fitted views, no analysis. */
export function seriesOpened(s: SeriesSummary, current: AnalysisStatus): Partial<AppData> {
  return {
    selectedSeriesId: s.id,
    sliceZ: Math.floor((seriesSliceCount(s) - 1) / 2),
    crosshair: { x: Math.floor(s.dimsZyx[2] / 2), y: Math.floor(s.dimsZyx[1] / 2) },
    ...view2dOpened(s),
    ...analysisCleared(current),
  };
}

/** Index of the slice a view along `axis` shows. */
export function axisSliceIndex(state: Pick<SelectionData, 'sliceZ' | 'crosshair'>, axis: SliceAxis): number {
  return axis === 'axial' ? state.sliceZ : axis === 'coronal' ? state.crosshair.y : state.crosshair.x;
}

function clampSlice(z: number, s: SeriesSummary | null): number {
  if (!s) return 0;
  const n = seriesSliceCount(s);
  if (!Number.isFinite(z)) return 0;
  return Math.min(n - 1, Math.max(0, Math.round(z)));
}

function clampIndex(v: number, n: number): number {
  if (!Number.isFinite(v) || n <= 0) return 0;
  return Math.min(n - 1, Math.max(0, Math.round(v)));
}

export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set, get) => ({
  ...selectionDefaults(),

  selectSeries(id) {
    const s = get().series.find((x) => x.id === id);
    if (!s || id === get().selectedSeriesId) return;
    set(seriesOpened(s, get().analysis));
  },
  setSlice(z) {
    const next = clampSlice(z, selectedSeries(get()));
    if (next !== get().sliceZ) set({ sliceZ: next });
  },
  stepSlice(delta) {
    get().setSlice(get().sliceZ + delta);
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
});
