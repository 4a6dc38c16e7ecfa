/**
 * readFolder's pixel pass for one native slice: the stored words are read
 * from the file straight into the slice's place in the volume and turned
 * into HU there (core/dicom/pixelToHu.ts huInPlace). Kept apart from
 * readFolder.ts so that the analysis's worker thread (meshWorker.ts) can
 * fill some of a shared volume's slices while this thread fills the others,
 * without loading the header parser and the codecs.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { huInPlace } from '../core/dicom/pixelToHu';
import type { StoredPixels } from '../core/dicom/types';

/** One slice to fill: where its stored words are, and its place in the volume (`out`, Rows × Columns). */
export interface HuFillTask {
  /** The file's path to open, and its name in messages (relative to the folder). */
  path: string;
  file: string;
  stored: StoredPixels;
  out: Int16Array;
}

/** Reads into all of `into` from file position `position` (fewer bytes at the end of the file); returns how many were read. */
export function readFully(fd: number, into: Uint8Array, position: number): number {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** readFully on a file opened for this one read. */
export function readRange(file: string, into: Uint8Array, position: number): number {
  const fd = openSync(file, 'r');
  try {
    return readFully(fd, into, position);
  } finally {
    closeSync(fd);
  }
}

/** Fills one slice's place with its HU; throws when the file no longer holds all of its pixel bytes. */
export function fillHu(t: HuFillTask, read: (file: string, into: Uint8Array, position: number) => number = readRange): void {
  const { out, stored } = t;
  const got = read(t.path, new Uint8Array(out.buffer, out.byteOffset, out.byteLength), stored.fileOffsetBytes);
  if (got !== out.byteLength) throw new Error(`${t.file} changed while the folder was read: ${got} of ${out.byteLength} pixel bytes left`);
  huInPlace(out, stored.format, stored.rescale, stored.padding);
}
