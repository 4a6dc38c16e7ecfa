/**
 * `analyze <folder> [--json] [--threshold HU] [--gk-z MM] [--out DIR]
 * [--max-hu-mib MIB]`: the whole analysis pipeline (src/core/analysis) in
 * Node on the largest CT series of a folder: lung masks, internal
 * structures, GK clustering on 5 slices, marching-cubes meshes and the
 * airway / left / right split, with timings per stage and peak memory.
 * `--out` writes the masks as NIfTI and the meshes as STL and OBJ; the
 * folder is checked (created, a file written and removed) before the
 * analysis, and when writing fails afterwards the report is still printed
 * (exit code 1). The series must fit the browser's memory budget
 * (core/volume/memoryBudget.ts; `--max-hu-mib` changes it), checked from
 * the headers before its volume is allocated. The folder may be a
 * DICOMweb series URL (readFolder retrieves it with WADO-RS); `--stow` then
 * stores --out's segmentation.dcm back on that server (stow.ts).
 *
 * The report says whether its numbers can be trusted (core/analysis/trust.ts:
 * the series' 3D geometry, lungs cut by the field of view) and carries the
 * series' warnings; with --json they also go to stderr as warnings.
 *
 * The analysis runs on two threads (analysisThread.ts: the two surfaces
 * are meshed on a worker thread while this one runs the inclusive mask, GK,
 * the split and densitometry, unless the worker has not started a job by then;
 * LUNGVIEW_THREADS=1 keeps everything on one thread). The worker is started
 * before the folder is read, so its start-up overlaps the reading.
 *
 * Timings (ms): read = listing, reading and parsing the headers of every
 * file; hu = converting the pixel data to HU into the volume (the two passes
 * of readFolder, the same loader the tests and benchmarks use); the
 * analysis stages as runAnalysis reports them, each timed on the thread that
 * ran it (the two segmentations share their first steps, split equally
 * between them; meshLung / meshInternal are the marching cubes alone,
 * meshArea the two surface areas); total = read + hu + the wall time of the
 * whole analysis (less than the sum of the stages, as two run at once;
 * the trust check after it is `trust` and writing --out files
 * `writeOutputs`, neither in total).
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnalysisResult, AnalysisTimingsMs, AnyAnalysisResult, PipelineSurface } from '../core/analysis/runAnalysis';
import { nowMs, trustStage } from '../core/analysis/stages';
import { LUNG_MASK_CHOICES, resolveAnalysisParams, sliceNearestZ, type AnalysisParamsInput, type LungMaskChoice } from '../core/analysis/analysisParams';
import { compareSeriesForDisplay } from '../core/dicom/buildSeries';
import type { LoadedSeries } from '../core/dicom/types';
import type { LungFieldMeasure, TrustProblem } from '../core/analysis/trust';
import { MAX_SERIES_HU_BYTES } from '../core/volume/memoryBudget';
import { EXIT, type CliIo } from './io';
import { readFolder, type ReadFolderOptions, type ReadFolderResult } from './readFolder';
import { fillHuOnThread, requestGkStart, runAnalysisThreaded, startAnalysisThread, type ThreadedAnalysisOptions } from './analysisThread';
import { writeAnalysisOutputs, writeDensitometryReport } from './analyzeOutputs';
import { densitometryParamsOf } from '../core/analysis/report';
import { formatStow, stowSegmentation, stowUsageProblem, type StowSummary } from './stow';
import type { DensitometryResult } from '../core/analysis/densitometry';

export const ANALYZE_USAGE =
  `analyze <folder | DICOMweb series URL> [--json] [--threshold HU] [--gk-z MM] [--lung-mask inclusive|fill|nofill] [--out DIR [--stow]] [--report DIR] [--max-hu-mib ${MAX_SERIES_HU_BYTES / 2 ** 20}]   ` +
  'lung masks, GK clusters and meshes of the largest CT series';

export interface AnalyzeOptions {
  folder: string;
  json: boolean;
  thresholdHu?: number;
  gkZMm?: number;
  outDir?: string;
  /** Folder for the densitometry report (report.json, report.csv, report.html). */
  reportDir?: string;
  lungMask?: LungMaskChoice;
  /** Memory budget of the series' HU volume, MiB (default the browser's, MAX_SERIES_HU_BYTES). */
  maxHuMib?: number;
  /** Store --out's segmentation.dcm back on the DICOMweb server the series came from (stow.ts). */
  stow?: boolean;
}

