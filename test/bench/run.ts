/**
 * Benchmark: `npm run bench [-- --seed] [-- --runs N] [-- --seed-runs N]
 * [-- --only NAME] [-- --json-out PATH] [-- --fresh [--fresh-runs N]
 * [--fresh-modes npm,node,tsx,before] [--before DIR]] [-- --batch [--batch-reps N] [--batch-jobs N]
 * [--no-phantom]] [-- --stages]`.
 *
 * --fresh: one-shot `analyze` in fresh processes measured from outside
 * (fresh.ts); --batch: `batch` throughput (batchBench.ts). Either replaces
 * the per-stage measurement below unless --stages is also given; the seed
 * (with --seed) runs once per series for all of them.
 *
 * On each real series (../shared/data/ct): per-stage medians over N runs
 * (default 5) of this project's pipeline, each series in a fresh Node
 * process (see measureOurs.ts), and the peak RSS. With --seed, the Python
 * reference (seed_pipeline.py) runs on the same series in the same command
 * (default 2 runs, about 25 s each) and the table gives seed / ours per
 * stage and for the whole pipeline. Prints a markdown table; --json-out
 * writes everything as JSON.
 *
 * Targets: whole pipeline >= 30x the reference on every series, every stage
 * >= 10x, marching cubes >= 2x scikit-image's Lewiner; 2D slice render < 16 ms.
 * Rows marked "floor" show the least the reading and the internal-structures
 * stages can cost (their targets cannot be met: the seed's numpy does them
 * in a few passes over the data, close to their floors too); "CPU time" and
 * "one thread" show what the two-thread pipeline costs in all.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveRealData, REAL_SERIES, seriesDir, type RealSeries } from '../helpers/sharedData';
import { measureSeries, median, type OurMeasurement, type OurStage } from './measureOurs';
import { runSeed, seedUnavailable, type SeedRun } from './seedRunner';
import { FRESH_MODES, freshMarkdown, measureFresh, type FreshMode, type FreshSeries } from './fresh';
import { batchMarkdown, measureBatch, type BatchBenchRun } from './batchBench';

interface Args {
  seed: boolean;
  runs: number;
  seedRuns: number;
  only: RealSeries[];
  jsonOut: string | null;
  child: RealSeries | null;
  stages: boolean;
  fresh: boolean;
  freshRuns: number;
  freshModes: FreshMode[];
  batch: boolean;
  batchReps: number;
  batchJobs: number;
  phantom: boolean;
  before: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seed: false, runs: 5, seedRuns: 2, only: [], jsonOut: null, child: null,
    stages: false, fresh: false, freshRuns: 5, freshModes: ['npm', 'node', 'tsx'], batch: false, batchReps: 4, batchJobs: 2, phantom: true, before: null,
  };
  const series = (v: string | undefined): RealSeries[] => {
    const names = (v ?? '').split(',').filter(Boolean);
    for (const n of names) {
      if (!(REAL_SERIES as readonly string[]).includes(n)) throw new Error(`unknown series '${n}' (known: ${REAL_SERIES.join(', ')})`);
    }
    return names as RealSeries[];
  };
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--seed') a.seed = true;
    else if (k === '--runs') a.runs = int(k, argv[++i]);
    else if (k === '--seed-runs') a.seedRuns = int(k, argv[++i]);
    else if (k === '--only') a.only.push(...series(argv[++i]));
    else if (k === '--json-out') a.jsonOut = argv[++i] ?? null;
    else if (k === '--child') a.child = series(argv[++i])[0] ?? null;
    else if (k === '--stages') a.stages = true;
    else if (k === '--fresh') a.fresh = true;
    else if (k === '--fresh-runs') a.freshRuns = int(k, argv[++i]);
    else if (k === '--fresh-modes') {
      a.freshModes = (argv[++i] ?? '').split(',').filter(Boolean) as FreshMode[];
      const bad = a.freshModes.filter((m) => !(FRESH_MODES as readonly string[]).includes(m));
      if (bad.length || !a.freshModes.length) throw new Error(`--fresh-modes takes ${FRESH_MODES.join(',')}, got '${argv[i]}'`);
    } else if (k === '--batch') a.batch = true;
    else if (k === '--batch-reps') a.batchReps = int(k, argv[++i]);
    else if (k === '--batch-jobs') a.batchJobs = int(k, argv[++i]);
    else if (k === '--no-phantom') a.phantom = false;
    else if (k === '--before') a.before = argv[++i] ?? null;
    else throw new Error(`unknown argument '${k}'`);
  }
  return a;
}

/** One row of the comparison: our stage, the reference's stages it corresponds to, the target ratio. */
interface StageRow {
  label: string;
  ours: OurStage;
  seed: string[];
  target: number | null;
}

