/**
 * Worker thread of `batch` (batch.ts starts it as analysisThread.ts starts
 * its mesh worker: workerEntry.ts): kept for the whole batch, it
 * runs one folder at a time with the same code as the command itself
 * (batchSeries.ts runBatchUnit) and answers with the folder's rows.
 */
import { parentPort } from 'node:worker_threads';
import { runBatchUnit } from './batchSeries';
import type { BatchJob, BatchReply } from './batchJob';

const port = parentPort;
if (!port) throw new Error('batchWorker.ts runs as a worker thread');

port.on('message', (job: BatchJob) => {
  runBatchUnit(job.root, job.unit, job.out, job.options).then(
    (record) => port.postMessage({ id: job.id, ok: true, record } satisfies BatchReply),
    (e: unknown) => port.postMessage({ id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies BatchReply),
  );
});
port.postMessage({ ready: true });
