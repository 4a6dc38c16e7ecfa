/**
 * The fuzz loop shared by the CI test and the long-running script: case k of
 * a run with a seed mutates corpus file k mod n with its own generator
 * (caseRng), runs it through checkCase and collects failures, the slowest
 * call and the allocation figures. Any case can be rebuilt alone from
 * (seed, k) with fuzzInput.
 */
import type { CodecSet } from '../../src/codecs/codecSet';
import type { ParseFileResult } from '../../src/core/dicom/types';
import { checkCase, type CallTime, type CaseOutcome } from './checkParse';
import type { CorpusFile } from './corpus';
import { caseRng, indexFile, mutate, type FileIndex } from './mutateDicom';

export interface IndexedFile extends CorpusFile {
  index: FileIndex;
}

export function indexCorpus(files: readonly CorpusFile[]): IndexedFile[] {
  return files.map((f) => ({ ...f, index: indexFile(f.bytes) }));
}

export interface FuzzInput {
  caseIndex: number;
  source: string;
  what: string;
  bytes: Uint8Array;
}

/** Input of case k: the same bytes for the same (seed, k, corpus) everywhere. */
export function fuzzInput(corpus: readonly IndexedFile[], seed: number, k: number, only?: readonly string[]): FuzzInput {
  const file = corpus[k % corpus.length];
  const m = mutate(file.bytes, file.index, caseRng(seed, k), only);
  return { caseIndex: k, source: file.name, what: m.what, bytes: m.bytes };
}

export interface FuzzFailure extends FuzzInput {
  failures: string[];
}

export interface SlowestCase extends CallTime {
  caseIndex: number;
  source: string;
  what: string;
  bytes: number;
}

/** What the codec set gives for each unmodified corpus file: the later health checks must give the same. */
export interface Baseline {
  name: string;
  bytes: Uint8Array;
  outcome: string;
}

