/**
 * `batch <root> --out DIR [--jobs N] [--resume] [--shard K/N] [--shard-count N]
 * [--meshes] [--with-identifiers]`: the `analyze` pipeline over every series
 * under a root, and `batch-merge SHARD_DIR... --out DIR`: the results of
 * several shards as one.
 *
 * Units of work are folders: every folder under the root that directly
 * holds files (batchPlan.ts discoverUnits) is read on its own with
 * readFolder, and each series in it (grouped by SeriesInstanceUID, split as
 * the browser splits) becomes a row of DIR/results.csv and results.jsonl;
 * CT series are analysed into DIR/<series-id>/ (batchSeries.ts). A failed
 * series is a row with its reason and never stops the batch.
 *
 * `--jobs N` workers (node:worker_threads running batchWorker, started as
 * analysisThread.ts starts its mesh worker: workerEntry.ts; default the machine's
 * cores) are started once and take folders from one queue. With more than
 * one worker each runs its analysis on one thread (LUNGVIEW_THREADS=1): the
 * workers already fill the cores. Ctrl-C stops the workers, removes the
 * files they had not finished and writes the results of the folders done;
 * `--resume` skips the folders an earlier run finished (their record in
 * DIR/.units, every series folder with its analyze.json).
 *
 * `--shard K/N` (or a Slurm array's SLURM_ARRAY_TASK_ID / _COUNT, or a
 * Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --shard-count N) takes
 * every N-th folder of the sorted list from the K-th. Results are sorted by
 * series id, so `batch-merge` of N shards gives the same bytes as one run.
 */
import { availableParallelism } from 'node:os';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkOutDir, numberArg, UsageError } from './analyze';
import type { BatchJob, BatchReply } from './batchJob';
import {
  discoverUnits, failedRow, parseRowsJsonl, parseShard, rowsCsv, rowsJsonl, shardFromEnv, shardUnits, shortHash, withoutIdentifiers,
  type BatchRow, type BatchUnit, type Shard,
} from './batchPlan';
import { clearPartial, doneUnitRecord, runBatchUnit, writeFileAtomic, type BatchUnitOptions, type UnitRecord } from './batchSeries';
import { EXIT, type CliIo } from './io';
import { isHttpUrl, parseSeriesUrl } from '../core/io/dicomweb';
import { workerEntry, type WorkerEntry } from './workerEntry';
import { LUNG_MASK_CHOICES, type LungMaskChoice } from '../core/analysis/analysisParams';

export const BATCH_USAGE =
  'batch <root | DICOMweb series URL> --out DIR [--jobs N] [--resume] [--shard K/N] [--shard-count N] [--lung-mask inclusive|fill|nofill] [--meshes] [--with-identifiers]   ' +
  'every series under root: per-series outputs and DIR/results.csv, results.jsonl (exit 3: some series failed, 130: interrupted)';
export const BATCH_MERGE_USAGE = 'batch-merge SHARD_DIR... --out DIR   the results of batch shards as one results.csv, results.jsonl';

/** Exit codes of `batch` beyond EXIT: some series failed (their rows say why), interrupted (Ctrl-C). */
export const BATCH_EXIT = { someFailed: 3, interrupted: 130 } as const;

export interface BatchOptions extends BatchUnitOptions {
  root: string;
  out: string;
  jobs: number;
  resume: boolean;
  shard?: Shard;
  shardCount?: number;
}

/** Splits `--key=value`; `next` gives the following argument for `--key value`. */
function optionParts(args: string[], i: number): { key: string; value: () => string | undefined; advance: number } {
  const a = args[i];
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq > 0) return { key: a.slice(0, eq), value: () => a.slice(eq + 1), advance: 0 };
  return { key: a, value: () => args[i + 1], advance: 1 };
}

function positiveInt(name: string, v: string | undefined): number {
  const n = numberArg(name, v);
  if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`${name} must be a whole number of at least 1, got '${v}'`);
  return n;
}

