/**
 * Connects one slice canvas (axial, coronal or sagittal) to the store,
 * outside React: redraws (at most once per animation frame) when the
 * series, slice, crosshair, window, colour map, overlays, masks or view
 * change, and turns pointer and wheel input into store actions. The picture
 * and its overlays are composed in one RGBA buffer (viewer2d composeSlice),
 * so the overlays are scaled with exactly the same transform as the pixels.
 *
 * Mouse: wheel = next/previous slice; Ctrl/Cmd + wheel = zoom about the
 * pointer; left button = the tool of the toolbar (dragMode): crosshair mode
 * moves the linked crosshair on a click or drag (all views follow), W/L mode
 * changes the window on a drag only, pan mode pans, pick mode sets the picked
 * point on a click, the measurement tools draw and edit annotations
 * (measureInput.ts); right drag = window/level; middle or Shift + left drag
 * = pan. Alt/Ctrl + click or a double click also sets the picked point. Keys
 * are handled once for the whole page (keyboard.ts).
 */
import { voxelToPatientMm, type Vec3, type Volume } from '../../core/volume/volume';
import type { OverlayKind } from '../../state/analysisState';
import { OVERLAY_MASK } from '../../state/analysisState';
import type { MaskCache } from '../../state/maskCache';
import { importPlanes, importsOfSeries, maskImportStore } from '../../state/maskImports';
import { MEASURE_TOOLS, axisSliceIndex, axisView, volumesViewable, type AppState, type AppStore } from '../../state/store';
import type { VolumeCache } from '../../state/volumeCache';
import { colormapPalette } from '../../viewer2d/colormaps';
import { defaultHuClassLut } from '../../core/density/huClassLut';
import { composeSlice, type RectOverlay } from '../../viewer2d/composeSlice';
import type { HuClassOverlay } from '../../viewer2d/densityOverlay';
import { extractMaskSlice, maskCoversSlice } from '../../viewer2d/maskSlice';
import type { CachedMask } from '../../state/maskCache';
import { cropRectOnSlice, sliceToVoxel, voxelToSlice } from '../../viewer2d/mpr';
import { parseHexColor, type OverlayLayer } from '../../viewer2d/overlay';
import type { Rgb } from '../../viewer2d/colormaps';
import { sliceDisplay, type DisplayOrientation } from '../../viewer2d/orientation';
import type { SliceAxis, ViewParams, WindowLevel } from '../../shared/view';
import { extractSlice, sliceCount } from '../../viewer2d/renderSlice';
import { SliceCanvas, type SliceFrame } from '../../viewer2d/sliceCanvas';
import { planeSizeUv, planeSpacingMmUv } from '../../viewer2d/annotationGeometry';
import { axisSpacingMm, slabMip, slabSliceCount } from '../../viewer2d/slab';
import { registerCapture, type CaptureContent as FrameContent, type CaptureScale } from './captureRegistry';
import { imageToScreen, screenToImage, zoomAbout, type ViewTransform } from '../../viewer2d/viewTransform';
import { buildWindowLut, dragWindow, type WindowLut } from '../../viewer2d/windowLevel';
import { stepAxis } from './keyboard';
import { LUNG_SIDES, LUNG_SIDE_STYLE } from '../../core/mesh/lungLabelColors';
import { annotationMarks, endMeasure, moveMeasure, startMeasure, type MeasureDrag } from './measureInput';
import { drawAnnotationMarks } from '../../viewer2d/annotationDraw';

/** performance.mark name set when the first slice of a load is on screen. */
const FIRST_SLICE_MARK = 'lungview:first-slice';

/** Load (by start time) whose first slice was marked, shared by every view: whichever view draws first marks it. */
let markedLoad: number | null = null;

/** Mask overlays, bottom to top. */
const MASK_OVERLAYS: readonly Exclude<OverlayKind, 'crop'>[] = ['lungMeasured', 'lungSides', 'lungNoFill', 'lungFill', 'internal', 'gk'];

/** Pointer travel (CSS px) below which a press counts as a click. */
const CLICK_SLOP_PX = 4;

