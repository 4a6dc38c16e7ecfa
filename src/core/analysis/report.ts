/**
 * The densitometry report to keep: one JSON object (numbers, parameters,
 * lungview's version, the series' description without patient identifiers,
 * the SHA-256 of the HU volume so a result can be reproduced, warnings),
 * its CSV (one tidy row per region × measure) and a printable HTML page
 * (print stylesheet: key images, tables, warnings; the browser's Save as
 * PDF gives the PDF). The browser and the CLI build it with these same
 * functions, so the same series and parameters give the same JSON.
 *
 * Cost: the hash, one pass over the HU bytes (SHA-256 of the host's
 * WebCrypto); the rest is proportional to the number of measures.
 */
import type { SeriesSummary } from '../dicom/types';
import type { Volume } from '../volume/volume';
import { LUNGVIEW_VERSION } from '../version';
import { measurementCsvLines, measurementSummary, type ReportMeasurement } from '../measure/measurementReport';
import { densitometryCsv, type DensitometryMeasures, type DensitometryParams, type DensitometryResult, type HuClassDefinition, type QaItem } from './densitometry';

export interface ReportSeries {
  seriesInstanceUid: string;
  description: string;
  modality: string;
  dimsZyx: [number, number, number];
  spacingMmZyx: [number, number, number];
  sliceThicknessMm: number | null;
  convolutionKernel: string;
  manufacturer: string;
  manufacturerModel: string;
}

export interface DensitometryReport {
  lungview: { version: string };
  series: ReportSeries;
  /** SHA-256 (hex) of the HU volume's bytes (int16 little endian, i = x + y*nx + z*nx*ny). */
  huSha256: string;
  params: { thresholdHu: number; background: string; lungMask: string; classes: readonly HuClassDefinition[] };
  /** Whether the geometry can be trusted for volumes, and why not. */
  geometry: { trusted: boolean; reasons: string[] };
  /** The series' warnings (geometry, rescale, duplicates...). */
  warnings: string[];
  densitometry: DensitometryResult;
  /** Rulers, ellipse ROIs and bidirectional measurements drawn on the slices (empty when none). */
  measurements: ReportMeasurement[];
}

/** What densitometry's quality checks read from the series (kernel, slice thickness), with the name of the mask measured. */
export function densitometryParamsOf(s: SeriesSummary, lungMask: string): DensitometryParams {
  const h = s.firstHeader;
  return { lungMask, convolutionKernel: h.convolutionKernel || null, sliceThicknessMm: h.sliceThicknessMm, contrastBolusAgent: h.contrastBolusAgent ?? null };
}

/** The series' description for a report: no patient name or id. */
export function reportSeries(s: SeriesSummary): ReportSeries {
  const h = s.firstHeader;
  return {
    seriesInstanceUid: s.seriesInstanceUid,
    description: s.description,
    modality: s.modality,
    dimsZyx: s.dimsZyx,
    spacingMmZyx: s.spacingMmZyx,
    sliceThicknessMm: h.sliceThicknessMm,
    convolutionKernel: h.convolutionKernel,
    manufacturer: h.manufacturer,
    manufacturerModel: h.manufacturerModel,
  };
}

interface SubtleDigest {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}

/**
 * SHA-256 (lower-case hex) with the host's WebCrypto (browsers, workers and
 * Node 20 all have globalThis.crypto.subtle). WebCrypto refuses a view of
 * shared memory (the command line reads its HU into a SharedArrayBuffer),
 * so such bytes are hashed from a copy.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleDigest } }).crypto?.subtle;
  if (!subtle) throw new Error('no WebCrypto here to hash the HU volume');
  const own = typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
  const d = new Uint8Array(await subtle.digest('SHA-256', own));
  let hex = '';
  for (const b of d) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** The HU volume's bytes, little endian as the report's hash reads them. */
export function huBytes(volume: Pick<Volume, 'hu'>): Uint8Array {
  const hu = volume.hu;
  return new Uint8Array(hu.buffer, hu.byteOffset, hu.byteLength);
}

export interface ReportInput {
  series: SeriesSummary;
  volume: Pick<Volume, 'hu'>;
  thresholdHu: number;
  background: string;
  classes: readonly HuClassDefinition[];
  geometry: { trusted: boolean; reasons: string[] };
  densitometry: DensitometryResult;
  measurements?: readonly ReportMeasurement[];
}

/** The report of one analysed series. */
export async function buildDensitometryReport(input: ReportInput): Promise<DensitometryReport> {
  return {
    lungview: { version: LUNGVIEW_VERSION },
    series: reportSeries(input.series),
    huSha256: await sha256Hex(huBytes(input.volume)),
    params: { thresholdHu: input.thresholdHu, background: input.background, lungMask: input.densitometry.lungMask, classes: input.classes },
    geometry: input.geometry,
    warnings: [...input.series.warnings],
    densitometry: input.densitometry,
    measurements: [...(input.measurements ?? [])],
  };
}

