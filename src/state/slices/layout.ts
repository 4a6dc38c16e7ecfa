/**
 * Layout slice of the store: the centre column's tab, the keyboard help,
 * the enlarged story step and whether patient identifiers are shown.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { SliceAxis } from '../../shared/view';
import type { AppState } from '../store';

/** The centre column's views. */
export type CentreTab = 'axial' | 'coronal' | 'sagittal' | 'mpr' | 'story' | '3d';
export const CENTRE_TABS: readonly CentreTab[] = ['axial', 'coronal', 'sagittal', 'mpr', 'story', '3d'];

export interface LayoutData {
  centreTab: CentreTab;
  helpOpen: boolean;
  /** Story step shown large (0..3), or null for the four-up grid. */
  storyEnlarged: number | null;
  showPatientIds: boolean;
}

export interface LayoutActions {
  /** Shows a tab; a single-view tab also becomes the view keys act on (the 2D view's activeView). */
  setCentreTab(tab: CentreTab): void;
  setHelpOpen(open: boolean): void;
  setStoryEnlarged(step: number | null): void;
  setShowPatientIds(show: boolean): void;
}

export type LayoutSlice = LayoutData & LayoutActions;

export function layoutDefaults(): LayoutData {
  return { centreTab: 'axial', helpOpen: false, storyEnlarged: null, showPatientIds: false };
}

export const createLayoutSlice: StateCreator<AppState, [], [], LayoutSlice> = (set) => ({
  ...layoutDefaults(),

  setCentreTab(tab) {
    const activeView: SliceAxis = tab === 'coronal' || tab === 'sagittal' ? tab : 'axial';
    set({ centreTab: tab, activeView });
  },
  setHelpOpen(open) {
    set({ helpOpen: open });
  },
  setStoryEnlarged(step) {
    set({ storyEnlarged: step });
  },
  setShowPatientIds(show) {
    set({ showPatientIds: show });
  },
});