const CROSSHAIR_COLOR = 'rgba(255, 212, 0, 0.6)';
const PICK_COLOR = '#ff5fd2';

interface PlannedOverlay {
  /** An overlay kind, or `import:<id>:<segment>` for an imported segment. */
  kind: OverlayKind | `import:${string}`;
  /** Names its scratch buffer (an overlay of several masks has one per mask). */
  scratchKey: string;
  mask: CachedMask;
  color: Rgb;
  opacity: number;
}

type Drag = {
  kind: 'window' | 'pan' | 'click' | 'crosshair';
  x: number;
  y: number;
  startWindow: WindowLevel;
  startView: ViewParams;
  pointerId: number;
  /** The press became a drag (moved beyond the click slop). */
  moved: boolean;
  pick: boolean;
};

export interface SliceViewDeps {
  store: AppStore;
  volumes: VolumeCache;
  masks: MaskCache;
}

/** State of one slice view that its steps share: what was drawn, with which transform, and the reused buffers. */
interface ViewState {
  transform: ViewTransform | null;
  shown: { volume: Volume; orientation: DisplayOrientation; index: number } | null;
  drag: Drag | null;
  /** A measurement being drawn or edited (measureInput.ts). */
  measure: MeasureDrag | null;
  lut: WindowLut | null;
  huScratch: Int16Array | undefined;
  slabScratch: Int16Array | undefined;
  maskScratch: Map<string, Uint8Array>;
}

/** Binds the canvas to the store for `axis` (see the header); returns the function that unbinds it. */
export function bindSliceView(canvas: HTMLCanvasElement, deps: SliceViewDeps, axis: SliceAxis = 'axial'): () => void {
  const { store } = deps;
  const painter = new SliceCanvas(canvas);
  let frame = 0;
  const view: ViewState = { transform: null, shown: null, drag: null, measure: null, lut: null, huScratch: undefined, slabScratch: undefined, maskScratch: new Map() };
  const draw = () => drawSlice(canvas, painter, deps, axis, view);
  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  };
  const unsubscribe = store.subscribe((state, prev) => {
    if (viewInputsChanged(state, prev)) schedule();
  });
  const unsubscribeImports = maskImportStore.subscribe(schedule);
  const resizeObserver = new ResizeObserver(() => {
    const r = canvas.getBoundingClientRect();
    painter.resize(r.width, r.height, window.devicePixelRatio || 1);
    if (view.drag === null) draw();
    else schedule();
  });
  resizeObserver.observe(canvas);
  const unlisten = listenPointer(canvas, painter, store, axis, view);
  const unregister = registerCapture(axis, (scale, show) => captureView(painter, deps, axis, view, scale, show));
  schedule();

  return () => {
    if (frame) cancelAnimationFrame(frame);
    unsubscribe();
    unsubscribeImports();
    resizeObserver.disconnect();
    unlisten();
    unregister();
  };
}

/** The window LUT of the state's window and colour map, reused while they stay the same. */
function windowLut(view: ViewState, s: AppState): WindowLut {
  const palette = s.sliceColormap === 'grey' ? null : colormapPalette(s.sliceColormap);
  const lut = view.lut;
  if (!lut || lut.center !== s.window.center || lut.width !== s.window.width || lut.palette !== palette) {
    view.lut = buildWindowLut(s.window, palette);
  }
  return view.lut!;
}

