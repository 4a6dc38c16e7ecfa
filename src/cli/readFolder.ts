/**
 * Node loader: every file under a folder (recursively) -> parsed, grouped,
 * sorted and assembled series, plus the files that were skipped and why.
 * Reads with node:fs, synchronously into one reused buffer (headers first,
 * then each file's pixels straight into the volume, see readFolder); the
 * DICOM work is the pure core in src/core/dicom, compressed
 * pixel data goes through the codecs of src/codecs (each loaded the first
 * time a file needs it, then kept for the rest of the process).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createCodecSet, type CodecSet } from '../codecs/codecSet';
import { buildSeries } from '../core/dicom/buildSeries';
import { parseDicomFile } from '../core/dicom/parseDicomFile';
import { transferSyntaxInfo } from '../core/dicom/transferSyntax';
import type { DecodedSlice, LoadedSeries, SkippedFile } from '../core/dicom/types';

export interface ReadFolderResult {
  /** Largest CT series first. */
  series: LoadedSeries[];
  /** Files that are not usable images, with the reason; paths relative to the folder. */
  skipped: SkippedFile[];
  /**
   * Wall time of the two passes (ms): read = listing the folder, reading every
   * file and parsing its header (compressed or multi-frame files are decoded
   * here too); hu = reading the native pixel data again and converting it to
   * HU straight into the assembled volumes.
   */
  timingsMs: { read: number; hu: number };
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

let codecs: CodecSet | null = null;

/** One file buffer reused for every read (grown to the largest file). */
class FileReader {
  private buffer = Buffer.alloc(0);

  /** The file's bytes, valid until the next read. */
  read(file: string): Uint8Array {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (this.buffer.length < size) this.buffer = Buffer.allocUnsafe(Math.max(size, 2 * this.buffer.length));
      let got = 0;
      while (got < size) {
        const n = readSync(fd, this.buffer, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, got);
    } finally {
      closeSync(fd);
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Two passes over the files, each read synchronously into one reused buffer
 * (no allocation per file, nothing kept between files):
 *   1. headers: single-frame files with native pixel data are parsed without
 *      their pixels (the header still checks the pixel data length); other
 *      files (compressed, deflated, multi-frame) are decoded at once, so a
 *      file that cannot be decoded is skipped before the series are built;
 *   2. pixels: once the slice order is known, each deferred file is read again
 *      and converted straight into its slice of the volume (fillSlice), so the
 *      volume is written once and there is no per-slice array or copy.
 */
export async function readFolder(dir: string): Promise<ReadFolderResult> {
  codecs ??= createCodecSet();
  const t0 = performance.now();
  const s = await stat(dir).catch(() => null);
  if (!s) throw new Error(`folder not found: ${dir}`);
  if (!s.isDirectory()) throw new Error(`not a folder: ${dir}`);
  const files = await listFiles(dir);
  const reader = new FileReader();
  const slices: DecodedSlice[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = reader.read(path.join(dir, file));
    } catch (e) {
      skipped.push({ file, reason: `cannot read file: ${errorText(e)}` });
      continue;
    }
    let r = await codecs.parse(bytes, file, { headerOnly: true });
    const deferred = r.ok && r.slices.length === 1 && transferSyntaxInfo(r.slices[0].header.transferSyntaxUid).kind === 'native';
    if (r.ok && !deferred) r = await codecs.parse(bytes, file);
    if (r.ok) slices.push(...r.slices);
    else skipped.push(r.skipped);
  }
  const t1 = performance.now();
  const fillSlice = (slice: DecodedSlice, out: Int16Array): void => {
    const file = slice.header.file;
    const r = parseDicomFile(reader.read(path.join(dir, file)), file, { huOutput: () => out });
    if (!r.ok) throw new Error(`${file} changed while the folder was read: ${r.skipped.reason}`);
  };
  const series = buildSeries(slices, { releaseSlices: true, fillSlice });
  return { series, skipped, timingsMs: { read: t1 - t0, hu: performance.now() - t1 } };
}
