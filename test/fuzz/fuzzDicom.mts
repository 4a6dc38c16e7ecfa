/**
 * Long-running DICOM fuzzer: mutated real, edge and synthetic files through
 * parseDicomFile and the codec set, checking the invariants of
 * checkParse.ts for as many cases or minutes as asked.
 *
 *   npm run fuzz -- --cases 100000 --seed 7 --minutes 10
 *   npm run fuzz -- --seed 7 --case 1234        replay one case (writes its input)
 *   npm run fuzz -- --replay /tmp/file.dcm      run one file through the checks
 *
 * Options: --corpus synthetic|shared|all (default all when ../shared/data or
 * LUNGVIEW_DATA exists), --only length,vr,... (mutations, see
 * mutateDicom.ts), --out DIR (failing inputs, default /tmp), --max-call-ms
 * (per-call bound, default 2000), --timeout-ms (watchdog, default 30000),
 * --health-every N (re-check the unmodified files every N cases, default 500).
 *
 * The cases run in a worker thread; a case that hangs past the watchdog or
 * kills the thread is recorded as a failure and the run goes on in a new
 * worker. Every failing input is written to DIR as
 * lungview-fuzz-seed<S>-case<K>.dcm with a .txt beside it (what was mutated,
 * what failed, the command that replays it). Prints a summary: cases, time,
 * slowest call, allocation figures, codec heaps; exits 1 if anything failed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createCodecSet } from '../../src/codecs/codecSet';
import { checkCase } from './checkParse';
import { defaultDataDir, haveSharedData, loadCorpus, type CorpusKind } from './corpus';
import type { ArrayBufferGrowth, FromWorker, WorkerJob } from './fuzzProtocol';
import { MUTATION_NAMES } from './mutateDicom';
import { emptySummary, formatSummary, fuzzInput, indexCorpus, MAX_HEAP_GROWTH, type FuzzFailure, type FuzzSummary } from './runFuzz';

/** Heap of a freshly instantiated codec module (the emscripten builds start at 50 MiB). */
const INITIAL_HEAP = 50 * 1048576;