/** The visible mask overlays that have something on this slice, and a key that changes with them. */
function planOverlays(masks: MaskCache, axis: SliceAxis, s: AppState, volume: Volume, index: number): { planned: PlannedOverlay[]; key: string } {
  const planned: PlannedOverlay[] = [];
  const r = s.analysisResults;
  if (!r || r.seriesId !== s.selectedSeriesId) return { planned, key: '' };
  let key = `${r.runId}|`;
  for (const kind of MASK_OVERLAYS) {
    const o = s.overlays[kind];
    if (!o.visible || o.opacity <= 0) continue;
    const onSlice = (m: CachedMask | undefined): m is CachedMask => !!m && m.nx === volume.nx && m.ny === volume.ny && maskCoversSlice(m, axis, index);
    if (kind === 'lungSides') {
      // Right lung, left lung and airway: three masks of the lung label array, each in its own colour.
      for (const side of LUNG_SIDES) {
        const mask = masks.get(r.maskIds[side]);
        if (onSlice(mask)) planned.push({ kind, scratchKey: `${kind}:${side}`, mask, color: parseHexColor(LUNG_SIDE_STYLE[side].color), opacity: o.opacity });
      }
      key += `${kind}:${o.opacity};`;
      continue;
    }
    const mask = masks.get(r.maskIds[OVERLAY_MASK[kind]]);
    if (!onSlice(mask)) continue;
    planned.push({ kind, scratchKey: kind, mask, color: parseHexColor(o.color), opacity: o.opacity });
    key += `${kind}:${o.color}:${o.opacity};`;
  }
  return { planned, key };
}

/** The visible segments of segmentations imported onto this series (state/maskImports.ts), over lungview's overlays, and a key that changes with them. */
function planImports(seriesId: string | null, volume: Volume): { planned: PlannedOverlay[]; key: string } {
  const planned: PlannedOverlay[] = [];
  let key = '';
  for (const m of importsOfSeries(maskImportStore.getState(), seriesId)) {
    const planes = importPlanes.get(m.id);
    if (!planes || m.opacity <= 0) continue;
    m.segments.forEach((seg, k) => {
      if (!seg.visible) return;
      const bit = 1 << (k & 7);
      const mask: CachedMask = { kind: 'fill', seriesId: m.seriesId, nx: volume.nx, ny: volume.ny, nz: volume.nz, zOffset: 0, data: planes[k >> 3], bits: { select: bit, equals: bit } };
      planned.push({ kind: `import:${m.id}:${k}`, scratchKey: `import:${m.id}:${k}`, mask, color: parseHexColor(seg.color), opacity: m.opacity });
      key += `${m.id}:${k}:${seg.color}:${m.opacity};`;
    });
  }
  return { planned, key };
}

/** The density-class overlay when it is shown and the filled-lung mask covers this slice, and a key that changes with it. */
function planDensity(masks: MaskCache, axis: SliceAxis, s: AppState, volume: Volume, index: number): { planned: PlannedOverlay | null; key: string } {
  const o = s.overlays.density;
  const r = s.analysisResults;
  if (!o.visible || o.opacity <= 0 || !r || r.seriesId !== s.selectedSeriesId) return { planned: null, key: '' };
  const mask = masks.get(r.maskIds[OVERLAY_MASK.density]);
  if (!mask || mask.nx !== volume.nx || mask.ny !== volume.ny || !maskCoversSlice(mask, axis, index)) return { planned: null, key: '' };
  return { planned: { kind: 'density', scratchKey: 'density', mask, color: parseHexColor(o.color), opacity: o.opacity }, key: `density:${r.runId}:${o.opacity}` };
}

/** Mask overlays drawn under the density classes (the lung tints); the structures go on top of them. */
const UNDER_DENSITY: ReadonlySet<PlannedOverlay['kind']> = new Set(['lungMeasured', 'lungSides', 'lungNoFill', 'lungFill']);

/** The density overlay's classed pixels on this slice (the filled lungs), cut like the other masks, over `afterLayers` mask layers. */
function densityOverlay(view: ViewState, p: PlannedOverlay | null, axis: SliceAxis, volumeNz: number, index: number, afterLayers: number): HuClassOverlay | null {
  if (!p) return null;
  const [layer] = overlayLayers(view.maskScratch, [p], axis, volumeNz, index);
  return layer ? { mask: layer.mask, lut: defaultHuClassLut(), opacity: p.opacity, afterLayers } : null;
}

