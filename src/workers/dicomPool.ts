/**
 * Client side of the DICOM workers: a lazily spawned pool of module workers
 * (navigator.hardwareConcurrency of them, at least 2, at most 8), which pull
 * small batches of files from one queue, report progress through a
 * Comlink.proxy callback, and hand the decoded slices back as transferred
 * buffers. Cancel terminates every worker; the next call spawns new ones.
 */
import * as Comlink from 'comlink';
import type { DicomWorkerApi, ParseBatchResult, ParseInput } from './dicomApi';

export interface ParseProgress {
  filesDone: number;
  bytesDone: number;
}

export type ProgressCallback = (p: ParseProgress) => void;

/** Rejection reason of work stopped by cancel(). */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancelledError';
}

interface Slot {
  worker: Worker;
  remote: Comlink.Remote<DicomWorkerApi>;
  /** Rejects when the worker reports an error event (e.g. it failed to load). */
  failed: Promise<never>;
}

/** Files per batch at most, and bytes per batch at most (a batch is one round trip). */
const BATCH_FILES = 8;
const BATCH_BYTES = 24 * 1024 * 1024;

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

  constructor(
    private readonly size = defaultWorkerCount(),
    private readonly createWorker: () => Worker = spawnDicomWorker,
  ) {}

  /** Number of live workers (0 until the first call and after cancel). */
  get liveWorkers(): number {
    return this.slots.length;
  }

  /**
   * Parses every input. Inputs holding an ArrayBuffer are transferred to a
   * worker (the caller loses them); File/Blob inputs are read in the worker.
   * Rejects with CancelledError when cancel() is called.
   */
  async parseAll(inputs: readonly ParseInput[], onProgress?: ProgressCallback): Promise<ParseBatchResult> {
    const result: ParseBatchResult = { slices: [], skipped: [] };
    if (inputs.length === 0) return result;
    this.ensureWorkers(Math.min(this.size, inputs.length));
    const epoch = this.cancelEpoch;
    const cancelled = this.cancelPromise();
    let next = 0;
    let filesDone = 0;
    let bytesDone = 0;
    const report = () => {
      if (epoch === this.cancelEpoch) onProgress?.({ filesDone, bytesDone });
    };

    const takeBatch = (): ParseInput[] => {
      const batch: ParseInput[] = [];
      let bytes = 0;
      // Smaller batches near the end keep every worker busy until the last file.
      const remaining = inputs.length - next;
      const limit = Math.max(1, Math.min(BATCH_FILES, Math.ceil(remaining / (2 * this.slots.length))));
      while (next < inputs.length && batch.length < limit && (batch.length === 0 || bytes < BATCH_BYTES)) {
        const input = inputs[next++];
        bytes += inputSize(input);
        batch.push(input);
      }
      return batch;
    };

    const runSlot = async (slot: Slot) => {
      for (;;) {
        const batch = takeBatch();
        if (batch.length === 0) return;
        const batchBytes = batch.reduce((n, b) => n + inputSize(b), 0);
        // Per-file progress arrives on its own channel and may trail the
        // batch's result; once the result is in, the batch counts in full and
        // late reports are ignored.
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
        const call = slot.remote.parseBatch(Comlink.transfer(batch, transfers), Comlink.proxy(onFileDone));
        const part = await Promise.race([call, slot.failed, cancelled]);
        settled = true;
        filesDone += batch.length - seenFiles;
        bytesDone += batchBytes - seenBytes;
        report();
        for (const s of part.slices) result.slices.push(s);
        for (const s of part.skipped) result.skipped.push(s);
      }
    };

    try {
      await Promise.all(this.slots.map((slot) => runSlot(slot)));
    } catch (e) {
      // A failed worker leaves the pool in an unknown state: start afresh next time.
      if (!isCancelled(e) && epoch === this.cancelEpoch) this.cancel();
      throw e;
    }
    if (epoch !== this.cancelEpoch) throw new CancelledError();
    return result;
  }

  /** Stops all work now: terminates the workers and rejects pending calls with CancelledError. */
  cancel(): void {
    this.cancelEpoch++;
    for (const s of this.slots) {
      s.remote[Comlink.releaseProxy]();
      s.worker.terminate();
    }
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

  private ensureWorkers(count: number): void {
    while (this.slots.length < count) {
      const worker = this.createWorker();
      const failed = new Promise<never>((_, reject) => {
        worker.addEventListener('error', (ev) => {
          reject(new Error(`DICOM worker failed: ${ev.message || 'could not start the worker'}`));
        });
      });
      failed.catch(() => undefined);
      this.slots.push({ worker, remote: Comlink.wrap<DicomWorkerApi>(worker), failed });
    }
  }
}

let shared: DicomPool | null = null;

/** The application's pool (created on first use; workers spawn on the first parse). */
export function getDicomPool(): DicomPool {
  shared ??= new DicomPool();
  return shared;
}