interface Args {
  cases: number;
  seed: number;
  minutes: number;
  corpus: CorpusKind;
  dataDir: string;
  only?: string[];
  out: string;
  maxCallMs: number;
  timeoutMs: number;
  healthEvery: number;
  caseIndex: number | null;
  replay: string | null;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${v}`);
    return n;
  };
  const dataDir = get('data') ?? defaultDataDir();
  const minutes = num('minutes', Infinity);
  const only = get('only')?.split(',').filter(Boolean);
  for (const m of only ?? []) if (!MUTATION_NAMES.includes(m)) throw new Error(`unknown mutation ${m} (known: ${MUTATION_NAMES.join(', ')})`);
  return {
    cases: num('cases', Number.isFinite(minutes) ? Infinity : 10_000),
    seed: num('seed', 1),
    minutes,
    corpus: (get('corpus') as CorpusKind | undefined) ?? (haveSharedData(dataDir) ? 'all' : 'synthetic'),
    dataDir,
    only,
    out: get('out') ?? '/tmp',
    maxCallMs: num('max-call-ms', 2000),
    timeoutMs: num('timeout-ms', 30_000),
    healthEvery: num('health-every', 500),
    caseIndex: get('case') === undefined ? null : num('case', 0),
    replay: get('replay') ?? null,
  };
}

function saveFailure(args: Args, f: FuzzFailure): string {
  mkdirSync(args.out, { recursive: true });
  const base = path.join(args.out, `lungview-fuzz-seed${args.seed}-case${f.caseIndex}`);
  if (f.bytes.length || f.source !== '(health check)') writeFileSync(`${base}.dcm`, f.bytes);
  const replay = `npm run fuzz -- --seed ${args.seed} --case ${f.caseIndex} --corpus ${args.corpus}${args.only ? ` --only ${args.only.join(',')}` : ''}`;
  writeFileSync(`${base}.txt`, [
    `case ${f.caseIndex} of seed ${args.seed} (corpus ${args.corpus})`,
    `from: ${f.source}`,
    `mutation: ${f.what}`,
    'failures:',
    ...f.failures.map((x) => `  ${x}`),
    `replay: ${replay}`,
    `or: npm run fuzz -- --replay ${base}.dcm`,
    '',
  ].join('\n'));
  return base;
}

async function runOne(bytes: Uint8Array, name: string, args: Args): Promise<number> {
  const set = createCodecSet();
  const out = await checkCase(bytes, name, set, args.maxCallMs);
  const r = out.result;
  console.log(`${name}: ${bytes.length} bytes`);
  console.log(`  result: ${r ? (r.ok ? `${r.slices.length} slice(s) ${r.slices[0].header.columns}×${r.slices[0].header.rows}` : `skipped: ${r.skipped.reason}`) : '(none)'}`);
  for (const t of out.times) console.log(`  ${t.call}: ${t.ms.toFixed(1)} ms`);
  // Codec modules start with a heap of INITIAL_HEAP; growth beyond the bound is a failure, as in the fuzz loop.
  for (const c of set.memory()) {
    console.log(`  ${c.name} heap: ${(c.heapBytes / 1048576).toFixed(0)} MiB`);
    if (c.heapBytes > INITIAL_HEAP + MAX_HEAP_GROWTH) out.failures.push(`the ${c.name} codec heap grew to ${(c.heapBytes / 1048576).toFixed(0)} MiB`);
  }
  for (const f of out.failures) console.log(`  FAIL ${f}`);
  if (!out.failures.length) console.log('  all invariants hold');
  return out.failures.length ? 1 : 0;
}

function merge(total: FuzzSummary, part: FuzzSummary): void {
  total.cases += part.cases;
  total.healthChecks += part.healthChecks;
  total.decoded += part.decoded;
  total.skipped += part.skipped;
  total.ms += part.ms;
  if (part.slowest && (!total.slowest || part.slowest.ms > total.slowest.ms)) total.slowest = part.slowest;
  const perByte = (s: FuzzSummary['slowestPerMiB']) => (s ? s.ms / s.bytes : -1);
  if (perByte(part.slowestPerMiB) > perByte(total.slowestPerMiB)) total.slowestPerMiB = part.slowestPerMiB;
  if (part.largestOutput && (!total.largestOutput || part.largestOutput.huBytes > total.largestOutput.huBytes)) total.largestOutput = part.largestOutput;
  total.maxHuPerInputByte = Math.max(total.maxHuPerInputByte, part.maxHuPerInputByte);
  for (const [r, n] of part.reasons) total.reasons.set(r, (total.reasons.get(r) ?? 0) + n);
}

const workerBoot = (url: string, tsxApi: string) =>
  `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(url)}); });`;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.replay) return runOne(new Uint8Array(readFileSync(args.replay)), path.basename(args.replay), args);
  if (args.caseIndex !== null) {
    const corpus = indexCorpus(await loadCorpus(args.corpus, args.dataDir));
    const input = fuzzInput(corpus, args.seed, args.caseIndex, args.only);
    const file = path.join(args.out, `lungview-fuzz-seed${args.seed}-case${args.caseIndex}.dcm`);
    mkdirSync(args.out, { recursive: true });
    writeFileSync(file, input.bytes);
    console.log(`case ${args.caseIndex} of seed ${args.seed}: ${input.source}: ${input.what}\n  input written to ${file}`);
    return runOne(input.bytes, input.source, args);
  }

  console.log(`fuzzing: seed ${args.seed}, ${Number.isFinite(args.cases) ? `${args.cases} cases` : 'no case limit'}` +
    `${Number.isFinite(args.minutes) ? `, ${args.minutes} min` : ''}, corpus ${args.corpus}${args.only ? `, only ${args.only.join(',')}` : ''}`);
  const corpusForReplay = indexCorpus(await loadCorpus(args.corpus, args.dataDir));
  const total = emptySummary(args.seed);
  const failures: FuzzFailure[] = [];
  const deadline = Number.isFinite(args.minutes) ? Date.now() + args.minutes * 60_000 : Date.now() + 365 * 86_400_000;
  const end = Number.isFinite(args.cases) ? args.cases : Number.MAX_SAFE_INTEGER;
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const workerUrl = new URL('./fuzzWorker.mts', import.meta.url).href;
  let next = 0;
  let growth: ArrayBufferGrowth = { bytes: 0, caseIndex: -1, inputBytes: 0, huBytes: 0 };
  let rssMax = 0;
  let codecs: Array<{ name: string; heapBytes: number; replacements: number }> = [];
  let lastReport = Date.now();

  const record = (f: FuzzFailure) => {
    failures.push(f);
    const base = saveFailure(args, f);
    console.log(`FAIL case ${f.caseIndex} (${f.source}: ${f.what.slice(0, 160)}): ${f.failures[0].slice(0, 200)}\n  input: ${base}.dcm`);
  };

  while (next < end && Date.now() < deadline) {
    const job: WorkerJob = {
      seed: args.seed, firstCase: next, cases: end - next, deadlineEpochMs: deadline, corpus: args.corpus, dataDir: args.dataDir,
      only: args.only, maxCallMs: args.maxCallMs, healthEvery: args.healthEvery,
    };
    const outcome = await new Promise<{ done: boolean; lastCase: number; reason?: string; started: boolean }>((resolve) => {
      const worker = new Worker(workerBoot(workerUrl, tsxApi), { eval: true, workerData: job });
      let current = next - 1;
      let beat = Date.now();
      let settled = false;
      const finish = (r: { done: boolean; lastCase: number; reason?: string }) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        void worker.terminate();
        resolve({ ...r, started: current >= next });
      };
      const timer = setInterval(() => {
        // The first case waits for the corpus and codecs to load: give it longer.
        const limit = current < next ? args.timeoutMs + 60_000 : args.timeoutMs;
        if (Date.now() - beat > limit) finish({ done: false, lastCase: current, reason: `no progress for ${Date.now() - beat} ms (hang)` });
      }, 500);
      worker.on('message', (m: FromWorker) => {
        beat = Date.now();
        if (m.type === 'case') {
          current = m.caseIndex;
          if (Date.now() - lastReport > 30_000) {
            lastReport = Date.now();
            console.log(`  ... case ${current}, ${failures.length} failing so far`);
          }
        } else if (m.type === 'failure') {
          record(m.failure);
        } else {
          merge(total, { ...m.summary, reasons: new Map(m.summary.reasons) });
          if (m.growth.bytes > growth.bytes) growth = m.growth;
          rssMax = Math.max(rssMax, m.rssMax);
          codecs = m.codecs;
          finish({ done: true, lastCase: m.summary.cases ? next + m.summary.cases - 1 : current });
        }
      });
      worker.on('error', (e) => finish({ done: false, lastCase: current, reason: `worker died: ${e.message}` }));
      worker.on('exit', (code) => finish({ done: false, lastCase: current, reason: `worker exited with code ${code}` }));
    });
    if (outcome.done) break;
    if (!outcome.started) throw new Error(`the fuzz worker did not start: ${outcome.reason}`);
    // A hang or crash: record the case that was running, then go on after it.
    const k = Math.max(next, outcome.lastCase);
    const input = fuzzInput(corpusForReplay, args.seed, k, args.only);
    record({ ...input, failures: [outcome.reason ?? 'worker stopped'] });
    total.cases++;
    next = k + 1;
  }

  total.failures = failures;
  console.log(formatSummary(total));
  console.log(`  largest ArrayBuffer growth of one case (worker isolate): ${(growth.bytes / 1048576).toFixed(1)} MiB ` +
    `(case ${growth.caseIndex}, input ${growth.inputBytes} bytes, HU returned ${growth.huBytes} bytes); peak RSS ${(rssMax / 1048576).toFixed(0)} MiB`);
  if (codecs.length) {
    console.log(`  codec heaps at the end: ${codecs.map((c) => `${c.name} ${(c.heapBytes / 1048576).toFixed(0)} MiB (replaced ${c.replacements}×)`).join(', ')}`);
  }
  console.log(failures.length ? `${failures.length} failing case(s); inputs in ${args.out}` : 'no failures');
  return failures.length ? 1 : 0;
}

process.exitCode = await main();