/** Cuts the planned masks along this view (axial 0/1 masks: views of the masks; else into reused scratch buffers). */
function overlayLayers(
  maskScratch: Map<string, Uint8Array>,
  planned: readonly PlannedOverlay[],
  axis: SliceAxis,
  volumeNz: number,
  index: number,
): OverlayLayer[] {
  const layers: OverlayLayer[] = [];
  for (const p of planned) {
    const scratch = maskScratch.get(p.scratchKey);
    const plane = extractMaskSlice(p.mask, volumeNz, axis, index, scratch);
    if (!plane) continue;
    if (plane.buffer !== p.mask.data.buffer && plane.buffer !== scratch?.buffer) maskScratch.set(p.scratchKey, plane);
    layers.push({ mask: plane, color: p.color, opacity: p.opacity });
  }
  return layers;
}

/** The crop box's outline on this slice when the crop overlay is shown, and a key that changes with it. */
function cropRects(s: AppState, axis: SliceAxis, volume: Volume, index: number): { rects: RectOverlay[]; key: string } {
  const o = s.overlays.crop;
  const p = s.pickedPoint;
  if (!o.visible || !p) return { rects: [], key: '' };
  const rect = cropRectOnSlice(volume, p.voxel, s.crop, axis, index);
  if (!rect) return { rects: [], key: '' };
  const thickness = Math.max(1, Math.round(Math.min(volume.nx, volume.ny) / 256));
  return {
    rects: [{ rect, color: parseHexColor(o.color), opacity: o.opacity, thickness }],
    key: `${rect.u0},${rect.v0},${rect.u1},${rect.v1}:${o.color}:${o.opacity}`,
  };
}

const EVERYTHING: FrameContent = { overlays: true, annotations: true };

/** Draws the crosshair (with a gap at its centre), the measurements and the picked point over the picture, in screen pixels. */
function decorate(s: AppState, axis: SliceAxis, volume: Volume, index: number, show: FrameContent) {
  return (ctx: CanvasRenderingContext2D, t: ViewTransform) => {
    if (show.overlays && s.showCrosshair) drawCrosshair(ctx, t, s, axis, volume);
    if (show.overlays) drawGkSlab(ctx, t, s, axis, volume);
    if (show.annotations) drawAnnotationMarks(ctx, t, annotationMarks(s, axis, volume, index));
    const p = s.pickedPoint;
    if (show.overlays && p) {
      const q = voxelToSlice(axis, p.voxel);
      if (q.index === index) {
        const [px, py] = imageToScreen(t, q.u + 0.5, q.v + 0.5);
        ctx.strokeStyle = PICK_COLOR;
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(px, py, 6, 0, Math.PI * 2);
        ctx.stroke();
      }
    }
  };
}

/**
 * Where GK ran, on a coronal or sagittal view, when it ran on some axial
 * slices only and its overlay is shown: dashed lines across the image at the
 * slab's upper and lower bounds, in the GK overlay's colour (the viewport's
 * GkScope label names the slices).
 */
function drawGkSlab(ctx: CanvasRenderingContext2D, t: ViewTransform, s: AppState, axis: SliceAxis, volume: Volume): void {
  const r = s.analysisResults;
  const gk = r && r.seriesId === s.selectedSeriesId ? r.gk : undefined;
  if (axis === 'axial' || !gk || gk.scope !== 'slices' || !s.overlays.gk.visible) return;
  const [w] = planeSizeUv(volume, axis);
  ctx.save();
  ctx.strokeStyle = s.overlays.gk.color;
  ctx.lineWidth = 2;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  for (const v of [gk.zFrom, gk.zFrom + gk.planes]) {
    const [ax, ay] = imageToScreen(t, 0, v);
    const [bx, by] = imageToScreen(t, w, v);
    ctx.moveTo(ax, Math.round(ay));
    ctx.lineTo(bx, Math.round(by));
  }
  ctx.stroke();
  ctx.restore();
}

