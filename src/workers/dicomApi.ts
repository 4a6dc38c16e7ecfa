/**
 * What crosses the boundary to the DICOM worker (types only, shared by the
 * worker and its client so neither imports the other).
 */
import type { DecodedSlice, SkippedFile } from '../core/dicom/types';

/** One file to parse: a File/Blob (read inside the worker) or bytes already in memory. */
export interface ParseInput {
  /** Path relative to what was dropped (used in the skipped list and the series' file list). */
  path: string;
  source: Blob | ArrayBuffer;
}

export interface ParseBatchResult {
  slices: DecodedSlice[];
  skipped: SkippedFile[];
}

/** Called by the worker after each file, with that file's size in bytes. */
export type FileDoneCallback = (bytes: number) => void;

export interface DicomWorkerApi {
  /**
   * Reads and parses the files in order. The slices' Int16Array buffers are
   * transferred to the caller; the worker keeps no bytes after returning.
   */
  parseBatch(inputs: ParseInput[], onFileDone?: FileDoneCallback): Promise<ParseBatchResult>;
}