/** Parses the command's arguments; throws UsageError. */
export function parseBatchArgs(args: string[]): BatchOptions {
  const positional: string[] = [];
  const o: Partial<BatchOptions> = { resume: false, meshes: false, withIdentifiers: false };
  for (let i = 0; i < args.length; i++) {
    const { key, value, advance } = optionParts(args, i);
    const take = () => {
      const v = value();
      i += advance;
      if (v === undefined || v === '') throw new UsageError(`${key} needs a value`);
      return v;
    };
    switch (key) {
      case '--out': o.out = take(); break;
      case '--jobs': o.jobs = positiveInt('--jobs', take()); break;
      case '--resume': o.resume = true; break;
      case '--meshes': o.meshes = true; break;
      case '--lung-mask': {
        const v = take();
        if (!LUNG_MASK_CHOICES.includes(v as LungMaskChoice)) throw new UsageError(`--lung-mask must be one of ${LUNG_MASK_CHOICES.join(', ')}, got '${v}'`);
        o.lungMask = v as LungMaskChoice;
        break;
      }
      case '--with-identifiers': o.withIdentifiers = true; break;
      case '--shard-count': o.shardCount = positiveInt('--shard-count', take()); break;
      case '--shard':
        try {
          o.shard = parseShard(take());
        } catch (e) {
          throw e instanceof UsageError ? e : new UsageError((e as Error).message);
        }
        break;
      default:
        if (key.startsWith('-')) throw new UsageError(`unknown option: ${key}`);
        positional.push(key);
    }
  }
  if (positional.length !== 1) throw new UsageError(positional.length ? 'give exactly one root folder' : 'missing root folder');
  if (!o.out) throw new UsageError('missing --out DIR');
  return { jobs: availableParallelism(), ...o, root: positional[0] } as BatchOptions;
}

/** Runs folders, on worker threads or (without tsx) on this one. */
interface UnitRunner {
  run(unit: BatchUnit): Promise<UnitRecord>;
  stop(): Promise<void>;
}

class WorkerRunner implements UnitRunner {
  private worker: Worker | null = null;
  private pending: { id: number; resolve(r: UnitRecord): void; reject(e: Error): void } | null = null;
  private nextId = 1;

  constructor(private readonly entry: WorkerEntry, private readonly env: NodeJS.ProcessEnv, private readonly root: string, private readonly out: string, private readonly options: BatchUnitOptions) {}

  private start(): Worker {
    const w = new Worker(this.entry.source, { eval: this.entry.eval, env: this.env });
    w.on('message', (m: BatchReply | { ready: true }) => {
      const p = this.pending;
      if (!('id' in m) || !p || p.id !== m.id) return;
      this.pending = null;
      if (m.ok) p.resolve(m.record);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error) => {
      if (this.worker === w) this.worker = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`worker exited (${code})`)));
    return w;
  }

  run(unit: BatchUnit): Promise<UnitRecord> {
    // A worker is started once and kept; one that died is replaced.
    this.worker ??= this.start();
    const job: BatchJob = { id: this.nextId++, root: this.root, unit, out: this.out, options: this.options };
    return new Promise((resolve, reject) => {
      this.pending = { id: job.id, resolve, reject };
      this.worker!.postMessage(job);
    });
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

function inlineRunner(root: string, out: string, options: BatchUnitOptions): UnitRunner {
  return { run: (unit) => runBatchUnit(root, unit, out, options), stop: async () => undefined };
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Counts and ETA on stderr: one line redrawn in place on a terminal (every second and per folder), a line per folder otherwise. */
class Progress {
  private readonly t0 = Date.now();
  private doneNow = 0;
  private ok = 0;
  private failed = 0;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly io: CliIo, private readonly tty: boolean, private readonly total: number, private readonly resumed: number, private readonly todo: number) {
    this.timer = tty && todo > 0 ? setInterval(() => this.draw(), 1000).unref() : null;
  }

  private line(): string {
    const elapsed = Date.now() - this.t0;
    const eta = this.doneNow > 0 && this.doneNow < this.todo ? `, ETA ${duration((elapsed / this.doneNow) * (this.todo - this.doneNow))}` : '';
    return `batch: ${this.resumed + this.doneNow}/${this.total} folders, ${this.ok} series ok, ${this.failed} failed, ${duration(elapsed)} elapsed${eta}`;
  }

  private draw(): void {
    this.io.err(`\r\x1b[K${this.line()}`);
  }

  add(rows: BatchRow[]): void {
    this.doneNow++;
    for (const r of rows) if (r.status === 'ok') this.ok++;
    else this.failed++;
    if (this.tty) this.draw();
    else this.io.err(`${this.line()}\n`);
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty && this.todo) this.io.err('\n');
  }
}