/** The crosshair lines across the image, with a gap around the crosshair point. */
function drawCrosshair(ctx: CanvasRenderingContext2D, t: ViewTransform, s: AppState, axis: SliceAxis, volume: Volume): void {
  const img = voxelToSlice(axis, [s.crosshair.x, s.crosshair.y, s.sliceZ]);
  const [w, h] = planeSizeUv(volume, axis);
  const [cx, cy] = imageToScreen(t, img.u + 0.5, img.v + 0.5);
  const [ax, ay] = imageToScreen(t, 0, 0);
  const [bx, by] = imageToScreen(t, w, h);
  const gap = 10;
  ctx.strokeStyle = CROSSHAIR_COLOR;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const x = Math.round(cx) + 0.5;
  const y = Math.round(cy) + 0.5;
  const [y0, y1] = ay < by ? [ay, by] : [by, ay];
  const [x0, x1] = ax < bx ? [ax, bx] : [bx, ax];
  ctx.moveTo(x, y0);
  ctx.lineTo(x, Math.max(y0, y - gap));
  ctx.moveTo(x, Math.min(y1, y + gap));
  ctx.lineTo(x, y1);
  ctx.moveTo(x0, y);
  ctx.lineTo(Math.max(x0, x - gap), y);
  ctx.moveTo(Math.min(x1, x + gap), y);
  ctx.lineTo(x1, y);
  ctx.stroke();
}

/** The frame of the view's current slice (and what it shows), or null when nothing is viewable. */
function sliceFrame(deps: SliceViewDeps, axis: SliceAxis, view: ViewState, show: FrameContent) {
  const { store, volumes, masks } = deps;
  const s = store.getState();
  const volume = volumes.get(s.selectedSeriesId);
  if (!volume || !volumesViewable(s.load.phase)) return null;
  const orientation = view.shown?.volume === volume ? view.shown.orientation : sliceDisplay(volume, axis);
  const n = sliceCount(volume, axis);
  const index = Math.min(n - 1, Math.max(0, axisSliceIndex(s, axis)));
  const [width, height] = planeSizeUv(volume, axis);
  const spacing = planeSpacingMmUv(volume, axis);
  const wl = windowLut(view, s);
  const none = { planned: [], key: '' };
  const own = show.overlays ? planOverlays(masks, axis, s, volume, index) : none;
  const imported = show.overlays ? planImports(s.selectedSeriesId, volume) : none;
  const planned = [...own.planned, ...imported.planned];
  const layerKey = own.key + imported.key;
  const { rects, key: rectKey } = show.overlays ? cropRects(s, axis, volume, index) : { rects: [], key: '' };
  const { planned: density, key: densityKey } = show.overlays ? planDensity(masks, axis, s, volume, index) : { planned: null, key: '' };
  const slab = slabSliceCount(axisSpacingMm(volume, axis), s.slabMm);
  // While the load streams: an axial slice changes once, when its pixels
  // arrive; a coronal or sagittal one with every slice that arrives.
  const streaming = s.load.phase === 'streaming';
  const ready = axis === 'axial' ? volumes.sliceReady(s.selectedSeriesId, index) : !streaming;
  const fillKey = axis === 'axial' ? (slab > 1 && streaming ? String(s.load.slicesDone) : String(ready)) : streaming ? String(s.load.slicesDone) : 'all';
  const contentKey = `${s.selectedSeriesId}|${s.load.startedAtMs}|${fillKey}|${index}|${slab}|${wl.center}/${wl.width}/${s.sliceColormap}|${layerKey}|${densityKey}|${masks.version}|${rectKey}`;
  const frame: SliceFrame = {
    width,
    height,
    pixelSpacingMmUv: spacing,
    contentKey,
    render: (out) => {
      // Cut only when the picture changes (not on pan or zoom).
      let hu: Int16Array;
      if (slab > 1) {
        const image = slabMip(volume, axis, index, slab, view.slabScratch, view.huScratch);
        view.slabScratch = image.data;
        hu = image.data;
      } else {
        const image = extractSlice(volume, axis, index, view.huScratch);
        if (axis !== 'axial') view.huScratch = image.data;
        hu = image.data;
      }
      const under = overlayLayers(view.maskScratch, planned.filter((p) => UNDER_DENSITY.has(p.kind)), axis, volume.nz, index);
      const layers = [...under, ...overlayLayers(view.maskScratch, planned.filter((p) => !UNDER_DENSITY.has(p.kind)), axis, volume.nz, index)];
      const huClasses = densityOverlay(view, density, axis, volume.nz, index, under.length);
      composeSlice({ hu, width, height, lut: wl, huClasses, layers, rects }, out);
    },
    view: axisView(s, axis),
    flipX: orientation.flipX,
    flipY: orientation.flipY,
    decorate: decorate(s, axis, volume, index, show),
  };
  return { frame, volume, orientation, index, ready, slab, overlays: [...new Set([...(density ? [density] : []), ...planned].map((p) => p.kind))] };
}

