/**
 * The page's keyboard shortcuts, handled once for the whole page (not per
 * view): slice keys act on the active view (the one last pointed at, or the
 * open tab's). `SHORTCUTS` feeds the help overlay (press ?).
 */
import { MASK_OVERLAY_KINDS, DEFAULT_OVERLAYS, type OverlayKind } from '../../state/analysisState';
import { CENTRE_TABS, volumesViewable, type AppStore } from '../../state/store';
import { sliceCount } from '../../viewer2d/renderSlice';
import { sliceNumber, sliceNumberStep, type SliceGeometry } from '../../viewer2d/sliceNumbering';
import type { VolumeCache } from '../../state/volumeCache';
import type { SliceAxis } from '../../shared/view';
import type { AppState, DragMode } from '../../state/store';

const PAGE_STEP_FRACTION = 0.1;

/** The keys of the left button's tools. */
const TOOL_KEYS: Readonly<Record<string, DragMode>> = { n: 'crosshair', w: 'window', p: 'pan', i: 'pick', m: 'ruler', e: 'ellipse', d: 'bidirectional' };

export interface Shortcut {
  keys: string;
  what: string;
}

export const SHORTCUTS: readonly { group: string; items: readonly Shortcut[] }[] = [
  {
    group: 'Slices',
    items: [
      { keys: '↓ / →  ·  ↑ / ←', what: 'Next / previous slice (of the view last pointed at): axial towards the feet / head' },
      { keys: 'Page Down / Page Up', what: 'Ten per cent of the slices forward / back' },
      { keys: 'Home / End', what: 'Slice 1 (axial: the most cranial) / the last slice' },
      { keys: 'Wheel down / up', what: 'Next / previous slice (axial: towards the feet / head)' },
    ],
  },
  {
    group: 'Views',
    items: [
      { keys: '1 … 6', what: 'Axial, coronal, sagittal, grid, story, 3D' },
      { keys: 'Ctrl + wheel', what: 'Zoom about the pointer' },
      { keys: 'R', what: 'Fit the image again (zoom 100 %, centred)' },
      { keys: 'B', what: 'Grey / bone colour map' },
      { keys: 'O', what: 'All mask overlays off / on' },
      { keys: 'C', what: 'Linked crosshair off / on' },
    ],
  },
  {
    group: 'Mouse',
    items: [
      { keys: 'Left click or drag', what: 'The tool: crosshair (N), window / level (W), pan (P), pick (I), ruler (M), ellipse (E), bidirectional (D)' },
      { keys: 'Right drag', what: 'Window / level' },
      { keys: 'Middle or Shift + left drag', what: 'Pan' },
      { keys: 'Click (crosshair tool)', what: 'Move the crosshair there (every view follows)' },
      { keys: 'Alt + click, double-click', what: 'Pick the point (3D marker and crop centre)' },
      { keys: 'Delete / Backspace', what: 'Delete the selected measurement' },
    ],
  },
  {
    group: 'Help',
    items: [
      { keys: '?', what: 'Show / hide this list' },
      { keys: 'Esc', what: 'Close this list, or the enlarged story view' },
    ],
  },
];

function isTextInput(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

let hiddenOverlays: OverlayKind[] | null = null;

/** Hides every visible mask overlay, or shows again the ones hidden this way (else the defaults). */
function toggleMaskOverlays(store: AppStore): void {
  const s = store.getState();
  const visible = MASK_OVERLAY_KINDS.filter((k) => s.overlays[k].visible);
  if (visible.length) {
    hiddenOverlays = visible;
    for (const k of visible) s.setOverlay(k, { visible: false });
  } else {
    const back = hiddenOverlays ?? MASK_OVERLAY_KINDS.filter((k) => DEFAULT_OVERLAYS[k].visible);
    hiddenOverlays = null;
    for (const k of back) s.setOverlay(k, { visible: true });
  }
}

/** Handles one key press; true when it was a shortcut (the caller prevents the default). */
export function handleViewerKey(ev: Pick<KeyboardEvent, 'key' | 'altKey' | 'ctrlKey' | 'metaKey' | 'target' | 'defaultPrevented'>, store: AppStore, volumes: VolumeCache): boolean {
  if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || isTextInput(ev.target)) return false;
  const s = store.getState();
  if (ev.key === '?') {
    s.setHelpOpen(!s.helpOpen);
    return true;
  }
  if (ev.key === 'Escape') {
    if (s.helpOpen) s.setHelpOpen(false);
    else if (s.storyEnlarged !== null) s.setStoryEnlarged(null);
    else return false;
    return true;
  }
  if (/^[1-6]$/.test(ev.key)) {
    s.setCentreTab(CENTRE_TABS[Number(ev.key) - 1]);
    return true;
  }
  switch (ev.key.toLowerCase()) {
    case 'b':
      s.setSliceColormap(s.sliceColormap === 'grey' ? 'bone' : 'grey');
      return true;
    case 'o':
      toggleMaskOverlays(store);
      return true;
    case 'c':
      s.setShowCrosshair(!s.showCrosshair);
      return true;
    case 'r':
      s.resetView();
      return true;
  }
  if ((ev.key === 'Delete' || ev.key === 'Backspace') && s.selectedAnnotationId !== null) {
    s.removeAnnotation(s.selectedAnnotationId);
    return true;
  }
  const tool = TOOL_KEYS[ev.key.toLowerCase()];
  if (tool) {
    s.setDragMode(tool);
    return true;
  }
  const volume = volumes.get(s.selectedSeriesId);
  if (!volume || !volumesViewable(s.load.phase)) return false;
  const axis = s.activeView;
  const n = sliceCount(volume, axis);
  const page = Math.max(1, Math.round(n * PAGE_STEP_FRACTION));
  const current = sliceNumber(volume, axis, axis === 'axial' ? s.sliceZ : axis === 'coronal' ? s.crosshair.y : s.crosshair.x, n);
  switch (ev.key) {
    case 'ArrowDown':
    case 'ArrowRight':
      stepAxis(s, axis, 1, volume);
      return true;
    case 'ArrowUp':
    case 'ArrowLeft':
      stepAxis(s, axis, -1, volume);
      return true;
    case 'PageDown':
      stepAxis(s, axis, page, volume);
      return true;
    case 'PageUp':
      stepAxis(s, axis, -page, volume);
      return true;
    case 'Home':
      stepAxis(s, axis, 1 - current, volume);
      return true;
    case 'End':
      stepAxis(s, axis, n - current, volume);
      return true;
    default:
      return false;
  }
}

/**
 * `numbers` slice numbers further along `axis` (axial: the slice; coronal: the
 * crosshair row; sagittal: its column); numbers as sliceNumbering.ts counts
 * them (axial +1 towards the feet).
 */
export function stepAxis(s: AppState, axis: SliceAxis, numbers: number, g: SliceGeometry): void {
  const delta = numbers * sliceNumberStep(g, axis);
  if (axis === 'axial') s.stepSlice(delta);
  else if (axis === 'coronal') s.setCrosshair(s.crosshair.x, s.crosshair.y + delta);
  else s.setCrosshair(s.crosshair.x + delta, s.crosshair.y);
}

/** Shows slice `index` (in the volume's own order) along `axis`: the axial slice, or the crosshair's row (coronal) or column (sagittal). */
export function setAxisIndex(s: AppState, axis: SliceAxis, index: number): void {
  if (axis === 'axial') s.setSlice(index);
  else if (axis === 'coronal') s.setCrosshair(s.crosshair.x, index);
  else s.setCrosshair(index, s.crosshair.y);
}
