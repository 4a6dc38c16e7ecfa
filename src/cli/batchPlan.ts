/**
 * The plan of `batch` and the shape of its results, without any analysis:
 * the folders to read under a root (each folder that holds files is one unit
 * of work: readFolder on its own files, every series in it), the share of
 * them a shard takes, the filesystem-safe series ids, the result rows and
 * their CSV / JSON lines (sorted by series id, so the same rows give the
 * same bytes however they were split over shards and workers).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AnalyzeReport } from './analyze';
import { listFiles } from './readFolder';

/** One folder under the root with the files directly in it (paths relative to that folder, sorted). */
export interface BatchUnit {
  /** The folder relative to the root, with "/" ("." for the root itself). */
  rel: string;
  files: string[];
}

/**
 * Every folder under `root` (any depth) that directly holds files, with
 * those files; sorted by folder. Series are found inside each folder by
 * readFolder (grouped by SeriesInstanceUID), so a folder may hold many
 * series and junk files; a series whose files are spread over several
 * folders is read per folder.
 */
export async function discoverUnits(root: string): Promise<BatchUnit[]> {
  const byDir = new Map<string, string[]>();
  for (const f of await listFiles(root)) {
    const dir = path.posix.dirname(f);
    let list = byDir.get(dir);
    if (!list) byDir.set(dir, (list = []));
    list.push(path.posix.basename(f));
  }
  return [...byDir.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([rel, files]) => ({ rel, files }));
}

/** A shard: the k-th (0-based) of n. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The share of `units` a shard takes: every n-th of the list sorted by
 * folder, from the k-th. Deterministic whatever the order the folders were
 * found in; shards are disjoint and together cover every unit.
 */
export function shardUnits(units: BatchUnit[], shard: Shard | null): BatchUnit[] {
  const sorted = [...units].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index) : sorted;
}