export interface MeshSummary {
  vertices: number;
  triangles: number;
  areaMm2: number;
}

export interface AnalyzeReport {
  folder: string;
  series: { id: string; description: string; modality: string; files: number; skippedFiles: number };
  /** False when the numbers below may be wrong: trust.reasons says why. */
  geometryTrusted: boolean;
  /** core/analysis/trust.ts assessTrust, with the lung-field measures it judged. */
  trust: { problems: TrustProblem[]; reasons: string[]; field: LungFieldMeasure };
  /** The series' warnings (slice order, spacing, missing tags), as buildSeries gives them. */
  warnings: string[];
  dimsZyx: [number, number, number];
  spacingMmZyx: [number, number, number];
  /** Patient (LPS mm) centre of voxel (0, 0, 0) and the directions of increasing x, y, z (index order x + y*nx + z*nx*ny). */
  originMm: [number, number, number];
  directionXyz: [[number, number, number], [number, number, number], [number, number, number]];
  params: { thresholdHu: number; background: string; gk: Record<string, number | string | null>; meshStepSize: number };
  voxels: { lungFill: number; lungNoFill: number; internal: number };
  /** Lung volumes; right/left/airway when the split succeeded, else splitFailure says why. */
  lungMl: {
    fill: number; noFill: number; internal: number;
    /** mL of the measured mask (lungMask), airway included; right, left and airway are its split. */
    measured: number;
    right?: number; left?: number; airway?: number; splitFailure?: string;
  };
  split: { ok: true; erosionMm: number; airwaySlices: [number, number] | null; notes: string[] } | { ok: false; reason: string };
  /** One entry per GK slice, ascending z (volume order). */
  gk: {
    slices: number[];
    sliceFiles: string[];
    slicesZMm: number[];
    centers: number[][];
    keptValue: number[];
    keptPixels: number[];
    iterations: number[];
  };
  /** The two surfaces' sizes; null when they were not made (`batch` without --meshes). */
  meshes: { lung: MeshSummary; internal: MeshSummary } | null;
  /** read and hu from readFolder; the analysis stages from runAnalysis; total = read + hu + the analysis. */
  timingsMs: AnalysisTimingsMs & { read: number; hu: number; trust: number; writeOutputs?: number };
  peakRssMb: number;
  /** The mask the split, densitometry and meshes.lung use ('inclusive' by default, 'fill' or 'nofill': the tutorial's). */
  lungMask: LungMaskChoice;
  /** The inclusive lung mask: voxels (the filled mask's, those added, effusion left out), mL, where it is unsure, the field-of-view check. */
  inclusive: { voxels: { fill: number; added: number; inclusive: number; effusionExcluded: number }; ml: number; notes: string[]; fieldOfView: { cut: boolean; reason: string | null } } | null;
  /** Lung densitometry per lung and region (core/analysis/densitometry.ts) on the measured mask (lungMask), split into right and left; null when the split failed. */
  densitometry: DensitometryResult | null;
  /** Files written by --out (absolute paths). */
  outputs?: string[];
  /** Why writing the --out files failed (outputs lists those written before). */
  outputsError?: string;
  /** What the DICOMweb server answered to --stow. */
  stow?: StowSummary;
}

export class UsageError extends Error {}