const ROWS: StageRow[] = [
  { label: 'read + parse + HU', ours: 'read', seed: ['read_sort', 'hu'], target: 10 },
  { label: '  floor: read the files\' bytes only', ours: 'readFloor', seed: ['read_sort', 'hu'], target: null },
  { label: '  floor: read bytes + write a fresh volume', ours: 'readFloorVolume', seed: ['read_sort', 'hu'], target: null },
  { label: 'segment no-fill', ours: 'segmentNoFill', seed: ['segment_nofill'], target: 10 },
  { label: 'segment fill', ours: 'segmentFill', seed: ['segment_fill'], target: 10 },
  { label: 'both segmentations together', ours: 'segmentBoth', seed: ['segment_nofill', 'segment_fill'], target: 10 },
  { label: 'internal + isolate', ours: 'internal', seed: ['internal_and_isolate'], target: 10 },
  { label: 'GK 5 slices', ours: 'gk', seed: ['gk_5_slices'], target: 10 },
  { label: 'GK whole lung', ours: 'gkVolume', seed: [], target: null },
  { label: 'MC lung', ours: 'meshLung', seed: ['marching_cubes_lung'], target: 2 },
  { label: 'MC internal', ours: 'meshInternal', seed: ['marching_cubes_internal'], target: 2 },
  { label: 'airway / left / right split (runs per label)', ours: 'split', seed: [], target: null },
  { label: 'inclusive lung mask', ours: 'inclusive', seed: [], target: null },
  { label: 'densitometry (one pass, runs per label given)', ours: 'densitometry', seed: [], target: null },
  { label: 'whole pipeline', ours: 'pipeline', seed: ['pipeline'], target: 30 },
  { label: '  CPU time of it, all threads', ours: 'pipelineCpu', seed: ['pipeline'], target: null },
  { label: '  the same on one thread', ours: 'pipelineOneThread', seed: ['pipeline'], target: null },
  { label: 'whole pipeline + mesh areas', ours: 'pipelineWall', seed: [], target: null },
];

interface SeriesReport {
  series: RealSeries;
  ours: OurMeasurement;
  seed: SeedRun[] | null;
  rows: Array<{
    label: string;
    oursMedianMs: number;
    oursMinMs: number;
    oursMaxMs: number;
    seedMedianS: number | null;
    ratio: number | null;
    /** Fastest seed run / fastest of ours: less sensitive to other load on the machine. */
    bestRatio: number | null;
    target: number | null;
    met: boolean | null;
  }>;
}

function measureInChild(name: RealSeries, runs: number): OurMeasurement {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', script, '--child', name, '--runs', String(runs)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`measuring ${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as OurMeasurement;
}

function summarise(series: RealSeries, ours: OurMeasurement, seed: SeedRun[] | null): SeriesReport {
  const rows = ROWS.map((row) => {
    const v = ours.stagesMs[row.ours];
    const oursMedianMs = median(v);
    const seedMedianS = seed && row.seed.length ? median(seed.map((s) => row.seed.reduce((a, k) => a + (s.seconds[k] ?? Number.NaN), 0))) : null;
    const ratio = seedMedianS !== null ? (seedMedianS * 1000) / oursMedianMs : null;
    const seedBestS = seed && row.seed.length ? Math.min(...seed.map((s) => row.seed.reduce((a, k) => a + (s.seconds[k] ?? Number.NaN), 0))) : null;
    const bestRatio = seedBestS !== null ? (seedBestS * 1000) / Math.min(...v) : null;
    return {
      label: row.label,
      oursMedianMs,
      oursMinMs: Math.min(...v),
      oursMaxMs: Math.max(...v),
      seedMedianS,
      ratio,
      bestRatio,
      target: row.target,
      met: ratio !== null && row.target !== null ? ratio >= row.target : null,
    };
  });
  return { series, ours, seed, rows };
}

const f = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');