/** Parses "K/N" (K 1-based). */
export function parseShard(v: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v.trim());
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!(n >= 1 && k >= 1 && k <= n)) throw new Error(`--shard must be K/N with 1 <= K <= N, got '${v}'`);
  return { index: k - 1, count: n };
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got '${v}'`);
  return n;
}

/**
 * The shard from the environment: a Slurm job array (SLURM_ARRAY_TASK_ID
 * and SLURM_ARRAY_TASK_COUNT; the index counts from SLURM_ARRAY_TASK_MIN in
 * steps of SLURM_ARRAY_TASK_STEP, so --array=0-3 and --array=1-4 both give
 * shards 1/4..4/4) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with
 * the count from --shard-count); null when neither is set.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, shardCount?: number): Shard | null {
  const id = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (id !== undefined) {
    const count = envInt(env, 'SLURM_ARRAY_TASK_COUNT');
    if (count === undefined) throw new Error('SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    const min = envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = envInt(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    const index = (id - min) / step;
    if (!(Number.isInteger(index) && index >= 0 && index < count)) {
      throw new Error(`SLURM_ARRAY_TASK_ID ${id} is not one of the ${count} tasks from ${min} in steps of ${step}`);
    }
    return { index, count };
  }
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (shardCount === undefined) throw new Error('JOB_COMPLETION_INDEX is set: give the number of completions with --shard-count N');
    if (!(k8s >= 0 && k8s < shardCount)) throw new Error(`JOB_COMPLETION_INDEX ${k8s} is not below --shard-count ${shardCount}`);
    return { index: k8s, count: shardCount };
  }
  return null;
}

/** A filesystem-safe, stable folder name for a series id (SeriesInstanceUID plus "#k" when it was split). */
export function safeSeriesId(id: string): string {
  const safe = id.replace(/#/g, '-').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe.length > 0 && safe.length <= 120 ? safe : `series-${shortHash(id)}`;
}

/** 16 hex digits of the SHA-256 of a text. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Patient identifiers, only with --with-identifiers. */
export interface BatchIdentifiers {
  folder: string;
  patientName: string;
  patientId: string;
  patientBirthDate: string;
}

/** One row of results.csv / results.jsonl: a series analysed, or one that failed and why. */
export interface BatchRow extends Partial<BatchIdentifiers> {
  seriesId: string;
  status: 'ok' | 'failed';
  reason: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  description: string;
  nz: number | null;
  ny: number | null;
  nx: number | null;
  spacingZMm: number | null;
  spacingYMm: number | null;
  spacingXMm: number | null;
  geometryTrusted: boolean | null;
  warnings: string;
  lungFillMl: number | null;
  lungNoFillMl: number | null;
  internalMl: number | null;
  /** The mask the right / left / airway volumes and densitometry are of ('inclusive', 'fill', 'nofill'; '' when failed). */
  lungMask: string;
  /** mL of that mask, airway included (right + left + airway when the split succeeded). */
  measuredLungMl: number | null;
  rightLungMl: number | null;
  leftLungMl: number | null;
  airwayMl: number | null;
  split: string;
  densWholeMl: number | null;
  densRightMl: number | null;
  densLeftMl: number | null;
  laa950Whole: number | null;
  laa950Right: number | null;
  laa950Left: number | null;
  perc15Whole: number | null;
  perc15Right: number | null;
  perc15Left: number | null;
  meanHuWhole: number | null;
  meanHuRight: number | null;
  meanHuLeft: number | null;
}

const ROW_COLUMNS = [
  'seriesId', 'status', 'reason', 'studyInstanceUid', 'seriesInstanceUid', 'modality', 'description',
  'nz', 'ny', 'nx', 'spacingZMm', 'spacingYMm', 'spacingXMm', 'geometryTrusted', 'warnings',
  'lungFillMl', 'lungNoFillMl', 'internalMl', 'lungMask', 'measuredLungMl', 'rightLungMl', 'leftLungMl', 'airwayMl', 'split',
  'densWholeMl', 'densRightMl', 'densLeftMl', 'laa950Whole', 'laa950Right', 'laa950Left',
  'perc15Whole', 'perc15Right', 'perc15Left', 'meanHuWhole', 'meanHuRight', 'meanHuLeft',
] as const satisfies readonly (keyof BatchRow)[];

const IDENTIFIER_COLUMNS = ['folder', 'patientName', 'patientId', 'patientBirthDate'] as const satisfies readonly (keyof BatchIdentifiers)[];

/** What a row says about a series known only from its headers (or not even that). */
export interface RowSeries {
  id: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  description: string;
  dimsZyx: [number, number, number] | null;
  spacingMmZyx: [number, number, number] | null;
  warnings: string[];
}

const NO_NUMBERS = {
  geometryTrusted: null, lungFillMl: null, lungNoFillMl: null, internalMl: null, measuredLungMl: null, rightLungMl: null, leftLungMl: null, airwayMl: null,
  densWholeMl: null, densRightMl: null, densLeftMl: null, laa950Whole: null, laa950Right: null, laa950Left: null,
  perc15Whole: null, perc15Right: null, perc15Left: null, meanHuWhole: null, meanHuRight: null, meanHuLeft: null,
} as const;

function seriesColumns(s: RowSeries): Pick<BatchRow, 'seriesId' | 'studyInstanceUid' | 'seriesInstanceUid' | 'modality' | 'description' | 'nz' | 'ny' | 'nx' | 'spacingZMm' | 'spacingYMm' | 'spacingXMm' | 'warnings'> {
  return {
    seriesId: safeSeriesId(s.id),
    studyInstanceUid: s.studyInstanceUid,
    seriesInstanceUid: s.seriesInstanceUid,
    modality: s.modality,
    description: s.description,
    nz: s.dimsZyx?.[0] ?? null,
    ny: s.dimsZyx?.[1] ?? null,
    nx: s.dimsZyx?.[2] ?? null,
    spacingZMm: s.spacingMmZyx?.[0] ?? null,
    spacingYMm: s.spacingMmZyx?.[1] ?? null,
    spacingXMm: s.spacingMmZyx?.[2] ?? null,
    warnings: s.warnings.join('; '),
  };
}

/** The row of a series that could not be analysed. */
export function failedRow(s: RowSeries, reason: string, ids?: BatchIdentifiers): BatchRow {
  return { ...seriesColumns(s), status: 'failed', reason, ...NO_NUMBERS, lungMask: '', split: '', ...ids };
}

/** The row of a series analysed: the analyze report's headline numbers. */
export function reportRow(s: RowSeries, r: AnalyzeReport, ids?: BatchIdentifiers): BatchRow {
  const d = r.densitometry;
  return {
    ...seriesColumns(s),
    status: 'ok',
    reason: '',
    geometryTrusted: r.geometryTrusted,
    lungFillMl: r.lungMl.fill,
    lungNoFillMl: r.lungMl.noFill,
    internalMl: r.lungMl.internal,
    lungMask: r.lungMask,
    measuredLungMl: r.lungMl.measured,
    rightLungMl: r.lungMl.right ?? null,
    leftLungMl: r.lungMl.left ?? null,
    airwayMl: r.lungMl.airway ?? null,
    split: r.split.ok ? 'ok' : `failed: ${r.split.reason}`,
    densWholeMl: d?.whole.volumeMl ?? null,
    densRightMl: d?.right.volumeMl ?? null,
    densLeftMl: d?.left.volumeMl ?? null,
    laa950Whole: d?.whole.laa950 ?? null,
    laa950Right: d?.right.laa950 ?? null,
    laa950Left: d?.left.laa950 ?? null,
    perc15Whole: d?.whole.perc15 ?? null,
    perc15Right: d?.right.perc15 ?? null,
    perc15Left: d?.left.perc15 ?? null,
    meanHuWhole: d?.whole.meanHu ?? null,
    meanHuRight: d?.right.meanHu ?? null,
    meanHuLeft: d?.left.meanHu ?? null,
    ...ids,
  };
}

/** A row without the identifier columns (rows recorded by a run with --with-identifiers, resumed without it). */
export function withoutIdentifiers(row: BatchRow): BatchRow {
  const r = { ...row };
  for (const c of IDENTIFIER_COLUMNS) delete r[c];
  return r;
}

function compareRows(a: BatchRow, b: BatchRow): number {
  if (a.seriesId !== b.seriesId) return a.seriesId < b.seriesId ? -1 : 1;
  // The same series id twice (a series spread over folders, or copied): by the rest of the row.
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja < jb ? -1 : ja > jb ? 1 : 0;
}

/** Rows sorted by series id (then by content): the order of every results file. */
export function sortRows(rows: BatchRow[]): BatchRow[] {
  return [...rows].sort(compareRows);
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** results.csv: a header, then one line per row (sorted); the identifier columns only when a row has them. */
export function rowsCsv(rows: BatchRow[]): string {
  const sorted = sortRows(rows);
  const withIds = sorted.some((r) => r.patientId !== undefined || r.folder !== undefined);
  const cols: readonly (keyof BatchRow)[] = withIds ? [...ROW_COLUMNS, ...IDENTIFIER_COLUMNS] : ROW_COLUMNS;
  return [cols.join(','), ...sorted.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** results.jsonl: one JSON object per row (sorted), keys in column order. */
export function rowsJsonl(rows: BatchRow[]): string {
  return sortRows(rows).map((r) => {
    const o: Record<string, unknown> = {};
    for (const c of [...ROW_COLUMNS, ...IDENTIFIER_COLUMNS]) if (r[c] !== undefined) o[c] = r[c];
    return `${JSON.stringify(o)}\n`;
  }).join('');
}

/** Parses results.jsonl back into rows (batch-merge). */
export function parseRowsJsonl(text: string, file: string): BatchRow[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    try {
      const r = JSON.parse(l) as BatchRow;
      if (typeof r.seriesId !== 'string' || (r.status !== 'ok' && r.status !== 'failed')) throw new Error('not a batch row');
      return r;
    } catch (e) {
      throw new Error(`${file} line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}