export function numberArg(name: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`${name} needs a value`);
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${name} must be a number, got '${v}'`);
  return n;
}

/** Parses the command's arguments; throws UsageError. */
export function parseAnalyzeArgs(args: string[]): AnalyzeOptions {
  const positional: string[] = [];
  const o: Partial<AnalyzeOptions> = { json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const [key, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : args[++i]);
    switch (key) {
      case '--json':
        o.json = true;
        break;
      case '--threshold':
        o.thresholdHu = numberArg('--threshold', value());
        break;
      case '--gk-z':
        o.gkZMm = numberArg('--gk-z', value());
        break;
      case '--out': {
        const v = value();
        if (!v) throw new UsageError('--out needs a folder');
        o.outDir = v;
        break;
      }
      case '--lung-mask': {
        const v = value();
        if (!LUNG_MASK_CHOICES.includes(v as LungMaskChoice)) throw new UsageError(`--lung-mask must be one of ${LUNG_MASK_CHOICES.join(', ')}, got '${v}'`);
        o.lungMask = v as LungMaskChoice;
        break;
      }
      case '--report': {
        const v = value();
        if (!v) throw new UsageError('--report needs a folder');
        o.reportDir = v;
        break;
      }
      case '--stow':
        o.stow = true;
        break;
      case '--max-hu-mib':
        o.maxHuMib = numberArg('--max-hu-mib', value());
        if (!(o.maxHuMib > 0)) throw new UsageError(`--max-hu-mib must be more than 0, got ${o.maxHuMib}`);
        break;
      default:
        if (a.startsWith('-')) throw new UsageError(`unknown option: ${a}`);
        positional.push(a);
    }
  }
  if (positional.length !== 1) throw new UsageError(positional.length ? 'give exactly one folder' : 'missing folder');
  const stowProblem = o.stow ? stowUsageProblem(positional[0], o.outDir) : null;
  if (stowProblem) throw new UsageError(stowProblem);
  return { ...o, folder: positional[0] } as AnalyzeOptions;
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function buildReport(folder: string, s: LoadedSeries, skippedFiles: number, r: AnyAnalysisResult, readMs: { read: number; hu: number }): AnalyzeReport {
  const { summary } = s;
  const split: AnalyzeReport['split'] = r.split === null
    ? { ok: false, reason: 'not run' }
    : r.split.ok
      ? { ok: true, erosionMm: r.split.erosionMm, airwaySlices: r.split.airwaySlices, notes: r.split.notes }
      : { ok: false, reason: r.split.reason };
  const lungMl: AnalyzeReport['lungMl'] = { fill: r.lungMl.fill, noFill: r.lungMl.noFill, internal: r.lungMl.internal, measured: r.lungMl.measured };
  if (r.split?.ok) {
    lungMl.right = r.split.rightLungMl;
    lungMl.left = r.split.leftLungMl;
    lungMl.airway = r.split.airwayMl;
  } else {
    lungMl.splitFailure = split.ok ? undefined : split.reason;
  }
  const mesh = (m: PipelineSurface): MeshSummary => ({ vertices: m.vertices, triangles: m.triangles, areaMm2: m.areaMm2 });
  const t = r.timingsMs;
  const t0 = nowMs();
  const trust = trustStage(s.volume, r.runs.fill, r.params.thresholdHu, summary, r.inclusive?.fieldOfView.cut ? r.inclusive.fieldOfView.reason : null, r.lungField);
  const field = trust.field;
  const trustMs = nowMs() - t0;
  return {
    folder,
    series: {
      id: summary.id,
      description: summary.description,
      modality: summary.modality,
      files: new Set(summary.files).size,
      skippedFiles,
    },
    geometryTrusted: trust.geometryTrusted,
    trust: { problems: trust.problems, reasons: trust.reasons, field },
    lungMask: r.params.lungMask,
    inclusive: r.inclusive
      ? { voxels: r.inclusive.voxels, ml: r.lungMl.measured, notes: r.inclusive.notes, fieldOfView: r.inclusive.fieldOfView }
      : null,
    densitometry: r.densitometry,
    warnings: [...summary.warnings],
    dimsZyx: summary.dimsZyx,
    spacingMmZyx: summary.spacingMmZyx,
    originMm: s.volume.originMm,
    directionXyz: s.volume.directionXyz,
    params: {
      thresholdHu: r.params.thresholdHu,
      background: r.params.background,
      gk: { ...r.params.gk },
      meshStepSize: r.params.mesh.stepSize,
    },
    voxels: r.voxels,
    lungMl,
    split,
    gk: {
      slices: r.gk.slices,
      sliceFiles: r.gk.slices.map((z) => summary.files[z]),
      slicesZMm: r.gk.perSlice.map((g) => g.zMm),
      centers: r.gk.perSlice.map((g) => g.centersHu),
      keptValue: r.gk.perSlice.map((g) => g.keptValue),
      keptPixels: r.gk.perSlice.map((g) => g.keptPixels),
      iterations: r.gk.perSlice.map((g) => g.iterations),
    },
    meshes: r.meshes ? { lung: mesh(r.meshes.lung), internal: mesh(r.meshes.internal) } : null,
    timingsMs: {
      read: readMs.read,
      hu: readMs.hu,
      segmentNoFill: t.segmentNoFill,
      segmentFill: t.segmentFill,
      segmentShared: t.segmentShared,
      internal: t.internal,
      gk: t.gk,
      inclusive: t.inclusive,
      meshLung: t.meshLung,
      meshInternal: t.meshInternal,
      meshArea: t.meshArea,
      split: t.split,
      densitometry: t.densitometry,
      total: readMs.read + readMs.hu + t.total,
      trust: trustMs,
    },
    peakRssMb: peakRssMb(),
  };
}

/** What `analyze` computes before it reports: the folder read, the series analysed, and the analysis. */
export interface FolderAnalysis {
  read: ReadFolderResult;
  /** The largest CT series of the folder. */
  series: LoadedSeries;
  result: AnalysisResult;
}

/**
 * The work of `analyze` up to its report: starts the analysis worker, reads
 * the folder, picks the largest CT series and analyses it on two threads
 * with `input` plus what `pick` derives from the series (the GK slice
 * nearest a z, say). Throws when the folder holds no CT series.
 */
export async function readAndAnalyze(
  folder: string, input: AnalysisParamsInput = {}, pick?: (s: LoadedSeries) => AnalysisParamsInput, budget: ReadFolderOptions = {},
): Promise<FolderAnalysis> {
  const threaded = startAnalysisThread();
  // Shared HU: the worker fills half of the slices while this thread fills the others, and runs GK on them without a copy.
  const read = await readFolder(folder, { ...budget, sharedHu: threaded, fillOnThread: fillHuOnThread() ?? undefined });
  // GK's start for the usual 512 × 512 slice is drawn on the worker while this thread makes the masks (another size is asked for once known).
  requestGkStart(resolveAnalysisParams(input).gk, 512 * 512);
  const ct = read.series.filter((s) => s.summary.modality === 'CT');
  // readFolder lists the largest CT series first, among those it assembled and those it refused.
  const refusedCt = read.refused.find((r) => r.summary.modality === 'CT');
  if (refusedCt && (ct.length === 0 || compareSeriesForDisplay(refusedCt.summary, ct[0].summary) < 0)) {
    throw new Error(`the largest CT series in ${folder} (${refusedCt.summary.description || refusedCt.summary.id}) was not loaded: ${refusedCt.reason}` +
      ' (--max-hu-mib sets the budget)');
  }
  if (ct.length === 0) {
    const found = read.series.length || read.refused.length
      ? `found ${[...read.series, ...read.refused].map((s) => `${s.summary.modality || 'unknown'} (${s.summary.sliceCount} slices)`).join(', ')}`
      : 'no image series';
    throw new Error(`no CT series in ${folder}: ${found}, ${read.skipped.length} file(s) skipped`);
  }
  const series = ct[0];
  return { read, series, result: await analyzeSeries(series, input, pick) };
}

/** The analysis input of one loaded series as `analyze` runs it (densitometry on the measured mask's right and left lungs). */
function seriesInput(series: LoadedSeries, input: AnalysisParamsInput, pick?: (s: LoadedSeries) => AnalysisParamsInput): AnalysisParamsInput {
  // The name of the mask measured is resolveAnalysisParams's (LUNG_MASK_NAMES of --lung-mask).
  const densitometry = input.densitometry === null ? null : { ...densitometryParamsOf(series.summary, 'lung-fill'), ...input.densitometry };
  return { ...input, densitometry, ...(pick ? pick(series) : {}) };
}

/** The analysis of one loaded series as `analyze` runs it (densitometry on the measured mask, on two threads). */
export async function analyzeSeries(
  series: LoadedSeries, input: AnalysisParamsInput = {}, pick?: (s: LoadedSeries) => AnalysisParamsInput,
): Promise<AnalysisResult> {
  return runAnalysisThreaded(series.volume, seriesInput(series, input, pick));
}

/** analyzeSeries without the two surfaces when `meshes` is false (`batch` without --meshes: meshes null). */
export async function analyzeSeriesFor(series: LoadedSeries, opts: ThreadedAnalysisOptions, input: AnalysisParamsInput = {}): Promise<AnyAnalysisResult> {
  return runAnalysisThreaded(series.volume, seriesInput(series, input), opts);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Makes sure files can be written into `dir` (created when missing): writes
 * and removes a small file there. Throws with the reason: a file in the way,
 * a path under a file, no permission, a read-only file system.
 */
export async function checkOutDir(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => null);
  if (s && !s.isDirectory()) throw new Error(`--out ${dir} is not a folder`);
  const probe = path.join(dir, `.lungview-write-check-${process.pid}`);
  try {
    // One level at a time: Node's recursive mkdir never returns for some
    // paths it cannot create (under /proc, say); mkdir of one level fails.
    const missing: string[] = [];
    for (let d = dir; !(await stat(d).catch(() => null)) && path.dirname(d) !== d; d = path.dirname(d)) missing.push(d);
    for (const d of missing.reverse()) {
      // Another process (a task of the same job array) may create it at the same moment.
      await mkdir(d).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST' || !(await stat(d)).isDirectory()) throw e;
      });
    }
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (e) {
    throw new Error(`cannot write into --out ${dir}: ${errorText(e)}`);
  }
}

/**
 * Checks the --out folder, reads the folder, runs the pipeline, writes the
 * --out files; returns the report and the analysis. A failure to write the
 * outputs does not throw: the report says it (outputsError).
 */
export async function analyzeFolder(o: AnalyzeOptions): Promise<{ report: AnalyzeReport; result: AnalysisResult; series: LoadedSeries }> {
  const outDir = o.outDir === undefined ? undefined : path.resolve(o.outDir);
  if (outDir !== undefined) await checkOutDir(outDir);
  const reportDir = o.reportDir === undefined ? undefined : path.resolve(o.reportDir);
  if (reportDir !== undefined) await checkOutDir(reportDir);
  const input: AnalysisParamsInput = {};
  if (o.thresholdHu !== undefined) input.thresholdHu = o.thresholdHu;
  if (o.lungMask !== undefined) input.lungMask = o.lungMask;
  const gkZMm = o.gkZMm;
  const budget: ReadFolderOptions = o.maxHuMib === undefined ? {} : { maxSeriesHuBytes: Math.floor(o.maxHuMib * 2 ** 20) };
  const { read, series, result } = await readAndAnalyze(o.folder, input,
    gkZMm === undefined ? undefined : (s) => ({ gk: { centreSlice: sliceNearestZ(s.volume, gkZMm) } }), budget);
  const report = buildReport(o.folder, series, read.skipped.length, result, read.timingsMs);
  if (outDir !== undefined) {
    const t0 = nowMs();
    const written: string[] = [];
    try {
      await writeAnalysisOutputs(outDir, series.volume, result, written, { series: series.summary });
    } catch (e) {
      report.outputsError = errorText(e);
    }
    report.outputs = written;
    report.timingsMs.writeOutputs = nowMs() - t0;
    if (o.stow && !report.outputsError) {
      try {
        report.stow = await stowSegmentation(o.folder, outDir);
      } catch (e) {
        report.outputsError = `--stow: ${errorText(e)}`;
      }
    }
  }
  if (reportDir !== undefined) {
    const written: string[] = [];
    try {
      if (!result.densitometry) throw new Error(`no densitometry to report: ${result.split?.ok === false ? `the left / right split failed (${result.split.reason})` : 'it was not run'}`);
      await writeDensitometryReport(reportDir, series, result, report.geometryTrusted, report.trust.reasons, written);
    } catch (e) {
      report.outputsError = [report.outputsError, `report: ${errorText(e)}`].filter(Boolean).join('; ');
    }
    report.outputs = [...(report.outputs ?? []), ...written];
  }
  report.peakRssMb = peakRssMb();
  return { report, result, series };
}

function fmt(v: number, digits: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The report as readable text. */
export function formatAnalyzeReport(r: AnalyzeReport): string {
  const L: string[] = [];
  const [nz, ny, nx] = r.dimsZyx;
  L.push(`${r.folder}: ${r.series.modality} series ${r.series.description || r.series.id}, ${r.series.files} files` +
    (r.series.skippedFiles ? `, ${r.series.skippedFiles} skipped` : ''));
  L.push(`volume ${nz}×${ny}×${nx} (z×y×x), spacing ${r.spacingMmZyx.map((v) => fmt(v, 4)).join(' / ')} mm; threshold ${r.params.thresholdHu} HU`);
  for (const w of r.warnings) L.push(`warning: ${w}`);
  if (!r.geometryTrusted) {
    L.push('', 'NOT TRUSTED: the volumes, meshes and areas below may be wrong:');
    for (const reason of r.trust.reasons) L.push(`  - ${reason}`);
  }
  L.push('');
  const lm = r.lungMl;
  const rows = [
    ['lung, filled', fmt(r.voxels.lungFill, 0), fmt(lm.fill, 1)],
    ['lung, not filled', fmt(r.voxels.lungNoFill, 0), fmt(lm.noFill, 1)],
    ['internal structures', fmt(r.voxels.internal, 0), fmt(lm.internal, 1)],
  ];
  if (r.inclusive) rows.push(['lungs, inclusive', fmt(r.inclusive.voxels.inclusive, 0), fmt(r.inclusive.ml, 1)]);
  if (lm.right !== undefined) rows.push(['right lung', '', fmt(lm.right, 1)]);
  if (lm.left !== undefined) rows.push(['left lung', '', fmt(lm.left, 1)]);
  if (lm.airway !== undefined) rows.push(['airway', '', fmt(lm.airway, 1)]);
  L.push(...table(['mask', 'voxels', 'mL'], rows));
  L.push(`measured on: ${r.lungMask === 'inclusive' ? 'the inclusive lung mask (dense lung against the chest wall included)' : `the tutorial's ${r.lungMask} mask`} (--lung-mask)`);
  for (const note of r.inclusive?.notes ?? []) L.push(`  note: ${note}`);
  if (lm.splitFailure) L.push(`airway / left / right split failed: ${lm.splitFailure}`);
  L.push('');
  L.push(...table(
    ['GK slice', 'z mm', 'kept HU', 'kept px', 'iter', 'centres HU'],
    r.gk.slices.map((z, k) => [
      String(z), fmt(r.gk.slicesZMm[k], 2), String(r.gk.keptValue[k]), fmt(r.gk.keptPixels[k], 0), String(r.gk.iterations[k]),
      r.gk.centers[k].map((c) => fmt(c, 1)).join(', '),
    ]),
  ));
  L.push('');
  const d = r.densitometry;
  if (d) {
    const set = (name: string, m: DensitometryResult['whole']) => [
      name, fmt(m.volumeMl, 1), m.laa950 === null ? '–' : fmt(m.laa950, 2), m.perc15 === null ? '–' : fmt(m.perc15, 1), m.meanHu === null ? '–' : fmt(m.meanHu, 1),
    ];
    L.push(...table([`densitometry (${d.lungMask})`, 'mL', 'LAA-950 %', 'Perc15 HU', 'mean HU'], [set('both lungs', d.whole), set('right lung', d.right), set('left lung', d.left)]));
    for (const q of d.qa) L.push(`  ${q.level}: ${q.message} ${q.why}`);
    L.push('');
  }
  const m = r.meshes;
  if (m) {
    L.push(...table(['mesh', 'vertices', 'triangles', 'area cm²'], [
      ['lung', fmt(m.lung.vertices, 0), fmt(m.lung.triangles, 0), fmt(m.lung.areaMm2 / 100, 1)],
      ['internal', fmt(m.internal.vertices, 0), fmt(m.internal.triangles, 0), fmt(m.internal.areaMm2 / 100, 1)],
    ]));
    L.push('');
  }
  const t = r.timingsMs;
  const trows: [string, number | undefined][] = [
    ['read', t.read], ['hu', t.hu], ['segmentNoFill', t.segmentNoFill], ['segmentFill', t.segmentFill],
    ['internal', t.internal], ['gk', t.gk], ['meshLung', t.meshLung], ['meshInternal', t.meshInternal], ['meshArea', t.meshArea], ['split', t.split], ['densitometry', t.densitometry],
    ['total', t.total], ['trust', t.trust], ['writeOutputs', t.writeOutputs],
  ];
  L.push(...table(['stage', 'ms'], trows.filter(([, v]) => v !== undefined).map(([k, v]) => [k, fmt(v as number, 1)])));
  L.push(`peak RSS ${fmt(r.peakRssMb, 0)} MB`);
  if (r.outputs?.length) {
    L.push('', 'written:');
    for (const f of r.outputs) L.push(`  ${f}`);
  }
  if (r.stow) L.push('', ...formatStow(r.stow));
  if (r.outputsError) L.push('', `writing the outputs failed: ${r.outputsError}`);
  return L.join('\n') + '\n';
}

export async function runAnalyze(args: string[], io: CliIo): Promise<number> {
  let o: AnalyzeOptions;
  try {
    o = parseAnalyzeArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`${e.message}\nusage: ${ANALYZE_USAGE}\n`);
    return EXIT.usage;
  }
  let report: AnalyzeReport;
  try {
    report = (await analyzeFolder(o)).report;
  } catch (e) {
    io.err(`error: ${errorText(e)}\n`);
    return EXIT.failed;
  }
  io.out(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatAnalyzeReport(report));
  if (o.json) {
    // The text report shows these; with --json stdout is JSON only, so they are repeated here.
    for (const w of report.warnings) io.err(`warning: ${w}\n`);
    for (const reason of report.trust.reasons) io.err(`warning: not trusted: ${reason}\n`);
  }
  if (report.outputsError) {
    io.err(`error: writing the outputs failed: ${report.outputsError}\n`);
    return EXIT.failed;
  }
  return EXIT.done;
}
