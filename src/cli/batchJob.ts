/** The messages between `batch` (batch.ts) and its workers (batchWorker.ts): a folder to analyse, and its rows or why it failed. */
import type { BatchUnit } from './batchPlan';
import type { BatchUnitOptions, UnitRecord } from './batchSeries';

export interface BatchJob {
  id: number;
  root: string;
  unit: BatchUnit;
  out: string;
  options: BatchUnitOptions;
}

export type BatchReply = { id: number; ok: true; record: UnitRecord } | { id: number; ok: false; error: string };
