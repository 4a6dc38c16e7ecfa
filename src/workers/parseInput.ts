/**
 * One file of a DICOM worker's batch: read its bytes (all of them, or only
 * the first HEADER_PREFIX_BYTES in the header pass of a streaming load) and
 * parse them with the codec set. Shared by the worker and the in-process
 * parser of the tests; it never throws (a file that cannot be read or parsed
 * becomes a skipped entry).
 */
import type { CodecSet } from '../codecs/codecSet';
import { transferSyntaxInfo } from '../core/dicom/transferSyntax';
import type { ParseFileResult } from '../core/dicom/types';
import type { ParseInput, ParseMode } from './dicomApi';

/**
 * Bytes read from the start of a file in the header pass. CT headers are a
 * few KiB; vendor private groups can reach tens of KiB. A longer header makes
 * the header parse report a truncation, and the file is then read whole.
 */
export const HEADER_PREFIX_BYTES = 64 * 1024;

/**
 * The header pass parses only this much of the prefix first: the header
 * parse costs in proportion to the bytes it is given (about 5× less for
 * 16 KiB than for 64 KiB), and a CT header almost always ends well before.
 * A header that does not end within it (the parse then reports a
 * truncation) is parsed again from the whole prefix, as before.
 */
export const HEADER_FIRST_TRY_BYTES = 16 * 1024;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function readAll(source: Blob | ArrayBuffer): Promise<Uint8Array> {
  return source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(await source.arrayBuffer());
}

/** A header-only result the pixel pass can complete: one frame, native (uncompressed, not deflated) pixel data. */
function deferrable(r: ParseFileResult): boolean {
  return r.ok && r.slices.length === 1 && transferSyntaxInfo(r.slices[0].header.transferSyntaxUid).kind === 'native';
}

/** A file's bytes as read for one mode: its first bytes (header pass of a large file) or all of them. */
export interface ReadInput {
  input: ParseInput;
  bytes: Uint8Array | null;
  /** True when `bytes` is only the start of the file. */
  prefix: boolean;
  error: string | null;
}

function wantsPrefix(input: ParseInput, mode: ParseMode): input is ParseInput & { source: Blob } {
  return mode === 'headers' && !(input.source instanceof ArrayBuffer) && input.source.size > HEADER_PREFIX_BYTES;
}

/**
 * Reads what `mode` needs of one file. Never rejects. Callers may start the
 * reads of a whole batch at once: the browser then serves them concurrently.
 */
export async function readInput(input: ParseInput, mode: ParseMode): Promise<ReadInput> {
  try {
    if (wantsPrefix(input, mode)) {
      return { input, bytes: new Uint8Array(await input.source.slice(0, HEADER_PREFIX_BYTES).arrayBuffer()), prefix: true, error: null };
    }
    return { input, bytes: await readAll(input.source), prefix: false, error: null };
  } catch (e) {
    return { input, bytes: null, prefix: false, error: errorText(e) };
  }
}

/** Parses what readInput gave; a header that did not fit in the prefix, or anything not streamable, is settled on the whole file. */
export async function parseRead(read: ReadInput, codecs: CodecSet): Promise<ParseFileResult> {
  const { input } = read;
  const fail = (e: string): ParseFileResult => ({ ok: false, skipped: { file: input.path, reason: `could not read the file: ${e}` } });
  if (read.error !== null || !read.bytes) return fail(read.error ?? 'no bytes');
  try {
    if (read.prefix && !(input.source instanceof ArrayBuffer)) {
      const options = { prefixOfFileBytes: input.source.size };
      if (read.bytes.length > HEADER_FIRST_TRY_BYTES) {
        const first = await codecs.parse(read.bytes.subarray(0, HEADER_FIRST_TRY_BYTES), input.path, options);
        if (deferrable(first)) return first;
      }
      const r = await codecs.parse(read.bytes, input.path, options);
      if (deferrable(r)) return r;
      // Anything else (compressed, multi-frame, a long header, or a reason to
      // skip) is settled on the whole file, so reasons are the same as in a full parse.
      return await codecs.parse(await readAll(input.source), input.path);
    }
    // Small files are decoded at once in the header pass: their bytes are all here already.
    return await codecs.parse(read.bytes, input.path);
  } catch (e) {
    return fail(errorText(e));
  }
}

export async function parseInput(input: ParseInput, mode: ParseMode, codecs: CodecSet): Promise<ParseFileResult> {
  return parseRead(await readInput(input, mode), codecs);
}