/** The report's CSV: one row per region × measure (region, measure, value, unit), then one per measurement × value. */
export function reportCsv(r: DensitometryReport): string {
  const extra = measurementCsvLines(r.measurements ?? []);
  return densitometryCsv(r.densitometry) + (extra.length ? `${extra.join('\n')}\n` : '');
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function num(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

const SET_ROWS: [string, (d: DensitometryResult) => DensitometryMeasures][] = [
  ['Both lungs', (d) => d.whole],
  ['Right lung', (d) => d.right],
  ['Left lung', (d) => d.left],
  ['Right upper third', (d) => d.regions.rightUpper],
  ['Right middle third', (d) => d.regions.rightMiddle],
  ['Right lower third', (d) => d.regions.rightLower],
  ['Left upper third', (d) => d.regions.leftUpper],
  ['Left middle third', (d) => d.regions.leftMiddle],
  ['Left lower third', (d) => d.regions.leftLower],
  ['Right ventral half', (d) => d.regions.rightVentral],
  ['Right dorsal half', (d) => d.regions.rightDorsal],
  ['Left ventral half', (d) => d.regions.leftVentral],
  ['Left dorsal half', (d) => d.regions.leftDorsal],
];

/** A key image for the printable page: a title and a PNG as a data: URL. */
export interface ReportImage {
  title: string;
  pngDataUrl: string;
}

function qaList(items: QaItem[]): string {
  if (!items.length) return '<p>No quality warnings.</p>';
  return `<ul class="qa">${items.map((q) => `<li class="${q.level}"><b>${esc(q.message)}</b> ${esc(q.why)}</li>`).join('')}</ul>`;
}

/** A printable HTML page of the report (self-contained; print stylesheet; no script). */
export function reportHtml(r: DensitometryReport, images: readonly ReportImage[] = []): string {
  const d = r.densitometry;
  const s = r.series;
  const rows = SET_ROWS.map(([name, pick]) => {
    const m = pick(d);
    return `<tr><th>${name}</th><td>${num(m.volumeMl, 1)}</td><td>${num(m.massG, 1)}</td><td>${num(m.laa950, 2)}</td><td>${num(m.laa910, 2)}</td><td>${num(m.laa856, 2)}</td><td>${num(m.haa700, 2)}</td><td>${num(m.haa600, 2)}</td><td>${num(m.perc15, 1)}</td><td>${num(m.meanHu, 1)}</td><td>${num(m.stdHu, 1)}</td><td>${num(m.medianHu, 1)}</td></tr>`;
  }).join('\n');
  const classRows = d.classes.whole.classes.map((c) => `<tr><th>${esc(c.name)}</th><td>${num(c.volumeMl, 1)}</td><td>${num(c.percent, 2)}</td></tr>`).join('\n');
  const warnings = [...(r.geometry.trusted ? [] : [`Geometry not trusted: ${r.geometry.reasons.join('; ')}`]), ...r.warnings];
  const imgs = images.map((im) => `<figure><img src="${esc(im.pngDataUrl)}" alt="${esc(im.title)}"><figcaption>${esc(im.title)}</figcaption></figure>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lungview densitometry report — ${esc(s.description || s.seriesInstanceUid)}</title>
<style>
body { font: 13px/1.4 system-ui, sans-serif; color: #111; margin: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 4px 0 8px; } th, td { border: 1px solid #bbb; padding: 2px 6px; text-align: right; } th { text-align: left; background: #f2f2f2; }
.meta td, .meta th { text-align: left; } .qa li.warning { color: #8a1c00; } figure { display: inline-block; margin: 4px 8px 4px 0; } figure img { max-width: 320px; border: 1px solid #999; }
@media print { body { margin: 10mm; } h2 { break-after: avoid; } table, figure { break-inside: avoid; } }
</style></head><body>
<h1>Lung densitometry</h1>
<p>lungview ${esc(r.lungview.version)} · lung mask: ${esc(r.params.lungMask)} · threshold ${r.params.thresholdHu} HU · HU volume SHA-256 <code>${esc(r.huSha256)}</code></p>
<table class="meta">
<tr><th>Series</th><td>${esc(s.description)} (${esc(s.modality)})</td></tr>
<tr><th>Series UID</th><td>${esc(s.seriesInstanceUid)}</td></tr>
<tr><th>Grid (z × y × x)</th><td>${s.dimsZyx.join(' × ')} voxels, spacing ${s.spacingMmZyx.map((v) => v.toFixed(3)).join(' × ')} mm</td></tr>
<tr><th>Slice thickness / kernel</th><td>${num(s.sliceThicknessMm, 2)} mm / ${esc(s.convolutionKernel || 'unknown')}</td></tr>
<tr><th>Scanner</th><td>${esc([s.manufacturer, s.manufacturerModel].filter(Boolean).join(' ') || 'unknown')}</td></tr>
</table>
<h2>Quality checks</h2>
${qaList(d.qa)}
${warnings.length ? `<h2>Series warnings</h2><ul>${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
${imgs ? `<h2>Key images</h2>${imgs}` : ''}
<h2>Measures per lung and region</h2>
<table>
<tr><th>Set</th><th>Volume mL</th><th>Mass g</th><th>LAA−950 %</th><th>LAA−910 %</th><th>LAA−856 %</th><th>HAA−700 %</th><th>HAA−600 %</th><th>Perc15 HU</th><th>Mean HU</th><th>SD HU</th><th>Median HU</th></tr>
${rows}
</table>
<h2>HU classes, both lungs</h2>
<table><tr><th>Class</th><th>mL</th><th>%</th></tr>
${classRows}
<tr><th>Functional (inflated)</th><td></td><td>${num(d.classes.whole.functionalPercent, 2)}</td></tr>
<tr><th>Affected (infiltrated + collapsed)</th><td></td><td>${num(d.classes.whole.affectedPercent, 2)}</td></tr>
</table>
${r.measurements?.length ? `<h2>Measurements</h2><ul class="measurements">${r.measurements.map((m) => `<li>${esc(measurementSummary(m))}</li>`).join('')}</ul>` : ''}
<p>Airway (tracheal air) median ${num(d.airway.medianHu, 0)} HU over ${d.airway.voxels} voxels. Regions: thirds of each lung's height and halves of its front–back extent, in patient coordinates.</p>
</body></html>
`;
}
