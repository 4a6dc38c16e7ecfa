/**
 * Annotations between patient coordinates and a slice plane: a point of a
 * slice (continuous pixel coordinates u, v; pixel k covers [k, k+1)) to LPS
 * mm and back, the plane's size and spacing, and the measured values of an
 * annotation on the volume (core planeMeasure on the slice it was drawn on).
 *
 * Cost: O(1) per point; an ellipse ROI cuts its slice (O(plane)) and visits
 * the pixels inside.
 */
import {
  bidirectionalLengthsMm,
  ellipseAreaMm2,
  ellipseOfCornersUv,
  ellipseRoiStatsHu,
  segmentLengthMm,
  type PointUv,
} from '../core/measure/planeMeasure';
import type { MeasurementValues, ReportMeasurement } from '../core/measure/measurementReport';
import { patientMmToVoxelFn, voxelToPatientMm, type Vec3, type Volume, type VolumeGeometry } from '../core/volume/volume';
import type { Annotation } from '../shared/annotations';
import type { SliceAxis } from '../shared/view';
import { sliceToVoxel, voxelToSlice } from './mpr';
import { extractSlice } from './renderSlice';

type Grid = Pick<VolumeGeometry, 'nx' | 'ny' | 'nz' | 'spacingMmXyz'>;

/** Width and height (pixels) of a slice plane along `axis`. */
export function planeSizeUv(g: Grid, axis: SliceAxis): [number, number] {
  return axis === 'axial' ? [g.nx, g.ny] : axis === 'coronal' ? [g.nx, g.nz] : [g.ny, g.nz];
}

/** Size of one pixel of a slice plane along `axis`, in mm along u and v. */
export function planeSpacingMmUv(g: Grid, axis: SliceAxis): [number, number] {
  const [sx, sy, sz] = g.spacingMmXyz;
  return axis === 'axial' ? [sx, sy] : axis === 'coronal' ? [sx, sz] : [sy, sz];
}

/** Patient position (LPS mm) of point (u, v) of slice `index` along `axis`. */
export function uvToPatientMm(g: VolumeGeometry, axis: SliceAxis, index: number, uv: PointUv): Vec3 {
  const [x, y, z] = sliceToVoxel(axis, index, uv[0] - 0.5, uv[1] - 0.5);
  return voxelToPatientMm(g, x, y, z);
}

/** Points (u, v) of patient positions on a view along `axis` (the slice coordinate is dropped). */
export function patientMmToUv(g: VolumeGeometry, axis: SliceAxis, pointsLps: readonly Vec3[]): PointUv[] {
  const toVoxel = patientMmToVoxelFn(g);
  return pointsLps.map((p) => {
    const q = voxelToSlice(axis, toVoxel(p));
    return [q.u + 0.5, q.v + 0.5];
  });
}

/** The measured values of an annotation on the volume it was drawn on. */
export function annotationValues(volume: Volume, a: Annotation): MeasurementValues {
  const spacing = planeSpacingMmUv(volume, a.axis);
  const p = patientMmToUv(volume, a.axis, a.pointsLps);
  if (a.kind === 'ruler') return { lengthMm: segmentLengthMm(p[0], p[1], spacing) };
  if (a.kind === 'bidirectional') return bidirectionalLengthsMm({ long: [p[0], p[1]], short: [p[2], p[3]] }, spacing);
  const e = ellipseOfCornersUv(p[0], p[1]);
  const image = extractSlice(volume, a.axis, a.sliceIndex);
  return { areaMm2: ellipseAreaMm2(e, spacing), ...ellipseRoiStatsHu(image.data, image.width, image.height, e) };
}

/** The annotations as the report carries them (numbered in order, values measured). */
export function reportMeasurements(volume: Volume, annotations: readonly Annotation[]): ReportMeasurement[] {
  return annotations.map((a, i) => ({
    number: i + 1,
    kind: a.kind,
    view: a.axis,
    slice: a.sliceIndex + 1,
    pointsLps: a.pointsLps.map((p) => [...p] as Vec3),
    values: annotationValues(volume, a),
  }));
}