/** Draws the current slice (or clears the canvas when nothing is viewable) and records what was drawn on the canvas's dataset. */
function drawSlice(canvas: HTMLCanvasElement, painter: SliceCanvas, deps: SliceViewDeps, axis: SliceAxis, view: ViewState): void {
  const s = deps.store.getState();
  const t0 = performance.now();
  const made = sliceFrame(deps, axis, view, EVERYTHING);
  if (!made) {
    view.shown = null;
    view.transform = null;
    painter.clear();
    return;
  }
  const { frame, volume, orientation, index, ready } = made;
  view.shown = { volume, orientation, index };
  view.transform = painter.draw(frame);
  canvas.dataset.renderMs = painter.lastRenderMs.toFixed(3);
  canvas.dataset.drawMs = (performance.now() - t0).toFixed(3);
  canvas.dataset.drawnSlice = String(index);
  canvas.dataset.slabSlices = String(made.slab);
  // Image point (u, v) lands at CSS px (scaleX * u + offsetX, scaleY * v + offsetY).
  const vt = view.transform;
  canvas.dataset.viewTransform = [vt.scaleX, vt.scaleY, vt.offsetX, vt.offsetY].join(',');
  canvas.dataset.overlays = made.overlays.join(',');
  canvas.dataset.sliceReady = String(ready);
  if (ready && s.load.startedAtMs !== null && markedLoad !== s.load.startedAtMs) {
    markedLoad = s.load.startedAtMs;
    performance.mark(FIRST_SLICE_MARK);
  }
}

/**
 * The view drawn again off-screen, `scale(w, h)` times its on-screen CSS size
 * (the same frame: compose, render and the marks through the same
 * transform), with or without overlays and measurements; null when nothing
 * is shown.
 */
function captureView(painter: SliceCanvas, deps: SliceViewDeps, axis: SliceAxis, view: ViewState, scale: CaptureScale, show: FrameContent): HTMLCanvasElement | null {
  const made = sliceFrame(deps, axis, view, show);
  if (!made) return null;
  const canvas = document.createElement('canvas');
  const offscreen = new SliceCanvas(canvas);
  const [w, h] = painter.viewportCssSize;
  offscreen.resize(w, h, scale(w, h));
  offscreen.draw(made.frame);
  return canvas;
}

/** Whether a store change touches what a slice view shows. */
function viewInputsChanged(a: AppState, b: AppState): boolean {
  return a.selectedSeriesId !== b.selectedSeriesId ||
    a.sliceZ !== b.sliceZ ||
    a.crosshair !== b.crosshair ||
    a.window !== b.window ||
    a.sliceColormap !== b.sliceColormap ||
    a.view !== b.view ||
    a.mprViews !== b.mprViews ||
    a.load.phase !== b.load.phase ||
    a.load.slicesDone !== b.load.slicesDone ||
    a.analysisResults !== b.analysisResults ||
    a.overlays !== b.overlays ||
    a.pickedPoint !== b.pickedPoint ||
    a.crop !== b.crop ||
    a.showCrosshair !== b.showCrosshair ||
    a.annotations !== b.annotations ||
    a.slabMm !== b.slabMm ||
    a.selectedAnnotationId !== b.selectedAnnotationId;
}

