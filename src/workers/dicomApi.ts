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
  /** What went wrong on the way without stopping the load (e.g. a worker restarted). */
  warnings?: string[];
}

/** Called by the worker after each file, with that file's size in bytes. */
export type FileDoneCallback = (bytes: number) => void;

/**
 * 'full': every file read whole and its pixels decoded to HU.
 * 'headers': the header pass of a streaming load. A single-frame file with
 * native pixel data stored in a File/Blob gives its header only (empty hu;
 * only its first bytes are read, see HEADER_PREFIX_BYTES): its pixels are
 * read later by a 'full' call, once the slice's place in the volume is known.
 * Every other file (compressed, multi-frame, deflated, in-memory bytes, or a
 * header longer than the prefix) is read and decoded at once, so a file that
 * cannot be decoded is skipped before the series are built.
 */
export type ParseMode = 'full' | 'headers';

export interface DicomWorkerApi {
  /**
   * Reads and parses the files in order. The slices' Int16Array buffers are
   * transferred to the caller; the worker keeps no bytes after returning.
   */
  parseBatch(inputs: ParseInput[], onFileDone?: FileDoneCallback, mode?: ParseMode): Promise<ParseBatchResult>;
}
