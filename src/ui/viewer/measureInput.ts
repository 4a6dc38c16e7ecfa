/**
 * The measurement tools on a slice view: a left press in ruler, ellipse or
 * bidirectional mode grabs the handle under the pointer (an annotation of
 * this slice, within a few pixels) or starts a new annotation whose last
 * point follows the drag; a press that does not drag leaves no new
 * annotation. Points are kept in patient coordinates (LPS mm) on the
 * annotation's own slice. Also builds the marks a view draws.
 */
import { bidirectionalOfLongUv, moveBidirectionalPointUv, type PointUv } from '../../core/measure/planeMeasure';
import type { Volume } from '../../core/volume/volume';
import type { Annotation } from '../../shared/annotations';
import type { SliceAxis } from '../../shared/view';
import { seriesAnnotations, type AppState, type AppStore } from '../../state/store';
import { patientMmToUv, planeSpacingMmUv, uvToPatientMm } from '../../viewer2d/annotationGeometry';
import { HANDLE_HALF_PX, type AnnotationMark } from '../../viewer2d/annotationDraw';
import { imageToScreen, type ViewTransform } from '../../viewer2d/viewTransform';
import { measurementLabel } from '../measure/formatMeasurement';
import { cachedAnnotationValues } from '../measure/valuesCache';

/** How near (CSS px) a press must be to a handle to grab it. */
const GRAB_PX = HANDLE_HALF_PX + 4;
/** Drag (CSS px) below which a new annotation is dropped (it was a click). */
const MIN_DRAW_PX = 4;

export interface MeasureDrag {
  id: string;
  /** The point that follows the pointer. */
  handle: number;
  /** A new annotation being drawn (a bidirectional one is then drawn from its long axis). */
  creating: boolean;
  pointerId: number;
  startX: number;
  startY: number;
}

/** What the view knows when the pointer acts: its transform and what it shows. */
export interface ShownSlice {
  transform: ViewTransform;
  volume: Volume;
  index: number;
}

/** The annotations drawn on this view's slice. */
function onSlice(s: AppState, axis: SliceAxis, index: number): Annotation[] {
  return seriesAnnotations(s, s.selectedSeriesId).filter((a) => a.axis === axis && a.sliceIndex === index);
}

/** Starts a measurement drag for a left press at image point `uv` (screen point sx, sy). */
export function startMeasure(store: AppStore, axis: SliceAxis, shown: ShownSlice, uv: PointUv, sx: number, sy: number, pointerId: number): MeasureDrag | null {
  const s = store.getState();
  const kind = s.dragMode;
  if (kind !== 'ruler' && kind !== 'ellipse' && kind !== 'bidirectional') return null;
  if (s.selectedSeriesId === null) return null;
  let best: { id: string; handle: number; d: number } | null = null;
  for (const a of onSlice(s, axis, shown.index)) {
    patientMmToUv(shown.volume, axis, a.pointsLps).forEach((p, handle) => {
      const [x, y] = imageToScreen(shown.transform, p[0], p[1]);
      const d = Math.hypot(x - sx, y - sy);
      if (d <= GRAB_PX && (!best || d < best.d)) best = { id: a.id, handle, d };
    });
  }
  if (best) {
    const b: { id: string; handle: number } = best;
    s.selectAnnotation(b.id);
    return { id: b.id, handle: b.handle, creating: false, pointerId, startX: sx, startY: sy };
  }
  const p = uvToPatientMm(shown.volume, axis, shown.index, uv);
  const id = s.addAnnotation({ seriesId: s.selectedSeriesId, kind, axis, sliceIndex: shown.index, pointsLps: kind === 'bidirectional' ? [p, p, p, p] : [p, p] });
  return { id, handle: 1, creating: true, pointerId, startX: sx, startY: sy };
}

/** Moves the dragged point to image point `uv`. */
export function moveMeasure(store: AppStore, d: MeasureDrag, volume: Volume, uv: PointUv): void {
  const s = store.getState();
  const a = s.annotations.find((x) => x.id === d.id);
  if (!a) return;
  const pts = patientMmToUv(volume, a.axis, a.pointsLps);
  let next: PointUv[];
  if (a.kind !== 'bidirectional') {
    next = pts.map((p, i) => (i === d.handle ? uv : p));
  } else {
    const spacing = planeSpacingMmUv(volume, a.axis);
    const b = d.creating
      ? bidirectionalOfLongUv(pts[0], uv, spacing)
      : moveBidirectionalPointUv({ long: [pts[0], pts[1]], short: [pts[2], pts[3]] }, d.handle as 0 | 1 | 2 | 3, uv, spacing);
    next = [...b.long, ...b.short];
  }
  s.setAnnotationPoints(a.id, next.map((p) => uvToPatientMm(volume, a.axis, a.sliceIndex, p)));
}

/** Ends the drag: a new annotation that was hardly dragged is dropped. */
export function endMeasure(store: AppStore, d: MeasureDrag, sx: number, sy: number): void {
  if (d.creating && Math.hypot(sx - d.startX, sy - d.startY) < MIN_DRAW_PX) store.getState().removeAnnotation(d.id);
}

/** The marks of the annotations on this view's slice, with their values as labels. */
export function annotationMarks(s: AppState, axis: SliceAxis, volume: Volume, index: number): AnnotationMark[] {
  return onSlice(s, axis, index).map((a) => ({
    kind: a.kind,
    pointsUv: patientMmToUv(volume, axis, a.pointsLps),
    label: measurementLabel(a.kind, cachedAnnotationValues(volume, a)),
    selected: a.id === s.selectedAnnotationId,
  }));
}
