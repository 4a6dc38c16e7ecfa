/**
 * Measurements drawn on the slices as the report carries them: what was
 * measured (kind, view, slice, the points in patient coordinates) and the
 * values with their units in the names, plus their CSV rows and the
 * printable page's table. Plain data, serialisable as JSON.
 *
 * Cost: proportional to the number of measurements.
 */
import type { Vec3 } from '../volume/volume';

export type MeasurementKind = 'ruler' | 'ellipse' | 'bidirectional';
export const MEASUREMENT_KINDS: readonly MeasurementKind[] = ['ruler', 'ellipse', 'bidirectional'];

/** The values of one measurement (null when there is nothing to measure, e.g. an ROI with no pixel inside). */
export interface MeasurementValues {
  lengthMm?: number;
  areaMm2?: number;
  pixels?: number;
  meanHu?: number | null;
  sdHu?: number | null;
  minHu?: number | null;
  maxHu?: number | null;
  longMm?: number;
  shortMm?: number;
}

export interface ReportMeasurement {
  /** 1, 2, … in the order they were drawn. */
  number: number;
  kind: MeasurementKind;
  view: 'axial' | 'coronal' | 'sagittal';
  /** Slice number along the view's axis, 1-based (index + 1). */
  slice: number;
  /** Ruler: its ends; ellipse: two opposite corners of its box; bidirectional: the long axis' ends, then the short axis' (LPS mm). */
  pointsLps: Vec3[];
  values: MeasurementValues;
}

/** Units of the values, by name. */
export const MEASUREMENT_UNITS: Readonly<Record<keyof MeasurementValues, string>> = {
  lengthMm: 'mm',
  areaMm2: 'mm²',
  pixels: 'pixels',
  meanHu: 'HU',
  sdHu: 'HU',
  minHu: 'HU',
  maxHu: 'HU',
  longMm: 'mm',
  shortMm: 'mm',
};

/** The values of a measurement in display order, with their units. */
export function measurementEntries(v: MeasurementValues): { name: keyof MeasurementValues; value: number | null; unit: string }[] {
  const out: { name: keyof MeasurementValues; value: number | null; unit: string }[] = [];
  for (const name of Object.keys(MEASUREMENT_UNITS) as (keyof MeasurementValues)[]) {
    const value = v[name];
    if (value !== undefined) out.push({ name, value, unit: MEASUREMENT_UNITS[name] });
  }
  return out;
}

/** The CSV rows of the measurements, in the report's columns (region, measure, value, unit); region is `measurement-<n>-<kind>-<view>-slice-<k>`. */
export function measurementCsvLines(ms: readonly ReportMeasurement[]): string[] {
  const lines: string[] = [];
  for (const m of ms) {
    const region = `measurement-${m.number}-${m.kind}-${m.view}-slice-${m.slice}`;
    for (const e of measurementEntries(m.values)) lines.push(`${region},${e.name},${e.value === null ? '' : String(e.value)},${e.unit}`);
  }
  return lines;
}

/** One line of text per measurement for the printable page (e.g. "Ellipse, axial slice 60: area 120.3 mm², mean −850.2 HU …"). */
export function measurementSummary(m: ReportMeasurement): string {
  const kind = m.kind === 'ruler' ? 'Ruler' : m.kind === 'ellipse' ? 'Ellipse ROI' : 'Bidirectional';
  const parts = measurementEntries(m.values).map((e) => `${e.name} ${e.value === null ? '—' : Number.isInteger(e.value) ? String(e.value) : e.value.toFixed(1)} ${e.unit}`);
  return `${m.number}. ${kind}, ${m.view} slice ${m.slice}: ${parts.join(', ')}`;
}
