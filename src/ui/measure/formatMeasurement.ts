/**
 * Measured values as text: the on-image label's lines and the panel's
 * value + unit + tooltip rows.
 */
import type { MeasurementKind, MeasurementValues } from '../../core/measure/measurementReport';

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits).replace('-', '−'));

export const KIND_NAMES: Record<MeasurementKind, string> = { ruler: 'Ruler', ellipse: 'Ellipse ROI', bidirectional: 'Bidirectional' };

/** The lines drawn next to a measurement on the image. */
export function measurementLabel(kind: MeasurementKind, v: MeasurementValues): string[] {
  if (kind === 'ruler') return [`${fmt(v.lengthMm)} mm`];
  if (kind === 'bidirectional') return [`L ${fmt(v.longMm)} mm`, `S ${fmt(v.shortMm)} mm`];
  return [`${fmt(v.areaMm2)} mm²`, `mean ${fmt(v.meanHu)} SD ${fmt(v.sdHu)} HU`, `min ${fmt(v.minHu, 0)} max ${fmt(v.maxHu, 0)} HU`];
}

export interface ValueRow {
  name: string;
  value: string;
  unit: string;
  title: string;
  testId: string;
}

/** The panel's rows of a measurement: value, unit and what it is. */
export function measurementRows(kind: MeasurementKind, v: MeasurementValues): ValueRow[] {
  if (kind === 'ruler') return [{ name: 'Length', value: fmt(v.lengthMm), unit: 'mm', title: 'Length of the segment in mm, from the pixel spacing of this plane', testId: 'length-mm' }];
  if (kind === 'bidirectional') {
    return [
      { name: 'Long', value: fmt(v.longMm), unit: 'mm', title: 'Long axis in mm', testId: 'long-mm' },
      { name: 'Short', value: fmt(v.shortMm), unit: 'mm', title: 'Short axis in mm, perpendicular to the long axis', testId: 'short-mm' },
    ];
  }
  return [
    { name: 'Area', value: fmt(v.areaMm2), unit: 'mm²', title: 'Area of the ellipse in mm² (π × both semi-axes in mm)', testId: 'area-mm2' },
    { name: 'Mean', value: fmt(v.meanHu, 2), unit: 'HU', title: `Mean HU of the ${v.pixels ?? 0} voxels whose centres are inside the ellipse, on this slice`, testId: 'mean-hu' },
    { name: 'SD', value: fmt(v.sdHu, 2), unit: 'HU', title: 'Standard deviation of those voxels (divided by n)', testId: 'sd-hu' },
    { name: 'Min', value: fmt(v.minHu, 0), unit: 'HU', title: 'Lowest HU inside', testId: 'min-hu' },
    { name: 'Max', value: fmt(v.maxHu, 0), unit: 'HU', title: 'Highest HU inside', testId: 'max-hu' },
  ];
}
