/**
 * Display slice of the store: how the analysis is drawn — the mask overlays
 * on the slices, the 3D view's meshes, and the crop window around the picked
 * point.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { MeshKind } from '../meshCache';
import { DEFAULT_CROP, DEFAULT_OVERLAYS, type CropSettings, type OverlayKind, type OverlaySetting } from '../analysisState';
import type { AppState } from '../store';
import { clamp01 } from './common';

/** How the 3D view draws its meshes. */
export interface View3dSettings {
  /** 'density': the HU class just inside each vertex (densitometry classes); 'labels': right lung / left lung / airway just inside it. */
  colorMode: 'single' | 'height' | 'density' | 'labels';
  showEdges: boolean;
  visible: Record<MeshKind, boolean>;
  /** CSS colours (#rrggbb) per mesh kind, used in 'single' mode. */
  colors: Record<MeshKind, string>;
  opacity: Record<MeshKind, number>;
}

export interface DisplayData {
  overlays: Record<OverlayKind, OverlaySetting>;
  view3d: View3dSettings;
  /** Crop window around the picked point (3D crop and the crop-box overlay). */
  crop: CropSettings;
}

export interface DisplayActions {
  setOverlay(kind: OverlayKind, patch: Partial<OverlaySetting>): void;
  setView3d(settings: Partial<View3dSettings>): void;
  setCrop(patch: Partial<CropSettings>): void;
}

export type DisplaySlice = DisplayData & DisplayActions;

const DEFAULT_VIEW3D: View3dSettings = {
  colorMode: 'single',
  showEdges: false,
  visible: { lung: true, internal: true, gk: true, crop: true },
  colors: { lung: '#e8a87c', internal: '#d64545', gk: '#f2d024', crop: '#5dade2' },
  opacity: { lung: 0.35, internal: 1, gk: 1, crop: 1 },
};

export function displayDefaults(): DisplayData {
  return { overlays: DEFAULT_OVERLAYS, view3d: DEFAULT_VIEW3D, crop: DEFAULT_CROP };
}

export const createDisplaySlice: StateCreator<AppState, [], [], DisplaySlice> = (set, get) => ({
  ...displayDefaults(),

  setOverlay(kind, patch) {
    const cur = get().overlays[kind];
    const next = { ...cur, ...patch };
    next.opacity = clamp01(next.opacity);
    set({ overlays: { ...get().overlays, [kind]: next } });
  },
  setView3d(settings) {
    set({ view3d: { ...get().view3d, ...settings } });
  },
  setCrop(patch) {
    const c = { ...get().crop, ...patch };
    if (!(c.radiusMm > 0) || !Number.isInteger(c.halfSlices) || c.halfSlices < 0) return;
    set({ crop: c });
  },
});