function workerEnv(jobs: number): NodeJS.ProcessEnv {
  return jobs > 1 ? { ...process.env, LUNGVIEW_THREADS: '1' } : process.env;
}

/** Runs the batch; returns the exit code. `interrupt` resolves on Ctrl-C (the command hooks SIGINT). */
export async function runBatchWith(o: BatchOptions, io: CliIo, interrupt: Promise<void>, tty: boolean): Promise<number> {
  // A DICOMweb series URL is one unit of work (readFolder retrieves it).
  const url = isHttpUrl(o.root);
  const root = url ? o.root : path.resolve(o.root);
  const out = path.resolve(o.out);
  const s = url ? null : await stat(root).catch(() => null);
  if (!url && !s?.isDirectory()) throw new Error(`${s ? 'not a folder' : 'folder not found'}: ${o.root}`);
  if (url && !parseSeriesUrl(o.root)) throw new Error(`not a DICOMweb series URL: ${o.root} (expected …/studies/<StudyInstanceUID>/series/<SeriesInstanceUID>)`);
  await checkOutDir(out);
  await clearPartial(out);
  const units = shardUnits(url ? [{ rel: '.', files: [] }] : await discoverUnits(root), o.shard ?? null);
  const records = new Map<string, UnitRecord>();
  const todo: BatchUnit[] = [];
  for (const unit of units) {
    const done = o.resume ? await doneUnitRecord(out, unit, o.lungMask) : null;
    if (done) records.set(unit.rel, o.withIdentifiers ? done : { rows: done.rows.map(withoutIdentifiers) });
    else todo.push(unit);
  }
  const shardText = o.shard ? `shard ${o.shard.index + 1}/${o.shard.count}: ` : '';
  io.err(`batch: ${shardText}${units.length} folder(s) with files under ${o.root}${records.size ? `, ${records.size} done before` : ''}, ${todo.length} to do\n`);
  const options: BatchUnitOptions = { meshes: o.meshes, withIdentifiers: o.withIdentifiers, lungMask: o.lungMask };
  const jobs = Math.max(1, Math.min(o.jobs, todo.length));
  const entry = workerEntry('batchWorker');
  const runners: UnitRunner[] = Array.from({ length: jobs }, () =>
    entry ? new WorkerRunner(entry, workerEnv(jobs), root, out, options) : inlineRunner(root, out, options));
  let interrupted = false;
  void interrupt.then(() => {
    interrupted = true;
    for (const r of runners) void r.stop();
  });
  const progress = new Progress(io, tty, units.length, records.size, todo.length);
  const queue = [...todo];
  try {
    await Promise.all(runners.map(async (runner) => {
      for (let unit = queue.shift(); unit && !interrupted; unit = queue.shift()) {
        let record: UnitRecord;
        try {
          record = await runner.run(unit);
        } catch (e) {
          if (interrupted) return;
          const reason = `the folder's work failed: ${e instanceof Error ? e.message : String(e)}`;
          const none = { studyInstanceUid: '', seriesInstanceUid: '', modality: '', description: '', dimsZyx: null, spacingMmZyx: null, warnings: [] };
          record = { rows: [failedRow({ id: `unreadable-${shortHash(unit.rel)}`, ...none }, reason)] };
        }
        records.set(unit.rel, record);
        for (const r of record.rows) if (r.status === 'failed') io.err(`${tty ? '\r\x1b[K' : ''}batch: failed ${r.seriesId} (${unit.rel}): ${r.reason}\n`);
        progress.add(record.rows);
      }
    }));
  } finally {
    await Promise.all(runners.map((r) => r.stop()));
    progress.end();
    await clearPartial(out);
  }
  const rows = [...records.values()].flatMap((r) => r.rows);
  await writeFileAtomic(out, path.join(out, 'results.csv'), rowsCsv(rows));
  await writeFileAtomic(out, path.join(out, 'results.jsonl'), rowsJsonl(rows));
  await clearPartial(out);
  const failed = rows.filter((r) => r.status === 'failed').length;
  // Ctrl-C after the last folder was done stopped nothing.
  const stopped = interrupted && records.size < units.length;
  io.err(`batch: ${rows.length - failed} series ok, ${failed} failed${stopped ? `, interrupted with ${units.length - records.size} folder(s) left (run again with --resume)` : ''}; results in ${path.join(o.out, 'results.csv')}\n`);
  if (stopped) return BATCH_EXIT.interrupted;
  return failed ? BATCH_EXIT.someFailed : EXIT.done;
}