function markdown(reports: SeriesReport[], args: Args, seedNote: string | null): string {
  const L: string[] = [];
  L.push(`# lungview benchmark`, '');
  L.push(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}. ` +
    `Ours: median of ${args.runs} run(s) per stage, one fresh process per series. ` +
    (args.seed ? (seedNote ? `Seed: not run (${seedNote}).` : `Seed: ${args.seedRuns} run(s) of seed_pipeline.py per series, median of its \`seconds\`.`) : 'Seed: not run (pass --seed).'));
  L.push('');
  for (const r of reports) {
    const [nz, ny, nx] = r.ours.dimsZyx;
    L.push(`## ${r.series} (${nz}×${ny}×${nx})`, '');
    L.push('| stage | ours median ms | ours min–max ms | seed median s | seed / ours | best / best | target | met |');
    L.push('|---|---:|---:|---:|---:|---:|---:|:---:|');
    for (const row of r.rows) {
      L.push(`| ${row.label} | ${f(row.oursMedianMs, 1)} | ${f(row.oursMinMs, 0)}–${f(row.oursMaxMs, 0)} | ${row.seedMedianS === null ? '—' : f(row.seedMedianS, 3)} | ` +
        `${row.ratio === null ? '—' : `${f(row.ratio, 1)}×`} | ${row.bestRatio === null ? '—' : `${f(row.bestRatio, 1)}×`} | ${row.target === null ? '—' : `≥ ${row.target}×`} | ${row.met === null ? '—' : row.met ? 'yes' : '**no**'} |`);
    }
    const seedRss = r.seed ? median(r.seed.map((s) => s.peakRssMb)) : null;
    L.push(`| peak RSS (MB) | ${f(r.ours.peakRssMb.firstPipeline, 0)} (one analysis) | ${f(r.ours.peakRssMb.end, 0)} (after all runs) | ${seedRss === null ? '—' : f(seedRss, 0)} MB | | | | |`);
    L.push(`| 2D render ${r.ours.render2d.width}×${r.ours.render2d.height} | ${f(r.ours.render2d.medianMs, 3)} | median of ${r.ours.render2d.repeats} | | | | < 16 ms | ${r.ours.render2d.medianMs < 16 ? 'yes' : '**no**'} |`);
    L.push('');
    const byWorker = r.ours.internalMeshedBy.filter((b) => b === 'worker').length;
    L.push(`Internal structures meshed on the worker thread in ${byWorker} of ${r.ours.internalMeshedBy.length} whole-pipeline runs (else on the main thread, which takes the job when the worker has not started it).`, '');
    if (r.seed) {
      const s = r.seed[0].check;
      const o = r.ours.check;
      L.push(`Same work: lung fill voxels ${o.lungFillVoxels} (seed ${s.lungFillVoxels}), GK kept pixels ${o.gkKeptPixels.join(', ')} ` +
        `(seed, superior first: ${s.gkKeptPixels.join(', ')}), triangles lung ${o.lungTriangles} / internal ${o.internalTriangles} ` +
        `(seed Lewiner faces ${s.lungFaces} / ${s.internalFaces}).`, '');
    }
  }
  L.push('## Summary', '');
  L.push('| series | whole pipeline ours ms (median) | first run ms | seed s (median) | seed / ours | best / best | slowest-ratio stage | all targets met |');
  L.push('|---|---:|---:|---:|---:|---:|---|:---:|');
  for (const r of reports) {
    const whole = r.rows.find((x) => x.label === 'whole pipeline') as SeriesReport['rows'][number];
    const withRatio = r.rows.filter((x) => x.ratio !== null && x.target !== null && x.label !== 'whole pipeline');
    const worst = withRatio.length ? withRatio.reduce((a, b) => ((b.ratio as number) < (a.ratio as number) ? b : a)) : null;
    const met = r.rows.every((x) => x.met !== false) && r.ours.render2d.medianMs < 16;
    L.push(`| ${r.series} | ${f(whole.oursMedianMs, 0)} | ${f(r.ours.stagesMs.pipeline[0], 0)} | ${whole.seedMedianS === null ? '—' : f(whole.seedMedianS, 2)} | ` +
      `${whole.ratio === null ? '—' : `${f(whole.ratio, 1)}×`} | ${whole.bestRatio === null ? '—' : `${f(whole.bestRatio, 1)}×`} | ${worst ? `${worst.label} ${f(worst.ratio as number, 1)}×` : '—'} | ${r.seed ? (met ? 'yes' : '**no**') : '—'} |`);
  }
  L.push('', 'whole pipeline: what the CLI\'s `analyze` computes (readAndAnalyze: readFolder, then the analysis with the internal ' +
    'structures meshed on a worker thread while the main thread runs GK and meshes the lungs, or on the main thread when the ' +
    'worker has not started that job by then; no airway split) less the ' +
    'mesh-area sums, i.e. the work the seed\'s `pipeline` sum times (it computes areas outside its stage timers). ' +
    'CPU time: user + system of all threads during that run (the seed runs on one thread). one thread: readFolder + ' +
    'runAnalysis, everything on the main thread. Floors: the least that stage\'s work can cost here (see measureOurs.ts). ' +
    'first run: the first whole pipeline in a fresh process (JIT cold, worker starting, numpy-compatible GK start drawn); ' +
    'later runs reuse the worker and the drawn start. Targets are judged on the medians; best / best (fastest seed run ' +
    'over our fastest run) shows the ratio with the least interference from other load.');
  return L.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    process.stdout.write(JSON.stringify(await measureSeries(args.child, args.runs)));
    return;
  }
  if (!haveRealData) throw new Error('real data not found (../shared/data/ct and ../shared/reference)');
  const names = args.only.length ? args.only : [...REAL_SERIES];
  let seedNote: string | null = null;
  if (args.seed) {
    seedNote = seedUnavailable();
    if (seedNote) process.stderr.write(`warning: the Python reference cannot run: ${seedNote}; continuing without it\n`);
  }
  const stages = args.stages || (!args.fresh && !args.batch);
  const reports: SeriesReport[] = [];
  const fresh: { name: RealSeries; fresh: FreshSeries; seed: { pipelineS: number | null } }[] = [];
  const seedPipelineS = new Map<RealSeries, number>();
  for (const name of names) {
    let ours: OurMeasurement | null = null;
    if (stages) {
      process.stderr.write(`${name}: ours, ${args.runs} run(s)…\n`);
      ours = measureInChild(name, args.runs);
    }
    let f: FreshSeries | null = null;
    if (args.fresh) {
      process.stderr.write(`${name}: fresh processes, ${args.freshRuns} × ${args.freshModes.join(', ')}…\n`);
      f = await measureFresh(seriesDir(name), args.freshRuns, args.freshModes, args.before);
    }
    let seed: SeedRun[] | null = null;
    if (args.seed && !seedNote) {
      seed = [];
      for (let k = 0; k < args.seedRuns; k++) {
        process.stderr.write(`${name}: seed run ${k + 1}/${args.seedRuns}…\n`);
        seed.push(runSeed(seriesDir(name)));
      }
      seedPipelineS.set(name, median(seed.map((s) => s.seconds.pipeline)));
    }
    if (ours) reports.push(summarise(name, ours, seed));
    if (f) fresh.push({ name, fresh: f, seed: { pipelineS: seedPipelineS.get(name) ?? null } });
  }
  let batch: BatchBenchRun[] | null = null;
  if (args.batch) batch = await measureBatch(args.batchReps, args.batchJobs, args.phantom);
  const seedPerSeriesS = seedPipelineS.size === REAL_SERIES.length ? [...seedPipelineS.values()].reduce((a, b) => a + b, 0) / seedPipelineS.size : null;
  const md = [
    stages ? markdown(reports, args, seedNote) : `# lungview benchmark\n\nNode ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}.\n`,
    fresh.length ? freshMarkdown(fresh, args.freshModes, args.freshRuns) : '',
    batch ? batchMarkdown(batch, seedPerSeriesS) : '',
  ].filter(Boolean).join('\n');
  process.stdout.write(md);
  if (args.jsonOut) {
    const out = path.resolve(args.jsonOut);
    writeFileSync(out, JSON.stringify({
      node: process.version,
      cpus: cpus().length,
      loadAverage: loadavg(),
      runs: args.runs,
      seedRuns: args.seed && !seedNote ? args.seedRuns : 0,
      seedUnavailable: seedNote,
      series: reports,
      fresh,
      batch,
      seedPipelineS: Object.fromEntries(seedPipelineS),
      markdown: md,
    }, null, 2));
    process.stderr.write(`wrote ${out}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
