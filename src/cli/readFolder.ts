/**
 * Node loader: every file under a folder (recursively) -> parsed, grouped,
 * sorted and assembled series, plus the files that were skipped and why.
 * Reads with node:fs, synchronously into one reused buffer (the start of
 * each file for its header first, then each file's pixels straight into the
 * volume, see readFolder); the
 * DICOM work is the pure core in src/core/dicom, compressed
 * pixel data goes through the codecs of src/codecs (each loaded the first
 * time a file needs it, then kept for the rest of the process).
 * A DICOMweb series URL is read the same way (readDicomWebSeries): its
 * instances, streamed by WADO-RS, take the place of the folder's files.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { fillHu, readFully, readRange, type HuFillTask } from './huFill';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createCodecSet, type CodecSet } from '../codecs/codecSet';
import { assembleVolume, compareSeriesForDisplay, groupSeries, planSeries } from '../core/dicom/buildSeries';
import { parseDicomFile } from '../core/dicom/parseDicomFile';
import { transferSyntaxInfo } from '../core/dicom/transferSyntax';
import type { DecodedSlice, LoadedSeries, ParseFileResult, SeriesSummary, SkippedFile } from '../core/dicom/types';
import { DicomWebClient, isHttpUrl, parseSeriesUrl, type FetchLike } from '../core/io/dicomweb';
import { huBytes, MAX_LOAD_HU_BYTES, MAX_SERIES_HU_BYTES } from '../core/volume/memoryBudget';

export interface ReadFolderOptions {
  /** Bytes of HU one series' volume may take (default MAX_SERIES_HU_BYTES, the browser's). */
  maxSeriesHuBytes?: number;
  /** Bytes of HU all series of the folder may take together (default MAX_LOAD_HU_BYTES). */
  maxLoadHuBytes?: number;
  /** Read only these files (paths relative to the folder) instead of every file under it. */
  files?: string[];
  /** Assemble the volumes' HU in SharedArrayBuffers (for the analysis's worker thread). */
  sharedHu?: boolean;
  /**
   * With sharedHu, a folder's native slices are filled half here and half
   * by this (the analysis's worker thread: analysisThread.ts fillHuOnThread),
   * which gets the other slices in small batches as they are met.
   */
  fillOnThread?: (tasks: HuFillTask[]) => Promise<void>;
}

/** A series found in the folder but not assembled: its volume would exceed the memory budget. */
export interface RefusedSeries {
  summary: SeriesSummary;
  /** Bytes its HU volume would take. */
  huBytes: number;
  reason: string;
}

