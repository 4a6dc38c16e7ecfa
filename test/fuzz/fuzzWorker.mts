/**
 * The fuzz loop in a worker thread, so fuzzDicom.mts can stop a case that
 * hangs or crashes the thread and go on with the next one. Reports each
 * case's start (the watchdog's heartbeat), each failure, and at the end the
 * summary, the largest ArrayBuffer growth of one case and the codecs' heaps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createCodecSet } from '../../src/codecs/codecSet';
import { loadCorpus, type CorpusKind } from './corpus';
import { baselines, indexCorpus, runFuzz } from './runFuzz';
import type { FromWorker, WorkerJob } from './fuzzProtocol';

const job = workerData as WorkerJob;
const post = (m: FromWorker) => parentPort!.postMessage(m);

const corpus = indexCorpus(await loadCorpus(job.corpus as CorpusKind, job.dataDir));
const set = createCodecSet();
const baseline = await baselines(corpus, set);
let before = 0;
let growth = { bytes: 0, caseIndex: -1, inputBytes: 0, huBytes: 0 };
let rssMax = 0;
const summary = await runFuzz({
  corpus, seed: job.seed, firstCase: job.firstCase, cases: job.cases, set, maxCallMs: job.maxCallMs,
  deadline: performance.now() + (job.deadlineEpochMs - Date.now()), only: job.only, baseline, healthEvery: job.healthEvery,
  onCaseStart: (input) => {
    before = process.memoryUsage().arrayBuffers;
    post({ type: 'case', caseIndex: input.caseIndex });
  },
  onCaseEnd: (input, out) => {
    const mem = process.memoryUsage();
    rssMax = Math.max(rssMax, mem.rss);
    const d = mem.arrayBuffers - before;
    if (d > growth.bytes) growth = { bytes: d, caseIndex: input.caseIndex, inputBytes: input.bytes.length, huBytes: out.huBytes };
  },
  onFailure: (f) => post({ type: 'failure', failure: f }),
});
post({
  type: 'done',
  summary: { ...summary, reasons: [...summary.reasons.entries()], failures: [] },
  growth, rssMax, codecs: set.memory(),
});
