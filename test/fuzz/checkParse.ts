/**
 * The invariants every fuzz input must keep, through the core parser
 * (parseDicomFile: full, header only, header from a 64 KiB prefix) and
 * through the codec boundary (createCodecSet().parse, so compressed inputs
 * reach the WebAssembly and JavaScript decoders):
 *
 * - nothing throws or rejects past the boundary: the result is slices or a
 *   skipped file with a readable reason (non-empty, no control characters,
 *   at most 600 characters) naming the file;
 * - no call takes longer than the bound (the slowest call is recorded);
 * - nothing is allocated beyond what the file justifies: each slice's HU
 *   array is Rows × Columns of its header and owns its buffer; native pixel
 *   data gives at most one pixel per byte of the file; a deflated data set at
 *   most DEFLATE's 1032:1 ratio; compressed files at most one frame per
 *   8 bytes (an item header per fragment) and PARSE_LIMITS pixels per frame;
 *   every file at most PARSE_LIMITS frames and pixels;
 * - the result does not depend on the caller's stack: a header-only parse
 *   run with most of the call stack already used gives the same result
 *   (a parser recursing as deep as a file's sequences go would not);
 * - the paths agree: a file decoded by the core has the same headers when
 *   read header-only and decodes to the same HU through the codec set; a
 *   file the core skips for any reason but a missing decoder gets the same
 *   reason through the codec set; the codec set never reports a missing
 *   decoder it could have loaded.
 */
import { codecFor, type CodecSet } from '../../src/codecs/codecSet';
import { PARSE_LIMITS } from '../../src/core/dicom/limits';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { transferSyntaxInfo } from '../../src/core/dicom/transferSyntax';
import type { ParseFileResult } from '../../src/core/dicom/types';

export const PREFIX_BYTES = 64 * 1024;

export interface CallTime {
  call: string;
  ms: number;
}

export interface CaseOutcome {
  failures: string[];
  /** Duration of each call. */
  times: CallTime[];
  /** The codec-set result (what the app would get). */
  result: ParseFileResult | null;
  /** Bytes of HU arrays returned by the codec set. */
  huBytes: number;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkShape(r: unknown, file: string, call: string, headerOnly: boolean, fileBytes: number, out: string[]): r is ParseFileResult {
  if (!r || typeof r !== 'object' || !('ok' in r)) {
    out.push(`${call}: result is not a ParseFileResult: ${String(r)}`);
    return false;
  }
  const res = r as ParseFileResult;
  if (!res.ok) {
    const reason = res.skipped?.reason;
    if (res.skipped?.file !== file) out.push(`${call}: skipped.file is ${JSON.stringify(res.skipped?.file)}, not ${JSON.stringify(file)}`);
    if (typeof reason !== 'string' || reason.trim().length === 0) out.push(`${call}: empty reason`);
    else {
      if (CONTROL.test(reason)) out.push(`${call}: reason has control characters: ${JSON.stringify(reason)}`);
      if (reason.length > 600) out.push(`${call}: reason of ${reason.length} characters: ${JSON.stringify(reason.slice(0, 200))}...`);
      if (/\[object |undefined$|^undefined/.test(reason)) out.push(`${call}: unreadable reason ${JSON.stringify(reason)}`);
    }
    return true;
  }
  if (!Array.isArray(res.slices) || res.slices.length === 0) {
    out.push(`${call}: ok without slices`);
    return true;
  }
  if (res.slices.length > PARSE_LIMITS.maxFrames) out.push(`${call}: ${res.slices.length} slices, more than ${PARSE_LIMITS.maxFrames}`);
  let pixels = 0;
  let totalHu = 0;
  res.slices.forEach((s, i) => {
    const { rows, columns, frame, transferSyntaxUid } = s.header;
    if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 1 || columns < 1 || rows > 0xffff || columns > 0xffff) {
      out.push(`${call}: slice ${i} has Rows ${rows} Columns ${columns}`);
    }
    if (frame !== i) out.push(`${call}: slice ${i} has frame ${frame}`);
    if (s.header.file !== file) out.push(`${call}: slice ${i} names file ${s.header.file}`);
    if (!(s.hu instanceof Int16Array)) out.push(`${call}: slice ${i} hu is not an Int16Array`);
    const n = rows * columns;
    pixels += n;
    totalHu += s.hu.length;
    if (headerOnly) {
      if (s.hu.length !== 0) out.push(`${call}: header-only slice ${i} has ${s.hu.length} HU values`);
    } else {
      if (s.hu.length !== n) out.push(`${call}: slice ${i} has ${s.hu.length} HU values for ${columns} × ${rows}`);
      if (s.hu.byteOffset !== 0 || s.hu.buffer.byteLength !== s.hu.byteLength) out.push(`${call}: slice ${i} HU does not own its buffer`);
    }
    const kind = transferSyntaxInfo(transferSyntaxUid).kind;
    if (kind === 'compressed' && n > PARSE_LIMITS.maxFramePixels) out.push(`${call}: compressed frame of ${n} pixels, more than ${PARSE_LIMITS.maxFramePixels}`);
  });
  const kind = transferSyntaxInfo(res.slices[0].header.transferSyntaxUid).kind;
  if (pixels > PARSE_LIMITS.maxFilePixels) out.push(`${call}: ${pixels} pixels in one file, more than ${PARSE_LIMITS.maxFilePixels}`);
  if (!headerOnly) {
    if (kind === 'native' && pixels > fileBytes) out.push(`${call}: native file of ${fileBytes} bytes gave ${pixels} pixels`);
    if (kind === 'deflated' && pixels > fileBytes * 1032) out.push(`${call}: deflated file of ${fileBytes} bytes gave ${pixels} pixels`);
    if (kind === 'compressed' && res.slices.length > fileBytes / 8) out.push(`${call}: compressed file of ${fileBytes} bytes gave ${res.slices.length} frames`);
    if (totalHu !== pixels) out.push(`${call}: ${totalHu} HU values for ${pixels} pixels`);
  }
  return true;
}

let safeDepth = 0;

function burn(n: number, f: () => unknown): unknown {
  return n === 0 ? f() : burn(n - 1, f);
}

/** Recursion depth of `burn` that leaves about a fifth of the call stack free (measured once). */
function deepStackDepth(): number {
  if (safeDepth) return safeDepth;
  let max = 0;
  for (let round = 0; round < 3; round++) {
    let lo = 1000;
    let hi = 1_000_000;
    while (hi - lo > 100) {
      const mid = (lo + hi) >> 1;
      try {
        burn(mid, () => 0);
        lo = mid;
      } catch {
        hi = mid;
      }
    }
    max = round === 0 ? lo : Math.min(max, lo);
  }
  safeDepth = Math.floor(max * 0.8);
  return safeDepth;
}

/** Runs f with most of the call stack already in use. */
export function atDeepStack<T>(f: () => T): T {
  return burn(deepStackDepth(), f) as T;
}

function outcome(r: ParseFileResult): string {
  return r.ok ? JSON.stringify(r.slices.map((s) => s.header)) : `skipped: ${r.skipped.reason}`;
}

function sameHu(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function timed<T>(times: CallTime[], call: string, f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    times.push({ call, ms: performance.now() - t0 });
  }
}

async function timedAsync<T>(times: CallTime[], call: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    times.push({ call, ms: performance.now() - t0 });
  }
}