function usageError(io: CliIo, e: unknown, usage: string): number {
  if (!(e instanceof UsageError)) throw e;
  io.err(`${e.message}\nusage: ${usage}\n`);
  return EXIT.usage;
}

export async function runBatch(args: string[], io: CliIo): Promise<number> {
  let o: BatchOptions;
  try {
    o = parseBatchArgs(args);
    if (!o.shard) {
      try {
        o.shard = shardFromEnv(process.env, o.shardCount) ?? undefined;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
  } catch (e) {
    return usageError(io, e, BATCH_USAGE);
  }
  let onSigint = (): void => undefined;
  const interrupt = new Promise<void>((resolve) => {
    onSigint = () => resolve();
  });
  process.once('SIGINT', onSigint);
  try {
    return await runBatchWith(o, io, interrupt, process.stderr.isTTY === true);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Parses `batch-merge` arguments: the shard folders and --out. */
export function parseMergeArgs(args: string[]): { shards: string[]; out: string } {
  const shards: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const { key, value, advance } = optionParts(args, i);
    if (key === '--out') {
      out = value();
      i += advance;
      if (!out) throw new UsageError('--out needs a folder');
    } else if (key.startsWith('-')) {
      throw new UsageError(`unknown option: ${key}`);
    } else {
      shards.push(key);
    }
  }
  if (!shards.length) throw new UsageError('give the shard folders to merge');
  if (!out) throw new UsageError('missing --out DIR');
  return { shards, out };
}

export async function runBatchMerge(args: string[], io: CliIo): Promise<number> {
  let o: { shards: string[]; out: string };
  try {
    o = parseMergeArgs(args);
  } catch (e) {
    return usageError(io, e, BATCH_MERGE_USAGE);
  }
  const rows: BatchRow[] = [];
  for (const dir of o.shards) {
    const file = path.join(dir, 'results.jsonl');
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    });
    rows.push(...parseRowsJsonl(text, file));
  }
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.seriesId)) io.err(`warning: series ${r.seriesId} appears more than once (the same series in two folders, or shards of different runs)\n`);
    seen.add(r.seriesId);
  }
  const out = path.resolve(o.out);
  await checkOutDir(out);
  await writeFileAtomic(out, path.join(out, 'results.csv'), rowsCsv(rows));
  await writeFileAtomic(out, path.join(out, 'results.jsonl'), rowsJsonl(rows));
  await clearPartial(out);
  const failed = rows.filter((r) => r.status === 'failed').length;
  io.err(`batch-merge: ${o.shards.length} shard(s), ${rows.length} series (${failed} failed) into ${path.join(o.out, 'results.csv')}\n`);
  return EXIT.done;
}
