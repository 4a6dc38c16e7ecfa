/**
 * readFolder (readFolder.ts) in two timed phases, for the `analyze` report:
 *
 *   read  listing the folder and reading every file's bytes (node:fs, a few
 *         reads in flight), nothing parsed yet;
 *   hu    parsing every file with the core's parseDicomFile (header and
 *         pixel data to Hounsfield units), grouping, sorting and assembling
 *         the volumes (buildSeries).
 *
 * The result is the same as readFolder's; the difference is that all the
 * file bytes are held at once (about the size of the series on disk) instead
 * of a few files.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildSeries } from '../core/dicom/buildSeries';
import { parseDicomFile } from '../core/dicom/parseDicomFile';
import type { DecodedSlice, SkippedFile } from '../core/dicom/types';
import { listFiles, type ReadFolderResult } from './readFolder';

export interface TimedReadResult extends ReadFolderResult {
  timingsMs: { read: number; hu: number };
  /** Bytes read from disk. */
  bytes: number;
}

const IN_FLIGHT = 8;

export async function readFolderTimed(dir: string): Promise<TimedReadResult> {
  const t0 = performance.now();
  const s = await stat(dir).catch(() => null);
  if (!s) throw new Error(`folder not found: ${dir}`);
  if (!s.isDirectory()) throw new Error(`not a folder: ${dir}`);
  const files = await listFiles(dir);
  const contents: (Uint8Array | Error)[] = new Array(files.length);
  let next = 0;
  let bytes = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const i = next++;
      try {
        const b = await readFile(path.join(dir, files[i]));
        contents[i] = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        bytes += b.byteLength;
      } catch (e) {
        contents[i] = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, files.length) }, worker));
  const t1 = performance.now();

  const slices: DecodedSlice[] = [];
  const skipped: SkippedFile[] = [];
  for (let i = 0; i < files.length; i++) {
    const c = contents[i];
    if (c instanceof Error) {
      skipped.push({ file: files[i], reason: `cannot read file: ${c.message}` });
      continue;
    }
    const r = parseDicomFile(c, files[i]);
    if (r.ok) slices.push(...r.slices);
    else skipped.push(r.skipped);
    contents[i] = new Uint8Array(0);
  }
  const series = buildSeries(slices, { releaseSlices: true });
  const t2 = performance.now();
  return { series, skipped, bytes, timingsMs: { read: t1 - t0, hu: t2 - t1 } };
}