/** Bytes as MiB for messages. */
export function formatMib(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${mib >= 10 ? Math.round(mib).toLocaleString('en-US') : mib.toFixed(2)} MiB`;
}

export interface ReadFolderResult {
  /** Largest CT series first. */
  series: LoadedSeries[];
  /** Files that are not usable images, with the reason; paths relative to the folder. */
  skipped: SkippedFile[];
  /** Series refused from their headers, before allocation, for the memory budget (largest CT first). */
  refused: RefusedSeries[];
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
  /** Size in bytes of the file last read (also when only its start was read). */
  size = 0;

  /** The file's bytes, or only its first `maxBytes`; valid until the next read. */
  read(file: string, maxBytes = Infinity): Uint8Array {
    const fd = openSync(file, 'r');
    try {
      this.size = fstatSync(fd).size;
      const want = Math.min(this.size, maxBytes);
      if (this.buffer.length < want) this.buffer = Buffer.allocUnsafe(Math.max(want, 2 * this.buffer.length));
      const got = readFully(fd, new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, want), 0);
      return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, got);
    } finally {
      closeSync(fd);
    }
  }
}

/** Bytes read for a header in the first pass: CT headers take a few KiB; a longer header is read whole. */
const HEADER_PREFIX_BYTES = 64 * 1024;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Two passes over the files, each read synchronously into one reused buffer
 * (no allocation per file, nothing kept between files):
 *   1. headers: only the first 64 KiB of each file are read and parsed up to
 *      the Pixel Data element (parseDicomFile prefixOfFileBytes; the pixel
 *      data length is still checked against the file's size); single-frame
 *      files with native pixel data are left at that; other files
 *      (compressed, deflated, multi-frame, or a header longer than the
 *      prefix) are read whole and decoded at once, so a file that cannot be
 *      decoded is skipped before the series are built;
 *   2. pixels: once the slice order is known, each deferred file's stored
 *      words are read (only those bytes, at the offset the header pass found)
 *      straight into the slice's place in the volume and converted to HU
 *      there (fillSlice, huFill.ts): no parse, no per-slice array, no copy
 *      in JavaScript. With `sharedHu` and `fillOnThread` (the analysis's
 *      worker), every other such slice is filled by the worker at the same
 *      time.
 */
export async function readFolder(dir: string, options: ReadFolderOptions = {}): Promise<ReadFolderResult> {
  if (isHttpUrl(dir)) return readDicomWebSeries(dir, options);
  const t0 = performance.now();
  const s = await stat(dir).catch(() => null);
  if (!s) throw new Error(`folder not found: ${dir}`);
  if (!s.isDirectory()) throw new Error(`not a folder: ${dir}`);
  const files = options.files ?? (await listFiles(dir));
  const source = folderSource(dir);
  const pass = new HeaderPass(source);
  for (const file of files) await pass.add(file);
  return buildRead(source, pass, options, t0);
}

/**
 * Where the two passes read a file's bytes: a folder (node:fs, one reused
 * buffer) or the instances a DICOMweb server sent (held in memory).
 */
interface FileSource {
  /** The file's bytes, or only its first `maxBytes`; valid until the next read. */
  read(file: string, maxBytes?: number): Uint8Array;
  /** Size of the file last read. */
  readonly size: number;
  /** Reads into all of `into` from `position` of the file; returns how many bytes were read. */
  readRange(file: string, into: Uint8Array, position: number): number;
  /** The file's path on disk (a folder's files; none for instances held in memory). */
  path?: (file: string) => string;
}

function folderSource(dir: string): FileSource {
  const reader = new FileReader();
  return {
    read: (file, maxBytes) => reader.read(path.join(dir, file), maxBytes),
    get size() {
      return reader.size;
    },
    readRange: (file, into, position) => readRange(path.join(dir, file), into, position),
    path: (file) => path.join(dir, file),
  };
}

/** Files held in memory (a DICOMweb retrieve) as a FileSource. */
function memorySource(files: Map<string, Uint8Array>): FileSource {
  let size = 0;
  const get = (file: string): Uint8Array => {
    const b = files.get(file);
    if (!b) throw new Error(`${file} is gone`);
    return b;
  };
  return {
    read(file, maxBytes = Infinity) {
      const b = get(file);
      size = b.length;
      return b.length > maxBytes ? b.subarray(0, maxBytes) : b;
    },
    get size() {
      return size;
    },
    readRange(file, into, position) {
      const b = get(file).subarray(position, position + into.length);
      into.set(b);
      return b.length;
    },
  };
}

/** The first pass, one file at a time (see readFolder). */
class HeaderPass {
  readonly slices: DecodedSlice[] = [];
  readonly skipped: SkippedFile[] = [];

  constructor(private readonly source: FileSource) {}

  async add(file: string): Promise<void> {
    codecs ??= createCodecSet();
    const source = this.source;
    let r: ParseFileResult;
    try {
      let bytes = source.read(file, HEADER_PREFIX_BYTES);
      let whole = bytes.length === source.size;
      r = await codecs.parse(bytes, file, whole ? { headerOnly: true } : { prefixOfFileBytes: source.size });
      if (!r.ok && !whole) {
        // A header longer than the prefix (or a broken file): judge it on the whole file.
        bytes = source.read(file);
        whole = true;
        r = await codecs.parse(bytes, file, { headerOnly: true });
      }
      const deferred = r.ok && r.slices.length === 1 && transferSyntaxInfo(r.slices[0].header.transferSyntaxUid).kind === 'native';
      if (r.ok && !deferred) {
        // Compressed, deflated or multi-frame: decoded now, from the whole file.
        if (!whole) bytes = source.read(file);
        r = await codecs.parse(bytes, file);
      }
    } catch (e) {
      this.skipped.push({ file, reason: `cannot read file: ${errorText(e)}` });
      return;
    }
    if (r.ok) this.slices.push(...r.slices);
    else this.skipped.push(r.skipped);
  }
}

/**
 * A DICOMweb series URL (.../studies/<uid>/series/<uid>) read like a folder:
 * WADO-RS streams the series' instances and each one goes through the
 * header pass as soon as it has arrived (while the next ones download); the
 * pixel pass then reads them from memory. Instance k is named
 * instance-<k>.dcm (1-based, in the server's order) in skipped files.
 */
export async function readDicomWebSeries(url: string, options: ReadFolderOptions = {}): Promise<ReadFolderResult> {
  const t0 = performance.now();
  const ref = parseSeriesUrl(url);
  if (!ref) throw new Error(`not a DICOMweb series URL: ${url} (expected http(s)://host/<root>/studies/<StudyInstanceUID>/series/<SeriesInstanceUID>)`);
  const held = new Map<string, Uint8Array>();
  const source = memorySource(held);
  const pass = new HeaderPass(source);
  const client = new DicomWebClient(ref.root, nodeFetch);
  const got = await client.retrieveSeries(ref, async (bytes, i) => {
    const name = `instance-${String(i + 1).padStart(5, '0')}.dcm`;
    held.set(name, bytes);
    await pass.add(name);
  });
  if (got.instances === 0) throw new Error(`the server sent no instances for ${url}`);
  const read = await buildRead(source, pass, options, t0);
  held.clear();
  return read;
}

/** Node's fetch as the core client's FetchLike. */
export const nodeFetch: FetchLike = (url, init) => fetch(url, init);

/** The second pass: groups, plans, checks the memory budget and assembles each series (see readFolder). */
async function buildRead(source: FileSource, pass: HeaderPass, options: ReadFolderOptions, t0: number): Promise<ReadFolderResult> {
  const { slices, skipped } = pass;
  const t1 = performance.now();
  // With a helper thread, every other native slice of a shared volume is filled there, sent as soon as it is met.
  const helper = source.path && options.fillOnThread && options.sharedHu ? options.fillOnThread : undefined;
  let helped: Promise<void>[] = [];
  let batch: HuFillTask[] = [];
  let filled = 0;
  const send = () => {
    if (batch.length && helper) helped.push(helper(batch));
    batch = [];
  };
  // Waits for the helper's batches; on a failed assembly, for all of them to settle first (none left writing or failing unseen).
  const helpedDone = async (assemblyError?: unknown) => {
    const all = helped;
    helped = [];
    if (assemblyError === undefined) return void (await Promise.all(all));
    await Promise.allSettled(all);
    throw assemblyError;
  };
  let helpNow = false;
  const fillSlice = (slice: DecodedSlice, out: Int16Array): void => {
    const file = slice.header.file;
    const stored = slice.storedPixels;
    if (stored && stored.byteLength === out.byteLength) {
      // The stored words go from the file straight into the slice's place, then become HU there.
      const task = { path: source.path?.(file) ?? file, file, stored, out };
      if (helpNow && filled++ % 2 === 1) {
        batch.push(task);
        if (batch.length === 8) send();
      } else {
        fillHu(task, (_, into, position) => source.readRange(file, into, position));
      }
      return;
    }
    const r = parseDicomFile(source.read(file), file, { huOutput: () => out });
    if (!r.ok) throw new Error(`${file} changed while the folder was read: ${r.skipped.reason}`);
  };
  // buildSeries, with the memory budget checked on each plan before its volume is allocated.
  const maxSeries = options.maxSeriesHuBytes ?? MAX_SERIES_HU_BYTES;
  const maxLoad = options.maxLoadHuBytes ?? MAX_LOAD_HU_BYTES;
  const plans = groupSeries(slices).map((g) => planSeries(g));
  plans.sort((a, b) => compareSeriesForDisplay(a.summary, b.summary));
  const series: LoadedSeries[] = [];
  const refused: RefusedSeries[] = [];
  let total = 0;
  for (const plan of plans) {
    const bytes = huBytes(plan.summary.dimsZyx);
    const [nz, ny, nx] = plan.summary.dimsZyx;
    const what = `${nx} × ${ny} × ${nz} voxels, ${formatMib(bytes)} of HU`;
    if (bytes > maxSeries) {
      refused.push({ summary: plan.summary, huBytes: bytes, reason: `${what}: more than the ${formatMib(maxSeries)} one series may take` });
    } else if (total + bytes > maxLoad) {
      refused.push({ summary: plan.summary, huBytes: bytes, reason: `${what}: with the series before it, more than the ${formatMib(maxLoad)} one folder may take` });
    } else {
      total += bytes;
      // Not with duplicate positions: choosing between them reads the slices' HU during the assembly.
      helpNow = helper !== undefined && !plan.duplicates?.length;
      let volume: LoadedSeries['volume'];
      try {
        volume = assembleVolume(plan, { releaseSlices: true, fillSlice, sharedMemory: options.sharedHu });
        send();
      } catch (e) {
        await helpedDone(e);
        throw e;
      }
      await helpedDone();
      series.push({ summary: plan.summary, volume });
    }
  }
  return { series, skipped, refused, timingsMs: { read: t1 - t0, hu: performance.now() - t1 } };
}
