/**
 * Measurements drawn on the slice views, as the store keeps them and the
 * viewer draws them: plain, serialisable data. The points are patient
 * coordinates (LPS mm), so they stay true whatever the zoom, pan or screen;
 * each annotation also names the view and slice it was drawn on (it is
 * drawn there only).
 */
import type { MeasurementKind } from '../core/measure/measurementReport';
import type { Vec3 } from '../core/volume/volume';
import type { SliceAxis } from './view';

export interface Annotation {
  id: string;
  seriesId: string;
  kind: MeasurementKind;
  axis: SliceAxis;
  /** Slice index along `axis` (0-based). */
  sliceIndex: number;
  /** Ruler: its two ends; ellipse: two opposite corners of its box; bidirectional: the long axis' ends, then the short axis'. */
  pointsLps: Vec3[];
}
