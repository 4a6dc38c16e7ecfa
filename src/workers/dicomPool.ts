/**
 * Client side of the DICOM workers: a lazily spawned pool of module workers
 * (navigator.hardwareConcurrency of them, at least 2, at most 8), which pull
 * small batches of files from one queue, report progress through a
 * Comlink.proxy callback, and hand the decoded slices back as transferred
 * buffers. A worker that crashes or runs past its time budget is replaced
 * and its files retried one by one. Cancel terminates every worker; the next
 * call spawns new ones.
 */
import * as Comlink from 'comlink';
import { CancelledError, isCancelled } from '../shared/cancel';
import type { DicomWorkerApi, ParseBatchResult, ParseInput, ParseMode } from './dicomApi';

export interface ParseProgress {
  filesDone: number;
  bytesDone: number;
}

export type ProgressCallback = (p: ParseProgress) => void;

interface Slot {
  worker: Worker;
  remote: Comlink.Remote<DicomWorkerApi>;
  /** Rejects when the worker reports an error event (it crashed, or failed to load). */
  failed: Promise<never>;
}

/** A worker stopped answering: it crashed or ran past its time budget. */
class WorkerStoppedError extends Error {
  constructor(message: string, readonly timedOut: boolean) {
    super(message);
    this.name = 'WorkerStoppedError';
  }
}

/** The load cannot go on: workers keep failing even on single files. */
export class PoolFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolFailedError';
  }
}

export interface ParseAllOptions {
  /** See ParseMode (default 'full'). */
  mode?: ParseMode;
  /**
   * Called with each batch's result as it arrives. The slices then belong to
   * the callback (it may copy and release their pixels): the final result
   * holds no slices, only the skipped files and warnings.
   */
  onBatch?: (part: ParseBatchResult) => void;
}

export interface DicomPoolOptions {
  /** Time a worker may spend on one file before it is stopped and the file skipped (ms). */
  perFileBudgetMs?: number;
  /** Failures in a row (no file parsed between them) after which the load fails. */
  maxFailuresInARow?: number;
}

/** Files per batch at most (header pass, other passes), and bytes per batch at most (a batch is one round trip). */
const HEADER_BATCH_FILES = 32;
const BATCH_FILES = 8;
const BATCH_BYTES = 24 * 1024 * 1024;
/** Generous: the first file of a compressed syntax also fetches and compiles its codec. */
const PER_FILE_BUDGET_MS = 20_000;
const MAX_FAILURES_IN_A_ROW = 4;

function inputSize(input: ParseInput): number {
  return input.source instanceof ArrayBuffer ? input.source.byteLength : input.source.size;
}

function defaultWorkerCount(): number {
  const hc = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
  return Math.min(8, Math.max(2, hc));
}

function spawnDicomWorker(): Worker {
  return new Worker(new URL('./dicom.worker.ts', import.meta.url), { type: 'module', name: 'dicom' });
}

export class DicomPool {
  private slots: Slot[] = [];
  private cancelEpoch = 0;
  private rejectCancel: ((e: Error) => void) | null = null;
  private cancelled: Promise<never> | null = null;
  private readonly perFileBudgetMs: number;
  private readonly maxFailuresInARow: number;
  /** Workers started so far (replacements included), for tests and diagnostics. */
  spawned = 0;

  constructor(
    private readonly size = defaultWorkerCount(),
    private readonly createWorker: () => Worker = spawnDicomWorker,
    options: DicomPoolOptions = {},
  ) {
    this.perFileBudgetMs = options.perFileBudgetMs ?? PER_FILE_BUDGET_MS;
    this.maxFailuresInARow = options.maxFailuresInARow ?? MAX_FAILURES_IN_A_ROW;
  }

  /** Number of live workers (0 until the first call and after cancel). */
  get liveWorkers(): number {
    return this.slots.length;
  }

