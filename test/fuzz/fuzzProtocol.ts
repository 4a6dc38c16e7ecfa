/** Messages between fuzzDicom.mts and its worker (fuzzWorker.mts). */
import type { CodecMemory } from '../../src/codecs/codecSet';
import type { FuzzFailure, FuzzSummary } from './runFuzz';

export interface WorkerJob {
  seed: number;
  firstCase: number;
  cases: number;
  deadlineEpochMs: number;
  corpus: string;
  dataDir: string;
  only?: string[];
  maxCallMs: number;
  healthEvery: number;
}

export interface ArrayBufferGrowth {
  bytes: number;
  caseIndex: number;
  inputBytes: number;
  huBytes: number;
}

export type SerializedSummary = Omit<FuzzSummary, 'reasons'> & { reasons: Array<[string, number]> };

export type FromWorker =
  | { type: 'case'; caseIndex: number }
  | { type: 'failure'; failure: FuzzFailure }
  | { type: 'done'; summary: SerializedSummary; growth: ArrayBufferGrowth; rssMax: number; codecs: CodecMemory[] };
