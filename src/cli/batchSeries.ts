/**
 * The work of `batch` on one folder (a BatchUnit), as a worker thread or the
 * command itself runs it: readFolder on the folder's own files, then every
 * series in it: CT series analysed with the stages of `analyze`
 * (analyzeSeries, buildReport) and written to OUT/<series-id>/, the others
 * (not CT, over the memory budget, a folder of DICOM files none of which
 * could be read) as failed rows with their reason.
 *
 * Every file appears whole or not at all: each series' files are written
 * into OUT/.partial/<pid>-<thread>/ and renamed into its folder, and its
 * analyze.json comes last, so a series folder is complete when it has
 * analyze.json. Once every series of the folder is done, the folder's rows
 * go to OUT/.units/<hash of the folder>.json, which `--resume` reads back.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { LoadedSeries, SeriesSummary } from '../core/dicom/types';
import type { LungMaskChoice } from '../core/analysis/analysisParams';
import { dicomParser } from '../core/dicom/dicomParserLib';
import { analyzeSeriesFor, buildReport, type AnalyzeReport } from './analyze';
import { writeAnalysisOutputs, writeDensitometryReport } from './analyzeOutputs';
import { failedRow, reportRow, safeSeriesId, shortHash, type BatchIdentifiers, type BatchRow, type BatchUnit, type RowSeries } from './batchPlan';
import { readFolder } from './readFolder';
import { startAnalysisThread } from './analysisThread';
import { isHttpUrl } from '../core/io/dicomweb';

export interface BatchUnitOptions {
  meshes: boolean;
  withIdentifiers: boolean;
  /** The mask the volumes per lung, densitometry and the lung mesh are of (default analyze's, 'inclusive'). */
  lungMask?: LungMaskChoice;
}

/** What a folder's work leaves in OUT/.units: its rows (read back by --resume). */
export interface UnitRecord {
  rows: BatchRow[];
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Folder where this process's unfinished files live (removed on Ctrl-C). */
export function partialDir(out: string, pid = process.pid): string {
  return path.join(out, '.partial', String(pid));
}

/** Removes this process's unfinished files (and OUT/.partial when nothing else is left in it). */
export async function clearPartial(out: string): Promise<void> {
  await rm(partialDir(out), { recursive: true, force: true });
  await rmdir(path.dirname(partialDir(out))).catch(() => undefined);
}

/** The record of a folder's work. */
export function unitRecordPath(out: string, unit: BatchUnit): string {
  return path.join(out, '.units', `${shortHash(unit.rel)}.json`);
}

/** Writes a file under a temporary name in this thread's partial folder, then renames it into place. */
export async function writeFileAtomic(out: string, file: string, data: string | Uint8Array): Promise<void> {
  const tmpDir = path.join(partialDir(out), `t${threadId}`);
  await mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, `${path.basename(file)}.tmp`);
  await writeFile(tmp, data);
  await mkdir(path.dirname(file), { recursive: true });
  await rename(tmp, file);
}

/** The DICOM elements of a file's header the rows need beyond the core's header (birth date; UIDs of a file the core refused). */
async function headerStrings(file: string): Promise<Record<'studyUid' | 'seriesUid' | 'modality' | 'description' | 'birthDate', string> | null> {
  try {
    const bytes = new Uint8Array(await readFile(file));
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    const s = (tag: string) => (ds.string(tag) ?? '').trim();
    return { studyUid: s('x0020000d'), seriesUid: s('x0020000e'), modality: s('x00080060'), description: s('x0008103e'), birthDate: s('x00100030') };
  } catch {
    return null;
  }
}

async function identifiersOf(folder: string, unit: BatchUnit, summary: SeriesSummary | null): Promise<BatchIdentifiers> {
  const h = summary?.firstHeader;
  const first = summary?.files[0];
  const birth = first ? (await headerStrings(path.join(folder, first)))?.birthDate ?? '' : '';
  return { folder: unit.rel, patientName: h?.patientName ?? '', patientId: h?.patientId ?? '', patientBirthDate: birth };
}

function rowSeries(s: SeriesSummary): RowSeries {
  return {
    id: s.id, studyInstanceUid: s.firstHeader.studyInstanceUid, seriesInstanceUid: s.seriesInstanceUid, modality: s.modality,
    description: s.description, dimsZyx: s.dimsZyx, spacingMmZyx: s.spacingMmZyx, warnings: [...s.warnings],
  };
}

/** Whether a file starts like a DICOM Part 10 file ("DICM" after the 128-byte preamble). */
async function looksLikeDicom(file: string): Promise<boolean> {
  const b = await readFile(file).catch(() => null);
  return !!b && b.length >= 132 && b.toString('latin1', 128, 132) === 'DICM';
}