  /**
   * Parses every input. Inputs holding an ArrayBuffer are transferred to a
   * worker (the caller loses them); File/Blob inputs are read in the worker.
   * A worker that crashes or exceeds the per-file time budget is replaced and
   * its batch is parsed again one file at a time; a file that stops a worker
   * on its own is skipped with the reason, and the result's warnings say what
   * happened. Rejects with CancelledError when cancel() is called, and with
   * PoolFailedError when workers fail on several files in a row.
   */
  async parseAll(inputs: readonly ParseInput[], onProgress?: ProgressCallback, options: ParseAllOptions = {}): Promise<ParseBatchResult> {
    const result: ParseBatchResult = { slices: [], skipped: [], warnings: [] };
    if (inputs.length === 0) return result;
    const mode: ParseMode = options.mode ?? 'full';
    this.ensureWorkers(Math.min(this.size, inputs.length));
    const epoch = this.cancelEpoch;
    const cancelled = this.cancelPromise();
    let next = 0;
    let batchesStarted = 0;
    let filesDone = 0;
    let bytesDone = 0;
    let failuresInARow = 0;
    const report = () => {
      if (epoch === this.cancelEpoch) onProgress?.({ filesDone, bytesDone });
    };

    const takeBatch = (): ParseInput[] => {
      const batch: ParseInput[] = [];
      let bytes = 0;
      // Pixels: one file per worker first, so the first slice comes back
      // soonest. Smaller batches near the end keep every worker busy until the last file.
      const remaining = inputs.length - next;
      const maxFiles = mode === 'headers' ? HEADER_BATCH_FILES : BATCH_FILES;
      const limit = mode === 'full' && batchesStarted < this.slots.length
        ? 1
        : Math.max(1, Math.min(maxFiles, Math.ceil(remaining / (2 * this.slots.length))));
      while (next < inputs.length && batch.length < limit && (batch.length === 0 || bytes < BATCH_BYTES)) {
        const input = inputs[next++];
        bytes += inputSize(input);
        batch.push(input);
      }
      if (batch.length) batchesStarted++;
      return batch;
    };

    /** One round trip; rejects with WorkerStoppedError when the worker dies or runs out of time. */
    const callOnce = async (k: number, batch: ParseInput[]): Promise<ParseBatchResult> => {
      const slot = this.slots[k];
      const batchBytes = batch.reduce((n, b) => n + inputSize(b), 0);
      // Per-file progress arrives on its own channel and may trail the
      // batch's result; once the call settles, late reports are ignored.
      let seenFiles = 0;
      let seenBytes = 0;
      let settled = false;
      const onFileDone = (bytes: number) => {
        if (settled) return;
        seenFiles++;
        seenBytes += bytes;
        filesDone++;
        bytesDone += bytes;
        report();
      };
      const transfers = batch.flatMap((b) => (b.source instanceof ArrayBuffer ? [b.source] : []));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const budgetMs = this.perFileBudgetMs * batch.length;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new WorkerStoppedError(`no answer within ${budgetMs / 1000} s`, true)), budgetMs);
      });
      try {
        const call = slot.remote.parseBatch(Comlink.transfer(batch, transfers), Comlink.proxy(onFileDone), mode);
        const part = await Promise.race([call, slot.failed, cancelled, timeout]);
        filesDone += batch.length - seenFiles;
        bytesDone += batchBytes - seenBytes;
        report();
        return part;
      } catch (e) {
        // Taken back: the batch is parsed again (or its file skipped) by the caller.
        filesDone -= seenFiles;
        bytesDone -= seenBytes;
        throw e;
      } finally {
        settled = true;
        clearTimeout(timer);
      }
    };

    /** A batch's files (or its file) given up on: skipped with the reason, counted as done. */
    const giveUp = (files: { input: ParseInput; bytes: number }[], reason: string): ParseBatchResult => {
      for (const f of files) {
        filesDone++;
        bytesDone += f.bytes;
      }
      report();
      return { slices: [], skipped: files.map((f) => ({ file: f.input.path, reason })), warnings: [] };
    };

    /** `retried`: this single file already stopped a worker once (a crash, not a timeout). */
    const runBatch = async (k: number, batch: ParseInput[], retried = false): Promise<ParseBatchResult> => {
      // Sizes now: in-memory bytes are transferred (emptied here) by the call.
      const files = batch.map((input) => ({ input, bytes: inputSize(input), inMemory: input.source instanceof ArrayBuffer }));
      try {
        const part = await callOnce(k, batch);
        failuresInARow = 0;
        return part;
      } catch (e) {
        if (!(e instanceof WorkerStoppedError) || epoch !== this.cancelEpoch) throw e;
        this.replaceSlot(k);
        if (++failuresInARow >= this.maxFailuresInARow) {
          throw new PoolFailedError(`the DICOM workers stopped ${failuresInARow} times in a row (last: ${e.message})`);
        }
        const stopped = e.timedOut ? 'time budget exceeded' : e.message;
        const out: ParseBatchResult = { slices: [], skipped: [], warnings: [] };
        const merge = (part: ParseBatchResult) => {
          out.slices.push(...part.slices);
          out.skipped.push(...part.skipped);
          out.warnings?.push(...(part.warnings ?? []));
        };
        // Bytes that were in memory went to the stopped worker and cannot be read again.
        const lost = files.filter((f) => f.inMemory);
        const again = files.filter((f) => !f.inMemory);
        if (lost.length) merge(giveUp(lost, `the DICOM worker stopped while reading it (${stopped}); its bytes were in memory and went with the worker`));
        if (batch.length === 1 && again.length === 1) {
          if (!e.timedOut && !retried) {
            // A worker can also die of something else (it failed to start, ran
            // out of memory): a file is blamed only when it stops a second one.
            out.warnings?.push(`A DICOM worker stopped (${stopped}) and was restarted.`);
            merge(await runBatch(k, batch, true));
            return out;
          }
          const what = e.timedOut
            ? `reading it took longer than the ${this.perFileBudgetMs / 1000} s allowed per file; it was stopped`
            : `the DICOM worker stopped while reading it (${e.message})`;
          merge(giveUp(again, what));
          out.warnings?.push(`A DICOM worker stopped while reading ${batch[0].path} (${stopped}); the file was skipped and the worker restarted.`);
          return out;
        }
        // Which file stopped it is unknown: one file at a time on a fresh worker.
        out.warnings?.push(`A DICOM worker stopped (${stopped}) and was restarted; its ${batch.length} files were read again one by one.`);
        for (const f of again) merge(await runBatch(k, [f.input]));
        return out;
      }
    };

    const runSlot = async (k: number) => {
      for (;;) {
        const batch = takeBatch();
        if (batch.length === 0) return;
        const part = await runBatch(k, batch);
        if (epoch !== this.cancelEpoch) throw new CancelledError();
        // Streamed slices are not kept here: holding every slice's pixels until the end would double the memory of the load.
        if (!options.onBatch) for (const s of part.slices) result.slices.push(s);
        for (const s of part.skipped) result.skipped.push(s);
        for (const w of part.warnings ?? []) result.warnings?.push(w);
        options.onBatch?.(part);
      }
    };

    try {
      await Promise.all(this.slots.map((_, k) => runSlot(k)));
    } catch (e) {
      // A failed pool is left in an unknown state: start afresh next time.
      if (!isCancelled(e) && epoch === this.cancelEpoch) this.cancel();
      throw e;
    }
    if (epoch !== this.cancelEpoch) throw new CancelledError();
    return result;
  }

  /** Starts the workers ahead of the first load, so it does not wait for them to boot. */
  warmUp(): void {
    this.ensureWorkers(this.size);
  }

  /**
   * After a load: replaces the workers by fresh ones, so the bytes and
   * decoder state the old ones hold as garbage are freed at once (an idle
   * worker is rarely collected) while the pool stays warm for the next load.
   */
  refresh(): void {
    const had = this.slots.length;
    this.cancel();
    if (had) this.warmUp();
  }

  /** Stops all work now: terminates the workers and rejects pending calls with CancelledError. */
  cancel(): void {
    this.cancelEpoch++;
    for (const s of this.slots) this.stopSlot(s);
    this.slots = [];
    this.rejectCancel?.(new CancelledError());
    this.rejectCancel = null;
    this.cancelled = null;
  }

  /** Same as cancel(); the pool can still be used afterwards. */
  dispose(): void {
    this.cancel();
  }

  private cancelPromise(): Promise<never> {
    if (!this.cancelled) {
      this.cancelled = new Promise<never>((_, reject) => {
        this.rejectCancel = reject;
      });
      // Nobody may be racing against it when cancel() happens between jobs.
      this.cancelled.catch(() => undefined);
    }
    return this.cancelled;
  }

  private stopSlot(s: Slot): void {
    s.remote[Comlink.releaseProxy]();
    s.worker.terminate();
  }

  private spawnSlot(): Slot {
    const worker = this.createWorker();
    this.spawned++;
    const failed = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (ev) => {
        const msg = (ev as ErrorEvent).message || 'the worker failed to start or crashed';
        reject(new WorkerStoppedError(msg, false));
      });
    });
    failed.catch(() => undefined);
    return { worker, remote: Comlink.wrap<DicomWorkerApi>(worker), failed };
  }

  private replaceSlot(k: number): void {
    this.stopSlot(this.slots[k]);
    this.slots[k] = this.spawnSlot();
  }

  private ensureWorkers(count: number): void {
    while (this.slots.length < count) this.slots.push(this.spawnSlot());
  }
}

let shared: DicomPool | null = null;

/** The application's pool (created on first use; workers spawn on the first parse). */
export function getDicomPool(): DicomPool {
  shared ??= new DicomPool();
  return shared;
}
