/**
 * `info <folder | DICOMweb series URL> [--json] [--max-hu-mib MIB]`: the series found in a folder
 * (size, spacing, HU range, warnings), the files that were skipped and the
 * series refused for the memory budget, with reasons.
 */
import type { LoadedSeries, SkippedFile } from '../core/dicom/types';
import { MAX_SERIES_HU_BYTES } from '../core/volume/memoryBudget';
import { EXIT, type CliIo } from './io';
import { readFolder, type ReadFolderOptions } from './readFolder';

export const INFO_USAGE = `info <folder> [--json] [--max-hu-mib ${MAX_SERIES_HU_BYTES / 2 ** 20}]   list the series in a folder and the skipped files`;

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

/** A series not loaded: its HU volume would exceed the memory budget. */
export interface RefusedSeriesInfo {
  id: string;
  modality: string;
  description: string;
  slices: number;
  dimsZyx: [number, number, number];
  reason: string;
}

export interface InfoResult {
  series: SeriesInfo[];
  skipped: SkippedFile[];
  refused: RefusedSeriesInfo[];
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

async function collectInfo(folder: string, budget: ReadFolderOptions = {}): Promise<InfoResult> {
  const { series, skipped, refused } = await readFolder(folder, budget);
  return {
    series: series.map(seriesInfo),
    skipped,
    refused: refused.map(({ summary: s, reason }) => ({
      id: s.id, modality: s.modality, description: s.description, slices: s.sliceCount, dimsZyx: s.dimsZyx, reason,
    })),
  };
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
  if (r.refused.length) {
    lines.push('', 'not loaded (memory budget, --max-hu-mib sets it):');
    for (const s of r.refused) lines.push(`  ${s.modality || '-'} ${s.description || s.id}: ${s.reason}`);
  }
  if (r.skipped.length) {
    lines.push('', 'skipped:');
    const w = Math.max(...r.skipped.map((s) => s.file.length));
    for (const s of r.skipped) lines.push(`  ${pad(s.file, w)}  ${s.reason}`);
  }
  return lines.join('\n') + '\n';
}

/** The arguments of info, or the reason they are wrong. */
function parseInfoArgs(args: string[]): { folder: string; json: boolean; budget: ReadFolderOptions } | string {
  let json = false;
  const budget: ReadFolderOptions = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--max-hu-mib' || a.startsWith('--max-hu-mib=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[++i];
      const mib = Number(v);
      if (v === undefined || v.trim() === '' || !(mib > 0) || !Number.isFinite(mib)) return `--max-hu-mib must be more than 0, got '${v ?? ''}'`;
      budget.maxSeriesHuBytes = Math.floor(mib * 2 ** 20);
    } else if (a.startsWith('-')) return `unknown option: ${a}`;
    else positional.push(a);
  }
  if (positional.length !== 1) return positional.length ? 'give exactly one folder' : 'missing folder';
  return { folder: positional[0], json, budget };
}

export async function runInfo(args: string[], io: CliIo): Promise<number> {
  const parsed = parseInfoArgs(args);
  if (typeof parsed === 'string') {
    io.err(`${parsed}\nusage: ${INFO_USAGE}\n`);
    return EXIT.usage;
  }
  const { folder, json, budget } = parsed;
  let result: InfoResult;
  try {
    result = await collectInfo(folder, budget);
  } catch (e) {
    io.err(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
  io.out(json ? `${JSON.stringify(result, null, 2)}\n` : formatInfo(folder, result));
  return EXIT.done;
}
