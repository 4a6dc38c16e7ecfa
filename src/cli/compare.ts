/**
 * `compare <ct-folder> <mask>`: another tool's segmentation (a DICOM SEG or
 * a NIfTI label map) against lungview's analysis of the largest CT series
 * in the folder, per matched structure: Dice, volume difference (mL, %),
 * the largest (Hausdorff) and mean symmetric surface distance (mm). The
 * same core functions as the browser's comparison table (io/maskImport.ts,
 * analysis/compareSegmentations.ts) on the same masks (the analysis as
 * `analyze` runs it, its segments as segmentation.dcm holds them).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { compareSegmentations, type SegmentationComparison } from '../core/analysis/compareSegmentations';
import { analysisSegments, segmentMasks } from '../core/io/analysisSeg';
import { importMaskFile } from '../core/io/maskImport';
import { numberArg, readAndAnalyze, UsageError } from './analyze';
import { EXIT, type CliIo } from './io';

export const COMPARE_USAGE = 'compare <ct-folder> <mask.nii.gz|seg.dcm> [--json] [--max-hu-mib 1024]';

interface CompareOptions {
  folder: string;
  mask: string;
  json: boolean;
  maxHuMib?: number;
}

function parseCompareArgs(args: string[]): CompareOptions {
  const positional: string[] = [];
  let json = false;
  let maxHuMib: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--max-hu-mib') {
      maxHuMib = numberArg('--max-hu-mib', args[++i]);
      if (!(maxHuMib > 0)) throw new UsageError(`--max-hu-mib must be more than 0, got ${maxHuMib}`);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option: ${a}`);
    else positional.push(a);
  }
  if (positional.length !== 2) throw new UsageError('give a CT folder and a mask file (NIfTI or DICOM SEG)');
  return { folder: positional[0], mask: positional[1], json, maxHuMib };
}

export interface CompareReport {
  folder: string;
  mask: string;
  format: string;
  note: string;
  series: { id: string; description: string };
  rows: {
    structure: string;
    label: string;
    lungview: string;
    other: string;
    dice: number;
    lungviewMl: number;
    otherMl: number;
    volumeDiffMl: number;
    volumeDiffPct: number | null;
    hausdorffMm: number | null;
    meanSurfaceMm: number | null;
  }[];
  unmatched: string[];
}

function reportOf(o: CompareOptions, format: string, note: string, series: CompareReport['series'], c: SegmentationComparison): CompareReport {
  return {
    folder: o.folder,
    mask: o.mask,
    format,
    note,
    series,
    rows: c.rows.map((r) => ({
      structure: r.structure,
      label: r.label,
      lungview: r.ours,
      other: r.theirs,
      dice: r.result.dice,
      lungviewMl: r.result.volumeAMl,
      otherMl: r.result.volumeBMl,
      volumeDiffMl: r.result.volumeDiffMl,
      volumeDiffPct: r.result.volumeDiffPct,
      hausdorffMm: r.result.hausdorffMm,
      meanSurfaceMm: r.result.meanSurfaceMm,
    })),
    unmatched: c.unmatched,
  };
}

const f = (v: number | null, d: number, sign = false) => (v === null ? '–' : `${sign && v > 0 ? '+' : ''}${v.toFixed(d)}`);

export function formatCompareReport(r: CompareReport): string {
  const head = ['structure', 'Dice', 'lungview mL', 'other mL', 'ΔV mL', 'ΔV %', 'HD mm', 'MSD mm', 'other segment(s)'];
  const rows = r.rows.map((x) => [x.label, f(x.dice, 4), f(x.lungviewMl, 1), f(x.otherMl, 1), f(x.volumeDiffMl, 1, true), f(x.volumeDiffPct, 2, true), f(x.hausdorffMm, 2), f(x.meanSurfaceMm, 3), x.other]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 || c === cells.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [
    `${r.mask} (${r.format}: ${r.note}) against lungview's analysis of ${r.series.description || r.series.id}`,
    '',
    ...(r.rows.length ? [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)] : ['no segment matches one of lungview\'s structures (by SNOMED code or name)']),
    ...(r.unmatched.length ? ['', `not matched: ${r.unmatched.join(', ')}`] : []),
    '',
    'ΔV: other − lungview (% of lungview\'s); HD: largest, MSD: mean symmetric surface distance between surface voxels',
    '',
  ].join('\n');
}

export async function runCompare(args: string[], io: CliIo): Promise<number> {
  let o: CompareOptions;
  try {
    o = parseCompareArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\nusage: npm run cli -- ${COMPARE_USAGE}\n`);
      return EXIT.usage;
    }
    throw e;
  }
  const bytes = new Uint8Array(await readFile(o.mask));
  const budget = o.maxHuMib === undefined ? {} : { maxSeriesHuBytes: Math.floor(o.maxHuMib * 2 ** 20) };
  const { series, result } = await readAndAnalyze(o.folder, {}, undefined, budget);
  const imported = importMaskFile(bytes, path.basename(o.mask), { geometry: series.volume, summary: series.summary });
  if (!imported.ok) {
    io.err(`error: ${o.mask} is refused: ${imported.reason}\n`);
    return EXIT.failed;
  }
  const ours = segmentMasks(analysisSegments(result, series.volume));
  const c = compareSegmentations(ours, imported.segments, series.volume);
  const report = reportOf(o, imported.format, imported.note, { id: series.summary.id, description: series.summary.description }, c);
  io.out(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatCompareReport(report));
  return EXIT.done;
}
