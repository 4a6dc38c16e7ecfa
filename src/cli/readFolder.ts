/**
 * Node loader: every file under a folder (recursively) -> parsed, grouped,
 * sorted and assembled series, plus the files that were skipped and why.
 * Reads with node:fs (a few reads in flight while the previous file is
 * parsed); the DICOM work is the pure core in src/core/dicom, compressed
 * pixel data goes through the codecs of src/codecs (each loaded the first
 * time a file needs it, then kept for the rest of the process).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createCodecSet, type CodecSet } from '../codecs/codecSet';
import { buildSeries } from '../core/dicom/buildSeries';
import type { DecodedSlice, LoadedSeries, SkippedFile } from '../core/dicom/types';

export interface ReadFolderResult {
  /** Largest CT series first. */
  series: LoadedSeries[];
  /** Files that are not usable images, with the reason; paths relative to the folder. */
  skipped: SkippedFile[];
}

/** Relative paths (with "/") of every regular file under dir, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile()) out.push(r);
      else if (e.isSymbolicLink()) {
        const s = await stat(path.join(dir, r)).catch(() => null);
        if (s?.isFile()) out.push(r);
        else if (s?.isDirectory()) await walk(r);
      }
    }
  }
  await walk('');
  return out.sort();
}

const READ_AHEAD = 4;

let codecs: CodecSet | null = null;

export async function readFolder(dir: string): Promise<ReadFolderResult> {
  codecs ??= createCodecSet();
  const s = await stat(dir).catch(() => null);
  if (!s) throw new Error(`folder not found: ${dir}`);
  if (!s.isDirectory()) throw new Error(`not a folder: ${dir}`);
  const files = await listFiles(dir);
  const slices: DecodedSlice[] = [];
  const skipped: SkippedFile[] = [];
  const pending: Promise<Uint8Array | Error>[] = [];
  const read = (rel: string) =>
    readFile(path.join(dir, rel)).then(
      (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  for (let i = 0; i < Math.min(READ_AHEAD, files.length); i++) pending.push(read(files[i]));
  for (let i = 0; i < files.length; i++) {
    const bytes = await pending[i];
    pending[i] = Promise.resolve(new Uint8Array(0));
    if (i + READ_AHEAD < files.length) pending.push(read(files[i + READ_AHEAD]));
    if (bytes instanceof Error) {
      skipped.push({ file: files[i], reason: `cannot read file: ${bytes.message}` });
      continue;
    }
    const r = await codecs.parse(bytes, files[i]);
    if (r.ok) slices.push(...r.slices);
    else skipped.push(r.skipped);
  }
  const series = buildSeries(slices, { releaseSlices: true });
  return { series, skipped };
}
