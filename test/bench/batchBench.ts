/**
 * Batch throughput (`npm run bench -- --batch`): `npm run cli -- batch` over
 *   real: a temporary root of symbolic links, each of the three real series
 *         `reps` times (r1-<name>, r2-<name>, ...: the queue alternates the
 *         series, so the two workers never write the same series folder at
 *         once);
 *   phantom: two 512×512×600 phantoms (seeds 1 and 2, so two series ids;
 *         phantomFolder.ts), written into a temporary folder first, one per
 *         worker at once: the largest work per worker.
 * Each run is one process measured from outside: wall time (spawn to exit),
 * series per minute, and the process's peak RSS (GNU time's maximum resident
 * set of the command's processes: the workers are threads of one process,
 * so per worker it is given as peak / jobs, and the first worker's share is
 * the process's own start-up). The seed's per-series time (median
 * `pipeline` seconds of each real series, mean over the three) over ours
 * (wall / series) is the throughput ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REAL_SERIES, seriesDir } from '../helpers/sharedData';
import { builtCli, repoRoot } from './fresh';
import { writePhantomFolder, type PhantomFolder } from './phantomFolder';

export interface BatchBenchRun {
  name: string;
  series: number;
  ok: number;
  jobs: number;
  wallMs: number;
  peakRssMb: number;
  seriesPerMinute: number;
}

/** Runs `npm run cli -- batch root --out (temp) --jobs N` under GNU time; wall and peak RSS. */
function timedBatch(name: string, root: string, jobs: number): BatchBenchRun {
  const out = mkdtempSync(path.join(tmpdir(), 'lungview-bench-batch-out-'));
  try {
    const t0 = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', 'maxrss-kb %M', 'npm', '--prefix', repoRoot, 'run', '-s', 'cli', '--', 'batch', root, '--out', out, '--jobs', String(jobs)], {
      encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = performance.now() - t0;
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`batch ${name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const rss = /maxrss-kb (\d+)/.exec(r.stderr);
    const rows = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string });
    const ok = rows.filter((x) => x.status === 'ok').length;
    return { name, series: rows.length, ok, jobs, wallMs, peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, seriesPerMinute: rows.length / (wallMs / 60_000) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The two batch runs (real series × reps, two phantoms). */
export async function measureBatch(reps: number, jobs: number, withPhantom: boolean): Promise<BatchBenchRun[]> {
  await builtCli();
  const runs: BatchBenchRun[] = [];
  const root = mkdtempSync(path.join(tmpdir(), 'lungview-bench-batch-'));
  try {
    for (let k = 1; k <= reps; k++) for (const s of REAL_SERIES) symlinkSync(seriesDir(s), path.join(root, `r${k}-${s}`));
    process.stderr.write(`batch: ${reps} × ${REAL_SERIES.length} real series, --jobs ${jobs}…\n`);
    runs.push(timedBatch(`real series × ${reps}`, root, jobs));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (withPhantom) {
    const parent = mkdtempSync(path.join(tmpdir(), 'lungview-bench-batch-phantom-'));
    const phantoms: PhantomFolder[] = [];
    try {
      process.stderr.write('batch: writing two 512×512×600 phantoms…\n');
      for (const seed of [1, 2]) phantoms.push(writePhantomFolder({ slices: 600, seed, parentDir: parent }));
      process.stderr.write(`batch: two phantoms, --jobs ${jobs}…\n`);
      runs.push(timedBatch('phantom 512×512×600 × 2', parent, jobs));
    } finally {
      for (const p of phantoms) p.remove();
      rmSync(parent, { recursive: true, force: true });
    }
  }
  return runs;
}

/** Markdown table of the batch runs; `seedPerSeriesS` the seed's mean per-series time (real series) or null. */
export function batchMarkdown(runs: BatchBenchRun[], seedPerSeriesS: number | null): string {
  const L: string[] = ['## Batch throughput (`npm run cli -- batch`, one run each)', ''];
  L.push('| run | series (ok) | --jobs | wall s | series per minute | s per series | seed s per series | seed / ours | peak RSS MB | per worker MB |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const perSeriesS = r.wallMs / 1000 / r.series;
    const real = r.name.startsWith('real');
    const ratio = real && seedPerSeriesS !== null ? `${(seedPerSeriesS / perSeriesS).toFixed(1)}×` : '—';
    L.push(`| ${r.name} | ${r.series} (${r.ok}) | ${r.jobs} | ${(r.wallMs / 1000).toFixed(1)} | ${r.seriesPerMinute.toFixed(1)} | ${perSeriesS.toFixed(2)} | ` +
      `${real && seedPerSeriesS !== null ? seedPerSeriesS.toFixed(2) : '—'} | ${ratio} | ${r.peakRssMb.toFixed(0)} | ${(r.peakRssMb / r.jobs).toFixed(0)} |`);
  }
  L.push('', 'wall: the whole command from outside (npm, start-up, discovery, every series analysed with its outputs written, ' +
    'results.csv). seed s per series: the mean over the three real series of seed_pipeline.py\'s median `pipeline` seconds ' +
    'in the same run. peak RSS: the process (its worker threads included); per worker: that / jobs.', '');
  return L.join('\n');
}