/** The pointer position relative to the canvas (CSS px). */
function local(canvas: HTMLCanvasElement, ev: MouseEvent): [number, number] {
  const r = canvas.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

/** Voxel under the pointer, or null outside the image. */
function voxelAt(canvas: HTMLCanvasElement, axis: SliceAxis, view: ViewState, ev: MouseEvent): Vec3 | null {
  const { transform, shown } = view;
  if (!transform || !shown) return null;
  const [px, py] = local(canvas, ev);
  const [u, v] = screenToImage(transform, px, py);
  const [x, y, z] = sliceToVoxel(axis, shown.index, Math.floor(u), Math.floor(v));
  const vol = shown.volume;
  if (x < 0 || y < 0 || z < 0 || x >= vol.nx || y >= vol.ny || z >= vol.nz) return null;
  return [x, y, z];
}

/**
 * The drag a pointer press starts, or null for a button that does nothing:
 * middle (or Shift + left, or left in pan mode) pans, right (or left in W/L
 * mode) changes the window, left in crosshair mode moves the crosshair while
 * it drags, left in pick mode (or with Alt/Ctrl) picks on a click.
 */
function dragOfPress(ev: PointerEvent, s: AppState, axis: SliceAxis): Drag | null {
  const panButton = ev.button === 1 || (ev.button === 0 && (s.dragMode === 'pan' || ev.shiftKey));
  const windowButton = ev.button === 2 || (ev.button === 0 && !panButton && s.dragMode === 'window');
  const left = ev.button === 0 && !panButton && !windowButton;
  const pick = ev.button === 0 && (s.dragMode === 'pick' || ev.altKey || ev.ctrlKey || ev.metaKey);
  if (!panButton && !windowButton && !left) return null;
  return {
    kind: panButton ? 'pan' : windowButton ? 'window' : s.dragMode === 'crosshair' && !pick ? 'crosshair' : 'click',
    x: ev.clientX,
    y: ev.clientY,
    startWindow: s.window,
    startView: axisView(s, axis),
    pointerId: ev.pointerId,
    moved: false,
    pick,
  };
}

/** Turns pointer, wheel and context-menu events on the canvas into store actions; returns the function that removes the listeners. */
function listenPointer(canvas: HTMLCanvasElement, painter: SliceCanvas, store: AppStore, axis: SliceAxis, view: ViewState): () => void {
  /** Sets the store's cursor (voxel, HU, patient mm) to the voxel under the pointer, or clears it outside the image. */
  function updateCursor(ev: MouseEvent): void {
    const s = store.getState();
    const v = voxelAt(canvas, axis, view, ev);
    const shown = view.shown;
    if (!v || !shown) {
      if (s.cursor) s.setCursor(null);
      return;
    }
    const vol = shown.volume;
    const [x, y, z] = v;
    const hu = vol.hu[x + y * vol.nx + z * vol.nx * vol.ny];
    s.setCursor({ x, y, z, hu, patientMm: voxelToPatientMm(vol, x, y, z) });
  }

  /** Moves the crosshair to the clicked voxel and, with `pick`, sets the picked point there. */
  function clickAt(ev: MouseEvent, pick: boolean): void {
    const v = voxelAt(canvas, axis, view, ev);
    const shown = view.shown;
    if (!v || !shown) return;
    const s = store.getState();
    s.moveToVoxel(v[0], v[1], v[2]);
    if (pick) s.setPickedPoint({ voxel: v, patientMm: voxelToPatientMm(shown.volume, v[0], v[1], v[2]) });
  }

  /** The image point under the pointer and the screen point (CSS px), or null before the first draw. */
  function imagePoint(ev: MouseEvent): { uv: [number, number]; sx: number; sy: number } | null {
    if (!view.transform) return null;
    const [sx, sy] = local(canvas, ev);
    return { uv: screenToImage(view.transform, sx, sy), sx, sy };
  }

  /** A left press with a measurement tool: grab a handle or start an annotation. */
  function pressMeasure(ev: PointerEvent): boolean {
    const q = imagePoint(ev);
    const { transform, shown } = view;
    if (ev.button !== 0 || ev.shiftKey || !q || !transform || !shown) return false;
    const m = startMeasure(store, axis, { transform, volume: shown.volume, index: shown.index }, q.uv, q.sx, q.sy, ev.pointerId);
    if (!m) return false;
    ev.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(ev.pointerId);
    view.measure = m;
    return true;
  }

  const onPointerDown = (ev: PointerEvent) => {
    const s = store.getState();
    s.setActiveView(axis);
    if (pressMeasure(ev)) return;
    const drag = dragOfPress(ev, s, axis);
    if (!drag) return;
    ev.preventDefault();
    canvas.focus({ preventScroll: true });
    canvas.setPointerCapture(ev.pointerId);
    view.drag = drag;
  };

  const onPointerMove = (ev: PointerEvent) => {
    const m = view.measure;
    const q = m && ev.pointerId === m.pointerId ? imagePoint(ev) : null;
    if (m && q && view.shown) moveMeasure(store, m, view.shown.volume, q.uv);
    const drag = view.drag;
    if (drag && ev.pointerId === drag.pointerId) {
      const dx = ev.clientX - drag.x;
      const dy = ev.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) > CLICK_SLOP_PX) drag.moved = true;
      if (drag.moved) {
        const s = store.getState();
        if (drag.kind === 'pan') s.setAxisView(axis, { ...drag.startView, panXPx: drag.startView.panXPx + dx, panYPx: drag.startView.panYPx + dy });
        else if (drag.kind === 'window') s.setWindow(dragWindow(drag.startWindow, dx, dy));
        else if (drag.kind === 'crosshair') clickAt(ev, false);
      }
    }
    updateCursor(ev);
  };

  const endDrag = (ev: PointerEvent) => {
    const m = view.measure;
    if (m && ev.pointerId === m.pointerId) {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
      view.measure = null;
      const [sx, sy] = local(canvas, ev);
      endMeasure(store, m, sx, sy);
    }
    const d = view.drag;
    if (d && ev.pointerId === d.pointerId) {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
      view.drag = null;
      // A click moves the crosshair in crosshair and pick mode (and picks
      // with Alt/Ctrl); in W/L and pan mode it does nothing.
      if (ev.type === 'pointerup' && !d.moved && ev.button === 0 && (d.kind === 'crosshair' || d.pick)) clickAt(ev, d.pick);
    }
  };

  const onDoubleClick = (ev: MouseEvent) => {
    if (ev.button === 0 && !MEASURE_TOOLS.includes(store.getState().dragMode)) clickAt(ev, true);
  };

  const onPointerEnter = () => store.getState().setActiveView(axis);

  const onPointerLeave = () => {
    if (!view.drag && !view.measure && store.getState().cursor) store.getState().setCursor(null);
  };

  const onWheel = (ev: WheelEvent) => {
    const s = store.getState();
    if (!view.shown) return;
    ev.preventDefault();
    s.setActiveView(axis);
    const deltaPx = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaMode === 2 ? ev.deltaY * 400 : ev.deltaY;
    if (ev.ctrlKey || ev.metaKey) {
      const [px, py] = local(canvas, ev);
      const [w, h] = painter.viewportCssSize;
      s.setAxisView(axis, zoomAbout(axisView(s, axis), Math.exp(-deltaPx * WHEEL_ZOOM_PER_PX), w, h, px, py));
    } else if (deltaPx !== 0) {
      // Wheel down (towards the user, positive deltaY) goes to the next slice: axial towards the feet.
      stepAxis(s, axis, deltaPx > 0 ? 1 : -1, view.shown.volume);
    }
    updateCursor(ev);
  };

  const onContextMenu = (ev: MouseEvent) => ev.preventDefault();

  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointermove', onPointerMove);
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  canvas.addEventListener('pointerenter', onPointerEnter);
  canvas.addEventListener('pointerleave', onPointerLeave);
  canvas.addEventListener('dblclick', onDoubleClick);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('contextmenu', onContextMenu);
  return () => {
    canvas.removeEventListener('pointerdown', onPointerDown);
    canvas.removeEventListener('pointermove', onPointerMove);
    canvas.removeEventListener('pointerup', endDrag);
    canvas.removeEventListener('pointercancel', endDrag);
    canvas.removeEventListener('pointerenter', onPointerEnter);
    canvas.removeEventListener('pointerleave', onPointerLeave);
    canvas.removeEventListener('dblclick', onDoubleClick);
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('contextmenu', onContextMenu);
  };
}

const WHEEL_ZOOM_PER_PX = 0.0015;
