/**
 * Connects the slice canvas to the store, outside React: redraws (at most
 * once per animation frame) when the series, slice, window or view change,
 * and turns pointer, wheel and key input into store actions.
 *
 * Mouse: wheel = next/previous slice; Ctrl/Cmd + wheel = zoom about the
 * pointer; left drag = window/level (or pan in pan mode); right drag =
 * window/level; middle drag = pan. Keys: arrows, PageUp/PageDown, Home/End.
 */
import { voxelToPatientMm, type Volume } from '../../core/volume/volume';
import type { AppState, AppStore } from '../../state/store';
import type { VolumeCache } from '../../state/volumeCache';
import { axialDisplay, type DisplayOrientation } from '../../viewer2d/orientation';
import { extractSlice } from '../../viewer2d/renderSlice';
import { SliceCanvas } from '../../viewer2d/sliceCanvas';
import { screenToImage, zoomAbout, type ViewParams, type ViewTransform } from '../../viewer2d/viewTransform';
import { dragWindow, type WindowLevel } from '../../viewer2d/windowLevel';

/** performance.mark name set when the first slice of a load is on screen. */
export const FIRST_SLICE_MARK = 'lungview:first-slice';

type Drag =
  | { kind: 'window'; x: number; y: number; start: WindowLevel; pointerId: number }
  | { kind: 'pan'; x: number; y: number; start: ViewParams; pointerId: number };

const PAGE_STEP_FRACTION = 0.1;
const WHEEL_ZOOM_PER_PX = 0.0015;

