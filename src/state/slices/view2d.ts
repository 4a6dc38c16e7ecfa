/**
 * 2D view slice of the store: window/level and its presets, zoom and pan of
 * the three slice views and which one keys act on, what a drag does, what is
 * under the pointer, the slice colour map and the crosshair toggle.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { SeriesSummary } from '../../core/dicom/types';
import type { Vec3 } from '../../core/volume/volume';
import {
  WINDOW_PRESETS,
  clampZoom,
  seriesWindow,
  type SliceAxis,
  type SliceColormap,
  type ViewParams,
  type WindowLevel,
} from '../../shared/view';
import type { AppState } from '../store';
import { selectedSeries } from './common';

/** What is under the mouse pointer on the slice view. */
export interface CursorInfo {
  /** Voxel indices. */
  x: number;
  y: number;
  z: number;
  hu: number;
  patientMm: Vec3;
}

/**
 * The tool of the left button on the slice views: move the crosshair (click
 * or drag), window/level (drag only; a click does nothing), pan, pick a
 * point (a click sets the picked point), or draw a measurement (ruler,
 * ellipse ROI, bidirectional long and short axis).
 */
export type DragMode = 'crosshair' | 'window' | 'pan' | 'pick' | 'ruler' | 'ellipse' | 'bidirectional';

/** The tools that draw a measurement. */
export const MEASURE_TOOLS: readonly DragMode[] = ['ruler', 'ellipse', 'bidirectional'];

/** 'series' = the series' own WindowCenter/Width, a preset id, or 'custom'. */
export type WindowSource = string;

export interface View2dData {
  window: WindowLevel;
  windowSource: WindowSource;
  view: ViewParams;
  /** The view keys and toolbar zoom act on. */
  activeView: SliceAxis;
  /** Zoom and pan of the coronal and sagittal views (the axial one is `view`). */
  mprViews: { coronal: ViewParams; sagittal: ViewParams };
  dragMode: DragMode;
  cursor: CursorInfo | null;
  /** Colour map of the slice image. */
  sliceColormap: SliceColormap;
  showCrosshair: boolean;
}

export interface View2dActions {
  setWindow(wl: WindowLevel, source?: WindowSource): void;
  applyWindowPreset(id: string): void;
  setView(view: ViewParams): void;
  zoomBy(factor: number): void;
  resetView(): void;
  setActiveView(axis: SliceAxis): void;
  /** Zoom and pan of one view. */
  setAxisView(axis: SliceAxis, view: ViewParams): void;
  setDragMode(mode: DragMode): void;
  setCursor(cursor: CursorInfo | null): void;
  setSliceColormap(map: SliceColormap): void;
  setShowCrosshair(show: boolean): void;
}

export type View2dSlice = View2dData & View2dActions;

/** Window used when a series has no usable WindowCenter/Width of its own. */
export const DEFAULT_WINDOW: WindowLevel = { center: -600, width: 1500 };
const DEFAULT_WINDOW_SOURCE = 'lung';
export const DEFAULT_VIEW: ViewParams = { zoom: 1, panXPx: 0, panYPx: 0 };

export function view2dDefaults(): View2dData {
  return {
    window: DEFAULT_WINDOW,
    windowSource: DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    activeView: 'axial',
    mprViews: { coronal: DEFAULT_VIEW, sagittal: DEFAULT_VIEW },
    dragMode: 'crosshair',
    cursor: null,
    sliceColormap: 'grey',
    showCrosshair: true,
  };
}

/** The series' own WindowCenter/Width, if usable. */
function ownWindow(s: SeriesSummary): WindowLevel | null {
  return seriesWindow(s.firstHeader.windowCenter, s.firstHeader.windowWidth);
}

/** The 2D view of a freshly opened series: its own window (else the default), fitted views, no cursor. */
export function view2dOpened(s: SeriesSummary): Pick<View2dData, 'window' | 'windowSource' | 'view' | 'mprViews' | 'cursor'> {
  const own = ownWindow(s);
  return {
    window: own ?? DEFAULT_WINDOW,
    windowSource: own ? 'series' : DEFAULT_WINDOW_SOURCE,
    view: DEFAULT_VIEW,
    mprViews: { coronal: DEFAULT_VIEW, sagittal: DEFAULT_VIEW },
    cursor: null,
  };
}

/** Zoom and pan of the view along `axis`. */
export function axisView(state: Pick<View2dData, 'view' | 'mprViews'>, axis: SliceAxis): ViewParams {
  return axis === 'axial' ? state.view : state.mprViews[axis];
}

export const createView2dSlice: StateCreator<AppState, [], [], View2dSlice> = (set, get) => ({
  ...view2dDefaults(),

  setWindow(wl, source = 'custom') {
    if (!(wl.width >= 1) || !Number.isFinite(wl.center)) return;
    set({ window: { center: wl.center, width: wl.width }, windowSource: source });
  },
  applyWindowPreset(id) {
    if (id === 'series') {
      const s = selectedSeries(get());
      const own = s ? ownWindow(s) : null;
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
  setActiveView(axis) {
    if (get().activeView !== axis) set({ activeView: axis });
  },
  setAxisView(axis, view) {
    const v = { ...view, zoom: clampZoom(view.zoom) };
    if (axis === 'axial') set({ view: v });
    else set({ mprViews: { ...get().mprViews, [axis]: v } });
  },
  setDragMode(mode) {
    set({ dragMode: mode });
  },
  setCursor(cursor) {
    set({ cursor });
  },
  setSliceColormap(map) {
    set({ sliceColormap: map });
  },
  setShowCrosshair(show) {
    set({ showCrosshair: show });
  },
});