/** Analyses one CT series and writes its folder; the report as written to analyze.json. */
async function analyzeAndWrite(
  out: string, unit: BatchUnit, series: LoadedSeries, skippedFiles: number, readMs: { read: number; hu: number },
  o: BatchUnitOptions, ids: BatchIdentifiers | undefined,
): Promise<AnalyzeReport & { patient?: BatchIdentifiers }> {
  const result = await analyzeSeriesFor(series, { meshes: o.meshes }, o.lungMask ? { lungMask: o.lungMask } : {});
  const report = buildReport(o.withIdentifiers ? unit.rel : '', series, skippedFiles, result, readMs);
  const dir = path.join(out, safeSeriesId(series.summary.id));
  const stage = path.join(partialDir(out), `t${threadId}`, 'series');
  await rm(dir, { recursive: true, force: true });
  await rm(stage, { recursive: true, force: true });
  const staged: string[] = [];
  await writeAnalysisOutputs(stage, series.volume, result, staged, { meshes: o.meshes });
  if (result.densitometry) await writeDensitometryReport(stage, series, result, report.geometryTrusted, report.trust.reasons, staged);
  await mkdir(dir, { recursive: true });
  const outputs: string[] = [];
  for (const f of staged) {
    const to = path.join(dir, path.basename(f));
    await rename(f, to);
    outputs.push(to);
  }
  await rm(stage, { recursive: true, force: true });
  const written = { ...report, outputs, ...(ids ? { patient: ids } : {}) };
  await writeFileAtomic(out, path.join(dir, 'analyze.json'), `${JSON.stringify(written, null, 2)}\n`);
  return written;
}

/** The rows of a folder in which no series could be assembled: none for a folder of other files, one failed row when it holds DICOM files. */
async function unreadableFolderRows(folder: string, unit: BatchUnit, skipped: { file: string; reason: string }[], o: BatchUnitOptions): Promise<BatchRow[]> {
  const dicom: { file: string; reason: string }[] = [];
  for (const s of skipped) if (await looksLikeDicom(path.join(folder, s.file))) dicom.push(s);
  if (dicom.length === 0) return [];
  const h = await headerStrings(path.join(folder, dicom[0].file));
  const reasons = [...new Set(dicom.map((s) => s.reason))];
  const reason = `no series could be read: ${dicom.length} DICOM file(s) skipped: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; …' : ''}`;
  const s: RowSeries = {
    id: h?.seriesUid || `unreadable-${shortHash(unit.rel)}`, studyInstanceUid: h?.studyUid ?? '', seriesInstanceUid: h?.seriesUid ?? '',
    modality: h?.modality ?? '', description: h?.description ?? '', dimsZyx: null, spacingMmZyx: null, warnings: [],
  };
  const ids = o.withIdentifiers ? { ...(await identifiersOf(folder, unit, null)), patientBirthDate: h?.birthDate ?? '' } : undefined;
  return [failedRow(s, reason, ids)];
}

/**
 * Reads one folder and analyses every series in it; returns the rows (one
 * per series, in the folder's order) and records them in OUT/.units.
 * Throws only when the record cannot be written.
 */
export async function runBatchUnit(root: string, unit: BatchUnit, out: string, o: BatchUnitOptions): Promise<UnitRecord> {
  const folder = isHttpUrl(root) ? root : path.join(root, unit.rel);
  const rows: BatchRow[] = [];
  try {
    // With its second thread (a single worker), GK and the trust measures run there on the shared HU.
    const read = await readFolder(folder, { files: unit.files, sharedHu: startAnalysisThread() });
    for (const r of read.refused) {
      const ids = o.withIdentifiers ? await identifiersOf(folder, unit, r.summary) : undefined;
      rows.push(failedRow(rowSeries(r.summary), `not loaded: ${r.reason}`, ids));
    }
    for (const series of read.series) {
      const ids = o.withIdentifiers ? await identifiersOf(folder, unit, series.summary) : undefined;
      if (series.summary.modality !== 'CT') {
        rows.push(failedRow(rowSeries(series.summary), `not a CT series (modality ${series.summary.modality || 'missing'})`, ids));
        continue;
      }
      try {
        const report = await analyzeAndWrite(out, unit, series, read.skipped.length, read.timingsMs, o, ids);
        rows.push(reportRow(rowSeries(series.summary), report, ids));
      } catch (e) {
        rows.push(failedRow(rowSeries(series.summary), errorText(e), ids));
      }
    }
    if (read.series.length === 0 && read.refused.length === 0) rows.push(...(await unreadableFolderRows(folder, unit, read.skipped, o)));
  } catch (e) {
    const s: RowSeries = { id: `unreadable-${shortHash(unit.rel)}`, studyInstanceUid: '', seriesInstanceUid: '', modality: '', description: '', dimsZyx: null, spacingMmZyx: null, warnings: [] };
    rows.push(failedRow(s, `cannot read the folder: ${errorText(e)}`, o.withIdentifiers ? await identifiersOf(folder, unit, null) : undefined));
  }
  const record: UnitRecord = { rows };
  await writeFileAtomic(out, unitRecordPath(out, unit), `${JSON.stringify(record)}\n`);
  return record;
}

/** The record of a folder done by an earlier run, or null when it must be (re)done: no record, a series folder without analyze.json, or a series measured with another lung mask. */
export async function doneUnitRecord(out: string, unit: BatchUnit, lungMask: LungMaskChoice = 'inclusive'): Promise<UnitRecord | null> {
  const text = await readFile(unitRecordPath(out, unit), 'utf8').catch(() => null);
  if (text === null) return null;
  let record: UnitRecord;
  try {
    record = JSON.parse(text) as UnitRecord;
  } catch {
    return null;
  }
  for (const r of record.rows) {
    if (r.status !== 'ok') continue;
    // Measured with another --lung-mask (or before rows said which): done again.
    if (r.lungMask !== lungMask) return null;
    const names = await readdir(path.join(out, r.seriesId)).catch(() => [] as string[]);
    if (!names.includes('analyze.json')) return null;
  }
  return record;
}
