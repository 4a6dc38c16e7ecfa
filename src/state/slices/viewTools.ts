/**
 * View tools slice of the store: the thick slab of the slice views (a
 * maximum intensity projection over a thickness in mm, 0 = the single
 * slice) and cine play (which view plays, frames per second).
 */
import type { StateCreator } from 'zustand/vanilla';
import type { AppState } from '../store';

/** Slab thicknesses offered, in mm (0 = off). */
export const SLAB_CHOICES_MM: readonly number[] = [0, 5, 10, 20];
/** Cine speeds offered, in frames per second. */
export const CINE_FPS_CHOICES: readonly number[] = [2, 5, 10, 20];

export interface ViewToolsData {
  /** Thickness of the maximum intensity projection in mm; 0 shows the single slice. */
  slabMm: number;
  cinePlaying: boolean;
  cineFps: number;
}

export interface ViewToolsActions {
  setSlabMm(mm: number): void;
  setCinePlaying(playing: boolean): void;
  setCineFps(fps: number): void;
}

export type ViewToolsSlice = ViewToolsData & ViewToolsActions;

export function viewToolsDefaults(): ViewToolsData {
  return { slabMm: 0, cinePlaying: false, cineFps: 10 };
}

export const createViewToolsSlice: StateCreator<AppState, [], [], ViewToolsSlice> = (set) => ({
  ...viewToolsDefaults(),

  setSlabMm(mm) {
    set({ slabMm: Number.isFinite(mm) && mm > 0 ? mm : 0 });
  },
  setCinePlaying(playing) {
    set({ cinePlaying: playing });
  },
  setCineFps(fps) {
    if (Number.isFinite(fps) && fps > 0) set({ cineFps: Math.min(60, fps) });
  },
});