/** Runs one input through every path and checks the invariants (see the file header). */
export async function checkCase(bytes: Uint8Array, file: string, set: CodecSet, maxCallMs: number): Promise<CaseOutcome> {
  const failures: string[] = [];
  const times: CallTime[] = [];
  const call = <T>(name: string, f: () => T): T | null => {
    try {
      return timed(times, name, f);
    } catch (e) {
      failures.push(`${name} threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return null;
    }
  };
  const core = call('core', () => parseDicomFile(bytes, file));
  const header = call('core header-only', () => parseDicomFile(bytes, file, { headerOnly: true }));
  const prefix = call('core 64 KiB prefix', () => parseDicomFile(bytes.subarray(0, PREFIX_BYTES), file, { prefixOfFileBytes: bytes.length }));
  const deep = call('core header-only, deep stack', () => atDeepStack(() => parseDicomFile(bytes, file, { headerOnly: true })));
  const codec: ParseFileResult | null = await timedAsync(times, 'codec set', () => set.parse(bytes, file)).catch((e: unknown) => {
    failures.push(`codec set rejected: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return null;
  });

  const okCore = core !== null && checkShape(core, file, 'core', false, bytes.length, failures);
  const okHeader = header !== null && checkShape(header, file, 'core header-only', true, bytes.length, failures);
  if (prefix !== null) checkShape(prefix, file, 'core 64 KiB prefix', true, bytes.length, failures);
  if (okHeader && deep !== null && checkShape(deep, file, 'core header-only, deep stack', true, bytes.length, failures)) {
    if (outcome(deep) !== outcome(header)) failures.push(`result depends on the caller's stack: "${outcome(header).slice(0, 200)}" vs "${outcome(deep).slice(0, 200)}"`);
  }
  const okCodec = codec !== null && checkShape(codec, file, 'codec set', false, bytes.length, failures);

  if (okCore && core.ok && okHeader) {
    if (!header.ok) failures.push(`core decodes the file but header-only skips it: ${header.skipped.reason}`);
    else if (JSON.stringify(header.slices.map((s) => s.header)) !== JSON.stringify(core.slices.map((s) => s.header))) {
      failures.push('header-only headers differ from the full parse');
    }
  }
  if (okCore && okCodec) {
    if (core.ok) {
      if (!codec.ok) failures.push(`core decodes the file but the codec set skips it: ${codec.skipped.reason}`);
      else if (codec.slices.length !== core.slices.length || codec.slices.some((s, i) => !sameHu(s.hu, core.slices[i].hu))) {
        failures.push('codec set and core decode different HU');
      }
    } else if (!core.missingDecoder) {
      if (codec.ok) failures.push(`core skips the file (${core.skipped.reason}) but the codec set decodes it`);
      else if (codec.skipped.reason !== core.skipped.reason) {
        failures.push(`reasons differ: core "${core.skipped.reason}", codec set "${codec.skipped.reason}"`);
      }
    }
    if (!codec.ok && codec.missingDecoder && codecFor(codec.missingDecoder)) {
      failures.push(`codec set reports a missing decoder it has: ${codec.missingDecoder}`);
    }
  }
  for (const t of times) {
    if (t.ms > maxCallMs) failures.push(`${t.call} took ${t.ms.toFixed(0)} ms (bound ${maxCallMs} ms)`);
  }
  let huBytes = 0;
  if (codec?.ok) for (const s of codec.slices) huBytes += s.hu.byteLength;
  return { failures, times, result: codec, huBytes };
}