/** A fingerprint of a parse result: skip reason, or headers and an FNV-1a hash of the HU. */
export function fingerprint(r: ParseFileResult): string {
  if (!r.ok) return `skipped: ${r.skipped.reason}`;
  let h = 0x811c9dc5;
  for (const s of r.slices) {
    const b = new Uint8Array(s.hu.buffer, s.hu.byteOffset, s.hu.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  }
  return `${JSON.stringify(r.slices.map((s) => s.header))} hu ${(h >>> 0).toString(16)}`;
}

export async function baselines(corpus: readonly CorpusFile[], set: CodecSet): Promise<Baseline[]> {
  const out: Baseline[] = [];
  for (const f of corpus) out.push({ name: f.name, bytes: f.bytes, outcome: fingerprint(await set.parse(f.bytes, f.name)) });
  return out;
}

/** Names of the corpus files the codec set no longer parses as it did at the start. */
export async function healthCheck(base: readonly Baseline[], set: CodecSet): Promise<string[]> {
  const bad: string[] = [];
  for (const b of base) {
    const now = fingerprint(await set.parse(b.bytes, b.name));
    if (now !== b.outcome) bad.push(`${b.name}: now "${now.slice(0, 160)}"`);
  }
  return bad;
}

export interface FuzzSummary {
  seed: number;
  cases: number;
  /** Health checks run (unmodified corpus files parsed again with the same codec set). */
  healthChecks: number;
  decoded: number;
  skipped: number;
  failures: FuzzFailure[];
  slowest: SlowestCase | null;
  /** Slowest header-only parse per byte of input (ms per MiB), over inputs of at least 64 KiB: a time that a length field could drive up. */
  slowestPerMiB: SlowestCase | null;
  /** Largest HU output of one case, and that case's input size. */
  largestOutput: { huBytes: number; inputBytes: number; caseIndex: number } | null;
  /** Largest ratio of HU bytes returned to input bytes. */
  maxHuPerInputByte: number;
  /** How often each skip reason occurred (numbers replaced by #). */
  reasons: Map<string, number>;
  ms: number;
}

export interface RunFuzzParams {
  corpus: readonly IndexedFile[];
  seed: number;
  /** Cases firstCase .. firstCase + cases - 1. */
  cases: number;
  firstCase?: number;
  set: CodecSet;
  maxCallMs: number;
  /** Stop after this time (performance.now() value). */
  deadline?: number;
  /** Unmodified corpus results to check the codec set against every `healthEvery` cases and at the end. */
  baseline?: readonly Baseline[];
  healthEvery?: number;
  /** Only these mutations (names from MUTATION_NAMES); all when absent. */
  only?: readonly string[];
  /** Called before each case (a watchdog can record which case is running). */
  onCaseStart?: (input: FuzzInput) => void;
  onFailure?: (f: FuzzFailure) => void;
  /** Called after each case, while its results are still referenced. */
  onCaseEnd?: (input: FuzzInput, out: CaseOutcome) => void;
}

/** Largest growth of one codec's heap in one case that is not a failure (a 512×512 frame needs a few MiB). */
export const MAX_HEAP_GROWTH = 64 * 1048576;

export function emptySummary(seed: number): FuzzSummary {
  return { seed, cases: 0, healthChecks: 0, decoded: 0, skipped: 0, failures: [], slowest: null, slowestPerMiB: null, largestOutput: null, maxHuPerInputByte: 0, reasons: new Map(), ms: 0 };
}

export async function runFuzz(p: RunFuzzParams, summary: FuzzSummary = emptySummary(p.seed)): Promise<FuzzSummary> {
  const t0 = performance.now();
  const first = p.firstCase ?? 0;
  let lastHealth = first;
  const health = async (k: number) => {
    if (!p.baseline) return;
    summary.healthChecks++;
    const bad = await healthCheck(p.baseline, p.set);
    if (bad.length) {
      const f: FuzzFailure = {
        caseIndex: k, source: '(health check)', what: `unmodified files parsed again after cases ${lastHealth}..${k}`,
        bytes: new Uint8Array(0), failures: bad.map((b) => `codec set no longer parses ${b}`),
      };
      summary.failures.push(f);
      p.onFailure?.(f);
    }
    lastHealth = k + 1;
  };
  // Codec heaps only grow (WebAssembly memory): a case that grows one by more than this made a codec allocate for a size the file does not have.
  const heaps = new Map(p.set.memory().map((c) => [c.name, c.heapBytes]));
  let k = first;
  for (; k < first + p.cases; k++) {
    if (p.deadline !== undefined && performance.now() > p.deadline) break;
    if (p.healthEvery && k > first && (k - first) % p.healthEvery === 0) await health(k - 1);
    const input = fuzzInput(p.corpus, p.seed, k, p.only);
    p.onCaseStart?.(input);
    const out = await checkCase(input.bytes, input.source, p.set, p.maxCallMs);
    summary.cases++;
    if (out.result?.ok) summary.decoded++;
    else if (out.result) {
      summary.skipped++;
      const key = out.result.skipped.reason.replace(/\d+(\.\d+)?/g, '#').slice(0, 160);
      summary.reasons.set(key, (summary.reasons.get(key) ?? 0) + 1);
    }
    for (const t of out.times) {
      const c: SlowestCase = { ...t, caseIndex: k, source: input.source, what: input.what, bytes: input.bytes.length };
      if (!summary.slowest || t.ms > summary.slowest.ms) summary.slowest = c;
      if (t.call === 'core header-only' && input.bytes.length >= 65536 && (!summary.slowestPerMiB || t.ms / input.bytes.length > summary.slowestPerMiB.ms / summary.slowestPerMiB.bytes)) {
        summary.slowestPerMiB = c;
      }
    }
    if (out.huBytes > 0) {
      if (!summary.largestOutput || out.huBytes > summary.largestOutput.huBytes) summary.largestOutput = { huBytes: out.huBytes, inputBytes: input.bytes.length, caseIndex: k };
      summary.maxHuPerInputByte = Math.max(summary.maxHuPerInputByte, out.huBytes / Math.max(1, input.bytes.length));
    }
    p.onCaseEnd?.(input, out);
    for (const c of p.set.memory()) {
      const before = heaps.get(c.name) ?? c.heapBytes;
      if (c.heapBytes - before > MAX_HEAP_GROWTH) {
        out.failures.push(`the ${c.name} codec heap grew from ${(before / 1048576).toFixed(0)} to ${(c.heapBytes / 1048576).toFixed(0)} MiB`);
      }
      heaps.set(c.name, c.heapBytes);
    }
    if (out.failures.length) {
      const f: FuzzFailure = { ...input, failures: out.failures };
      summary.failures.push(f);
      p.onFailure?.(f);
    }
  }
  if (k > lastHealth) await health(k - 1);
  summary.ms += performance.now() - t0;
  return summary;
}

/** A readable summary (several lines). */
export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `seed ${s.seed}: ${s.cases} cases in ${(s.ms / 1000).toFixed(1)} s (${(s.ms / Math.max(1, s.cases)).toFixed(1)} ms per case)`,
    `  decoded ${s.decoded}, skipped ${s.skipped}, failing ${s.failures.length}, codec set health checks ${s.healthChecks}`,
  ];
  if (s.slowest) {
    lines.push(`  slowest call: ${s.slowest.ms.toFixed(1)} ms (${s.slowest.call}, case ${s.slowest.caseIndex}, ${s.slowest.source}, ${s.slowest.bytes} bytes: ${s.slowest.what})`);
  }
  if (s.slowestPerMiB) {
    const perMiB = (s.slowestPerMiB.ms / s.slowestPerMiB.bytes) * 1048576;
    lines.push(`  slowest per MiB: ${perMiB.toFixed(1)} ms/MiB (${s.slowestPerMiB.call}, case ${s.slowestPerMiB.caseIndex}, ${s.slowestPerMiB.source}: ${s.slowestPerMiB.what})`);
  }
  if (s.largestOutput) {
    lines.push(`  largest HU output: ${s.largestOutput.huBytes} bytes from ${s.largestOutput.inputBytes} input bytes (case ${s.largestOutput.caseIndex}); max HU bytes per input byte ${s.maxHuPerInputByte.toFixed(2)}`);
  }
  const top = [...s.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (top.length) lines.push('  most frequent skip reasons:', ...top.map(([r, n]) => `    ${String(n).padStart(6)}  ${r}`));
  for (const f of s.failures.slice(0, 20)) lines.push(`  FAIL case ${f.caseIndex} (${f.source}: ${f.what}):`, ...f.failures.map((x) => `    ${x}`));
  return lines.join('\n');
}
