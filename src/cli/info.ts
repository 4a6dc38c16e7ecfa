/**
 * `info <folder> [--json]`: the series found in a folder (size, spacing, HU
 * range, warnings) and the files that were skipped, with reasons.
 */
import type { LoadedSeries, SkippedFile } from '../core/dicom/types';
import type { CliIo } from './io';
import { readFolder } from './readFolder';

export const INFO_USAGE = 'info <folder> [--json]   list the series in a folder and the skipped files';

export interface SeriesInfo {
  id: string;
  seriesUid: string;
  modality: string;
  description: string;
  /** Number of distinct files the volume's slices came from. */
  files: number;
  slices: number;
  dimsZyx: [number, number, number];
  spacingMmZyx: [number, number, number];
  originMm: [number, number, number];
  firstSlicePositionMm: number;
  lastSlicePositionMm: number;
  huMin: number;
  huMax: number;
  huMean: number;
  warnings: string[];
}

export interface InfoResult {
  series: SeriesInfo[];
  skipped: SkippedFile[];
}

/** Min, max and mean of a HU array (one pass). */
function huStats(hu: Int16Array): { min: number; max: number; mean: number } {
  let min = 32767;
  let max = -32768;
  let sum = 0;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return hu.length ? { min, max, mean: sum / hu.length } : { min: 0, max: 0, mean: 0 };
}

function seriesInfo(s: LoadedSeries): SeriesInfo {
  const { summary, volume } = s;
  const st = huStats(volume.hu);
  const pos = summary.slicePositionsMm;
  return {
    id: summary.id,
    seriesUid: summary.seriesInstanceUid,
    modality: summary.modality,
    description: summary.description,
    files: new Set(summary.files).size,
    slices: summary.sliceCount,
    dimsZyx: summary.dimsZyx,
    spacingMmZyx: summary.spacingMmZyx,
    originMm: volume.originMm,
    firstSlicePositionMm: pos[0],
    lastSlicePositionMm: pos[pos.length - 1],
    huMin: st.min,
    huMax: st.max,
    huMean: st.mean,
    warnings: summary.warnings,
  };
}

async function collectInfo(folder: string): Promise<InfoResult> {
  const { series, skipped } = await readFolder(folder);
  return { series: series.map(seriesInfo), skipped };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function num(v: number, digits = 3): string {
  return String(Number(v.toFixed(digits)));
}

function formatInfo(folder: string, r: InfoResult): string {
  const lines: string[] = [];
  lines.push(`${folder}: ${r.series.length} series, ${r.skipped.length} skipped file(s)`);
  if (r.series.length) {
    const head = ['#', 'modality', 'description', 'files', 'dims z×y×x', 'spacing z/y/x mm', 'HU min', 'HU max', 'HU mean'];
    const rows = r.series.map((s, i) => [
      String(i + 1), s.modality || '-', s.description || '-', String(s.files), s.dimsZyx.join('×'),
      s.spacingMmZyx.map((v) => num(v, 4)).join(' / '), String(s.huMin), String(s.huMax), num(s.huMean, 1),
    ]);
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
    const fmt = (row: string[]) => row.map((cell, c) => pad(cell, widths[c])).join('  ').trimEnd();
    lines.push('', fmt(head), fmt(widths.map((w) => '-'.repeat(w))));
    r.series.forEach((s, i) => {
      lines.push(fmt(rows[i]));
      lines.push(`   uid ${s.seriesUid || '-'}${s.id !== s.seriesUid ? ` (id ${s.id})` : ''}; z ${num(s.firstSlicePositionMm)} … ${num(s.lastSlicePositionMm)} mm`);
      for (const w of s.warnings) lines.push(`   warning: ${w}`);
    });
  }
  if (r.skipped.length) {
    lines.push('', 'skipped:');
    const w = Math.max(...r.skipped.map((s) => s.file.length));
    for (const s of r.skipped) lines.push(`  ${pad(s.file, w)}  ${s.reason}`);
  }
  return lines.join('\n') + '\n';
}

export async function runInfo(args: string[], io: CliIo): Promise<number> {
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
  const positional = args.filter((a) => !a.startsWith('-'));
  if (unknown.length || positional.length !== 1) {
    io.err(`usage: ${INFO_USAGE}\n`);
    return 2;
  }
  const folder = positional[0];
  let result: InfoResult;
  try {
    result = await collectInfo(folder);
  } catch (e) {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  io.out(json ? `${JSON.stringify(result, null, 2)}\n` : formatInfo(folder, result));
  return 0;
}
