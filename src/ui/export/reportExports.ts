/**
 * The densitometry report of the selected series as the CLI's `--report`
 * writes it (core/analysis/report.ts: the same JSON for the same series and
 * parameters, plus the measurements drawn on the slices), downloaded as
 * JSON, CSV or a printable HTML page with the axial view as a key image.
 * The report is a few kB; the HU volume's hash is the host's WebCrypto
 * digest.
 */
import { DEFAULT_HU_CLASSES } from '../../core/analysis/densitometry';
import { buildDensitometryReport, reportCsv, reportHtml, type DensitometryReport, type ReportImage } from '../../core/analysis/report';
import { appStore, selectedSeries, seriesAnnotations } from '../../state/store';
import { reportMeasurements } from '../../viewer2d/annotationGeometry';
import { volumeCache } from '../../state/volumeCache';
import { downloadBytes } from './download';
import { exportFileName } from './fileNames';

export type ReportFormat = 'json' | 'csv' | 'html';

const MIME: Record<ReportFormat, string> = { json: 'application/json', csv: 'text/csv', html: 'text/html' };

/** The report of the selected series' analysis, or null when it has no densitometry yet. */
export async function currentReport(): Promise<DensitometryReport | null> {
  const state = appStore.getState();
  const series = selectedSeries(state);
  const r = state.analysisResults;
  const volume = volumeCache.get(state.selectedSeriesId);
  if (!series || !volume || !r || r.seriesId !== series.id || !r.densitometry) return null;
  return buildDensitometryReport({
    series,
    volume,
    thresholdHu: state.analysisParams.thresholdHu,
    background: state.analysisParams.background,
    classes: DEFAULT_HU_CLASSES,
    geometry: { trusted: r.trust?.geometryTrusted ?? true, reasons: r.trust?.reasons ?? [] },
    densitometry: r.densitometry,
    measurements: reportMeasurements(volume, seriesAnnotations(state, series.id)),
  });
}

/** The axial view as it is on screen, for the printable page. */
function keyImages(): ReportImage[] {
  const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=slice-canvas]');
  if (!canvas || canvas.width === 0) return [];
  try {
    return [{ title: 'Axial view', pngDataUrl: canvas.toDataURL('image/png') }];
  } catch {
    return [];
  }
}

/** The text of a report in one format. */
export function reportText(report: DensitometryReport, format: ReportFormat, images: readonly ReportImage[] = []): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'csv') return reportCsv(report);
  return reportHtml(report, images);
}

/** Downloads the report in `format`; false when there is none yet. */
export async function exportReport(format: ReportFormat): Promise<boolean> {
  const report = await currentReport();
  if (!report) return false;
  const s = selectedSeries(appStore.getState());
  const text = reportText(report, format, format === 'html' ? keyImages() : []);
  downloadBytes(new TextEncoder().encode(text), exportFileName(s?.description || null, 'densitometry report', format), MIME[format]);
  return true;
}