function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function bindSliceView(canvas: HTMLCanvasElement, store: AppStore, cache: VolumeCache): () => void {
  const painter = new SliceCanvas(canvas);
  let frame = 0;
  let transform: ViewTransform | null = null;
  let shown: { volume: Volume; orientation: DisplayOrientation } | null = null;
  let drag: Drag | null = null;
  let markedLoad: number | null = null;

  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  };

  function draw(): void {
    const s = store.getState();
    const volume = cache.get(s.selectedSeriesId);
    if (!volume || s.load.phase !== 'done') {
      shown = null;
      transform = null;
      painter.clear();
      return;
    }
    const t0 = performance.now();
    if (shown?.volume !== volume) shown = { volume, orientation: axialDisplay(volume) };
    const z = Math.min(volume.nz - 1, Math.max(0, s.sliceZ));
    const image = extractSlice(volume, 'axial', z);
    transform = painter.draw({
      image,
      window: s.window,
      view: s.view,
      flipX: shown.orientation.flipX,
      flipY: shown.orientation.flipY,
    });
    canvas.dataset.renderMs = painter.lastRenderMs.toFixed(3);
    canvas.dataset.drawMs = (performance.now() - t0).toFixed(3);
    canvas.dataset.drawnSlice = String(z);
    if (s.load.startedAtMs !== null && markedLoad !== s.load.startedAtMs) {
      markedLoad = s.load.startedAtMs;
      performance.mark(FIRST_SLICE_MARK);
    }
  }

  const relevant = (a: AppState, b: AppState) =>
    a.selectedSeriesId !== b.selectedSeriesId ||
    a.sliceZ !== b.sliceZ ||
    a.window !== b.window ||
    a.view !== b.view ||
    a.load.phase !== b.load.phase;
  const unsubscribe = store.subscribe((state, prev) => {
    if (relevant(state, prev)) schedule();
  });

  const resizeObserver = new ResizeObserver(() => {
    const r = canvas.getBoundingClientRect();
    painter.resize(r.width, r.height, window.devicePixelRatio || 1);
    if (drag === null) draw();
    else schedule();
  });
  resizeObserver.observe(canvas);

  function local(ev: MouseEvent): [number, number] {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }

  function updateCursor(ev: MouseEvent): void {
    const s = store.getState();
    if (!transform || !shown) {
      if (s.cursor) s.setCursor(null);
      return;
    }
    const [px, py] = local(ev);
    const [u, v] = screenToImage(transform, px, py);
    const x = Math.floor(u);
    const y = Math.floor(v);
    const vol = shown.volume;
    const z = s.sliceZ;
    if (x < 0 || y < 0 || x >= vol.nx || y >= vol.ny || z >= vol.nz) {
      if (s.cursor) s.setCursor(null);
      return;
    }
    const hu = vol.hu[x + y * vol.nx + z * vol.nx * vol.ny];
    s.setCursor({ x, y, z, hu, patientMm: voxelToPatientMm(vol, x, y, z) });
  }

  const onPointerDown = (ev: PointerEvent) => {
    const s = store.getState();
    const panButton = ev.button === 1 || (ev.button === 0 && (s.dragMode === 'pan' || ev.shiftKey));
    const windowButton = ev.button === 2 || (ev.button === 0 && !panButton);
    if (!panButton && !windowButton) return;
    ev.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(ev.pointerId);
    drag = panButton
      ? { kind: 'pan', x: ev.clientX, y: ev.clientY, start: s.view, pointerId: ev.pointerId }
      : { kind: 'window', x: ev.clientX, y: ev.clientY, start: s.window, pointerId: ev.pointerId };
  };

  const onPointerMove = (ev: PointerEvent) => {
    if (drag && ev.pointerId === drag.pointerId) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      const s = store.getState();
      if (drag.kind === 'pan') s.setView({ ...drag.start, panXPx: drag.start.panXPx + dx, panYPx: drag.start.panYPx + dy });
      else s.setWindow(dragWindow(drag.start, dx, dy));
    }
    updateCursor(ev);
  };

  const endDrag = (ev: PointerEvent) => {
    if (drag && ev.pointerId === drag.pointerId) {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
      drag = null;
    }
  };

  const onPointerLeave = () => {
    if (!drag && store.getState().cursor) store.getState().setCursor(null);
  };

  const onWheel = (ev: WheelEvent) => {
    const s = store.getState();
    if (!shown) return;
    ev.preventDefault();
    const deltaPx = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
    if (ev.ctrlKey || ev.metaKey) {
      const [px, py] = local(ev);
      const [w, h] = painter.viewportCssSize;
      s.setView(zoomAbout(s.view, Math.exp(-deltaPx * WHEEL_ZOOM_PER_PX), w, h, px, py));
    } else if (deltaPx !== 0) {
      // Wheel towards the user (positive deltaY) goes to the next slice.
      s.stepSlice(deltaPx > 0 ? 1 : -1);
    }
    updateCursor(ev);
  };

  const onContextMenu = (ev: MouseEvent) => ev.preventDefault();

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || isTextInput(ev.target)) return;
    const s = store.getState();
    if (!shown) return;
    const n = shown.volume.nz;
    const page = Math.max(1, Math.round(n * PAGE_STEP_FRACTION));
    let handled = true;
    switch (ev.key) {
      case 'ArrowUp':
      case 'ArrowRight':
        s.stepSlice(1);
        break;
      case 'ArrowDown':
      case 'ArrowLeft':
        s.stepSlice(-1);
        break;
      case 'PageUp':
        s.stepSlice(page);
        break;
      case 'PageDown':
        s.stepSlice(-page);
        break;
      case 'Home':
        s.setSlice(0);
        break;
      case 'End':
        s.setSlice(n - 1);
        break;
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  };

  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointermove', onPointerMove);
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener('pointerleave', onPointerLeave);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('contextmenu', onContextMenu);
  window.addEventListener('keydown', onKeyDown);
  schedule();

  return () => {
    if (frame) cancelAnimationFrame(frame);
    unsubscribe();
    resizeObserver.disconnect();
    canvas.removeEventListener('pointerdown', onPointerDown);
    canvas.removeEventListener('pointermove', onPointerMove);
    canvas.removeEventListener('pointerup', endDrag);
    canvas.removeEventListener('pointercancel', endDrag);
    canvas.removeEventListener('pointerleave', onPointerLeave);
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('contextmenu', onContextMenu);
    window.removeEventListener('keydown', onKeyDown);
  };
}
