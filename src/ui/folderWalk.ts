/**
 * Turns what the user dropped or picked into a flat list of files with their
 * relative paths.
 *
 * Drops: every DataTransfer item's FileSystemEntry is taken synchronously
 * (the list is emptied when the drop handler returns), then folders are
 * walked fully. FileSystemDirectoryReader.readEntries returns entries in
 * batches (Chromium: 100 at a time), so it is called until it returns an
 * empty batch. Folders are listed first, then the files are opened a few
 * dozen at a time (see FILES_IN_FLIGHT).
 */
import type { SkippedFile } from '../core/dicom/types';
import type { CollectedInputs } from '../state/ingest';

/** The parts of the FileSystem entry API used here (real entries satisfy it; tests pass fakes). */
export interface EntryLike {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
  readonly fullPath: string;
}

export interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, error?: (err: unknown) => void): void;
}

export interface DirectoryReaderLike {
  readEntries(success: (entries: EntryLike[]) => void, error?: (err: unknown) => void): void;
}

export interface DirectoryEntryLike extends EntryLike {
  createReader(): DirectoryReaderLike;
}

export interface CollectedFile {
  path: string;
  file: File;
}

export interface WalkResult {
  files: CollectedFile[];
  /** Entries that could not be read, with the reason. */
  errors: SkippedFile[];
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e && typeof e.message === 'string') return e.message;
  return String(e);
}

/** Relative path of an entry: its fullPath without the leading slash. */
function entryPath(entry: EntryLike): string {
  const p = entry.fullPath || entry.name;
  return p.startsWith('/') ? p.slice(1) : p;
}

function readBatch(reader: DirectoryReaderLike): Promise<EntryLike[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileEntryLike): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Every entry of one directory (all batches). */
export async function readAllEntries(dir: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = dir.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await readBatch(reader);
    if (batch.length === 0) return all;
    for (const e of batch) all.push(e);
  }
}

/**
 * File entries resolved to File objects at most this many at a time: asking
 * for thousands at once makes the browser answer them all in one long task,
 * which freezes the page.
 */
const FILES_IN_FLIGHT = 32;

/**
 * Chromium may answer readEntries and file() at once, so a walk made only of
 * awaits can run as one long task: give the page a turn now and then.
 */
function breather(sliceMs = 25): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}

/** Every file entry under the entries (folders listed one after another), and the folders that failed. */
async function listFileEntries(entries: readonly EntryLike[], out: WalkResult): Promise<FileEntryLike[]> {
  const files: FileEntryLike[] = [];
  const dirs: DirectoryEntryLike[] = [];
  const take = (e: EntryLike) => {
    if (e.isFile) files.push(e as FileEntryLike);
    else if (e.isDirectory) dirs.push(e as DirectoryEntryLike);
  };
  entries.forEach(take);
  const pause = breather();
  while (dirs.length) {
    await pause();
    const dir = dirs.shift()!;
    try {
      (await readAllEntries(dir)).forEach(take);
    } catch (e) {
      out.errors.push({ file: `${entryPath(dir)}/`, reason: `could not list the folder: ${errorText(e)}` });
    }
  }
  return files;
}

/** Walks files and folders (recursively) into a flat list, sorted by path. */
export async function walkEntries(entries: readonly EntryLike[]): Promise<WalkResult> {
  const out: WalkResult = { files: [], errors: [] };
  const fileEntries = await listFileEntries(entries, out);
  let next = 0;
  const pause = breather();
  const worker = async () => {
    for (;;) {
      await pause();
      if (next >= fileEntries.length) return;
      const entry = fileEntries[next++];
      try {
        out.files.push({ path: entryPath(entry), file: await entryFile(entry) });
      } catch (e) {
        out.errors.push({ file: entryPath(entry), reason: `could not open the file: ${errorText(e)}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, fileEntries.length) }, worker));
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/** Path to show for a picked file: its path inside the picked folder, else its name. */
function pickedFilePath(file: File): string {
  return file.webkitRelativePath || file.name;
}

/** Files from an <input type=file> (with or without webkitdirectory). */
export function collectFromFileList(list: FileList | readonly File[]): WalkResult {
  const files = Array.from(list, (file) => ({ path: pickedFilePath(file), file }));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, errors: [] };
}

/**
 * Takes the dropped entries now (must be called inside the drop handler) and
 * returns a function that walks them later.
 */
export function takeDroppedItems(dt: DataTransfer): { names: string[]; walk: () => Promise<WalkResult> } {
  const entries: EntryLike[] = [];
  const loose: File[] = [];
  const items = dt.items;
  if (items && items.length > 0) {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.kind !== 'file') continue;
      const entry = item.webkitGetAsEntry?.() ?? null;
      if (entry) entries.push(entry);
      else {
        const f = item.getAsFile();
        if (f) loose.push(f);
      }
    }
  } else {
    for (const f of Array.from(dt.files)) loose.push(f);
  }
  return {
    names: [...entries.map((e) => e.name), ...loose.map((f) => f.name)],
    walk: async () => {
      const res = await walkEntries(entries);
      for (const f of loose) res.files.push({ path: f.name, file: f });
      return res;
    },
  };
}

/** A walk result as ingest inputs (File objects are read later, inside the workers). */
export function toCollectedInputs(res: WalkResult): CollectedInputs {
  return { inputs: res.files.map((f) => ({ path: f.path, source: f.file })), skipped: res.errors };
}

/** Short description of what was dropped or picked, for the progress line. */
export function describeItems(names: readonly string[]): string {
  if (names.length === 1) return names[0];
  return `${names.length} items`;
}
