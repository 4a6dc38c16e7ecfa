/**
 * The messages between the command line's analysis thread
 * (analysisThread.ts) and its worker (meshWorker.ts): a mask (voxels or
 * runs) offered for meshing, or GK and the lung-field measures offered on a
 * volume whose HU the two threads share, each with a shared claim word, and
 * the worker's answers.
 * Kept apart so that the worker loads only this and the code it runs.
 */
import type { GkStageParams, SurfaceStageParams } from '../core/analysis/analysisParams';
import type { GkStageResult } from '../core/analysis/stages';
import type { LungFieldMeasure } from '../core/analysis/trust';
import type { MeshSource, Surface } from '../core/mesh/surface';
import type { RunSet } from '../core/segmentation/runs';
import type { Volume } from '../core/volume/volume';
import type { HuFillTask } from './huFill';

/** Claim word values: free, taken by the worker, taken by the analysis thread. */
export const CLAIM_FREE = 0;
export const CLAIM_WORKER = 1;
export const CLAIM_CALLER = 2;

/** A mask to mesh, offered to the worker; `claim` (one Int32 over a SharedArrayBuffer) says who meshes it. */
export interface MeshJob {
  id: number;
  /**
   * A voxel mask whose data lives in a SharedArrayBuffer (read by both
   * threads, not copied), or row runs (a copy of their used part, moved to
   * the worker: see analysisThread.ts offerMeshJob).
   */
  source: MeshSource;
  params: SurfaceStageParams;
  claim: Int32Array;
}

/**
 * GK's seeded start for slices of `n` pixels (core/random/dirichlet.ts
 * dirichletOnes(new Mt19937(seed), n, rows)), drawn by the worker while the
 * analysis thread reads the folder and segments; the answer moves the draws
 * back.
 */
export interface GkStartJob {
  kind: 'gkStart';
  seed: number;
  n: number;
  rows: number;
}

export interface GkStartReply {
  kind: 'gkStart';
  seed: number;
  n: number;
  rows: number;
  values: Float64Array;
}

/** The worker's answer: the mesh (its buffers transferred), `skipped` when the job was claimed by the caller first, or the error. */
export type MeshReply =
  | { id: number; ok: true; result: Surface }
  | { id: number; ok: true; skipped: true }
  | { id: number; ok: false; error: string };

/**
 * The stages on the HU offered to the worker as one job: GK
 * (core/analysis/stages.ts gkStage), then the trust check's lung-field
 * measures (lungFieldStage). The volume's HU live in a SharedArrayBuffer
 * (read by both threads, not copied), the filled mask's runs are a copy
 * moved to the worker. The worker uses the GK start it drew (GkStartJob)
 * without handing it back first.
 */
export interface HuStagesJob {
  kind: 'huStages';
  id: number;
  volume: Volume;
  fill: RunSet;
  gk: GkStageParams;
  thresholdHu: number;
  claim: Int32Array;
}

/** What the worker made of a HuStagesJob, with the time of each stage on the worker (ms). */
export interface HuStagesResult {
  gk: GkStageResult;
  gkMs: number;
  field: LungFieldMeasure;
  fieldMs: number;
}

/** The worker's answer to a HuStagesJob: its results (GK's mask transferred), `skipped` when the caller claimed it first, or the error. */
export type HuStagesReply =
  | { kind: 'huStages'; id: number; ok: true; result: HuStagesResult }
  | { kind: 'huStages'; id: number; ok: true; skipped: true }
  | { kind: 'huStages'; id: number; ok: false; error: string };

/** Slices of a shared volume for the worker to fill with their HU (huFill.ts; readFolder's `fillOnThread`). */
export interface HuFillJob {
  kind: 'huFill';
  id: number;
  tasks: HuFillTask[];
}

/** The worker's answer to a HuFillJob: done, or the first error (a file changed while the folder was read). */
export type HuFillReply = { kind: 'huFill'; id: number; ok: true; result: true } | { kind: 'huFill'; id: number; ok: false; error: string };
