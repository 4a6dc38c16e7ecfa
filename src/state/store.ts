/**
 * The application store: metadata, view parameters and job status.
 *
 * One zustand store made of slices (src/state/slices/), each with its data,
 * its defaults and its actions: session (the load and what it made),
 * selection (open series, slice, crosshair), view2d (window/level, zoom and
 * pan, pointer), analysis (parameters, stages, results, meshes, picked
 * point), display (overlays, 3D view, crop), layout (tabs, help),
 * measurements (annotations on the slices) and viewTools (slab, cine). An
 * action that touches other slices' data (a load opening a series, a new
 * series dropping the analysis) reads and writes the whole state through
 * the slices' `get` and `set`.
 *
 * Typed arrays never live here (volumes are in volumeCache, masks in
 * maskCache, meshes in meshCache, all keyed by id). State is replaced, never
 * mutated. The slice canvases read this store through `subscribe`; React
 * panels read it through `useAppStore(selector)`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { analysisDefaults, createAnalysisSlice, type AnalysisActions, type AnalysisData } from './slices/analysis';
import { createDisplaySlice, displayDefaults, type DisplayActions, type DisplayData } from './slices/display';
import { createLayoutSlice, layoutDefaults, type LayoutActions, type LayoutData } from './slices/layout';
import { createMeasurementsSlice, measurementsDefaults, type MeasurementsActions, type MeasurementsData } from './slices/measurements';
import { createViewToolsSlice, viewToolsDefaults, type ViewToolsActions, type ViewToolsData } from './slices/viewTools';
import { createSelectionSlice, selectionDefaults, type SelectionActions, type SelectionData } from './slices/selection';
import { createSessionSlice, sessionDefaults, type SessionActions, type SessionData } from './slices/session';
import { createView2dSlice, view2dDefaults, type View2dActions, type View2dData } from './slices/view2d';

export type { AnalysisParamsPatch, PickedPoint } from './slices/analysis';
export { pickDefaultSeries, selectedSeries } from './slices/common';
export type { View3dSettings } from './slices/display';
export { CENTRE_TABS, type CentreTab } from './slices/layout';
export { axisSliceIndex } from './slices/selection';
export { seriesAnnotations } from './slices/measurements';
export { SLAB_CHOICES_MM, CINE_FPS_CHOICES } from './slices/viewTools';
export { loadRunning, sessionOpen, volumesViewable, type LoadPhase, type LoadStatus } from './slices/session';
export { DEFAULT_VIEW, DEFAULT_WINDOW, MEASURE_TOOLS, axisView, type CursorInfo, type DragMode, type WindowSource } from './slices/view2d';

export type AppData = SessionData & SelectionData & View2dData & AnalysisData & DisplayData & LayoutData & MeasurementsData & ViewToolsData;
export type AppActions = SessionActions & SelectionActions & View2dActions & AnalysisActions & DisplayActions & LayoutActions & MeasurementsActions & ViewToolsActions;
export type AppState = AppData & AppActions;
export type AppStore = StoreApi<AppState>;

/** The state before the first load: every slice's defaults. */
export function initialData(): AppData {
  return {
    ...sessionDefaults(),
    ...selectionDefaults(),
    ...view2dDefaults(),
    ...analysisDefaults(),
    ...displayDefaults(),
    ...layoutDefaults(),
    ...measurementsDefaults(),
    ...viewToolsDefaults(),
  };
}

/** A store with every slice at its defaults, then `init` over them. */
export function createAppStore(init: Partial<AppData> = {}): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createSessionSlice(...a),
    ...createSelectionSlice(...a),
    ...createView2dSlice(...a),
    ...createAnalysisSlice(...a),
    ...createDisplaySlice(...a),
    ...createLayoutSlice(...a),
    ...createMeasurementsSlice(...a),
    ...createViewToolsSlice(...a),
    ...init,
  }));
}

/** The one store of the application. */
export const appStore: AppStore = createAppStore();

/** React hook over the application store. Select small pieces to avoid re-renders. */
export function useAppStore<U>(selector: (state: AppState) => U): U {
  return useStore(appStore, selector);
}
