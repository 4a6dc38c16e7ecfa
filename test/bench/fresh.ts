/**
 * One-shot `analyze` in fresh processes, measured from outside as a user
 * sees it (`npm run bench -- --fresh`): per series, N processes per way of
 * starting the command line, interleaved run by run so that the machine's
 * other load falls on all of them alike. Per process: the wall time from
 * spawn to exit (this process's clock), the report's `timingsMs` (total and
 * stages) and peak RSS. Ways of starting it:
 *   npm   `npm run -s cli -- analyze DIR --json`, the documented command
 *         (src/cli/launch/lungview.mjs: the built bundle in dist-cli/, checked against
 *         the sources' hash; built before the first timed run);
 *   node  `node dist-cli/<hash>/main.js analyze ...`: the bundle without npm
 *         and the launcher;
 *   tsx   `tsx src/cli/main.ts analyze ...`: the sources transpiled at start
 *         (how `npm run cli` ran before the bundle);
 *   before  the same through tsx from another tree (--before DIR: an earlier
 *         commit's files, e.g. `git archive <commit> | tar -x -C DIR`, with
 *         node_modules linked), to compare with in the same run.
 * "startup" is wall − timingsMs.total: everything outside the analysis
 * (process and npm start, module loading, the trust check, printing, exit).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzeReport } from '../../src/cli/analyze';
import { median } from './measureOurs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const FRESH_MODES = ['npm', 'node', 'tsx', 'before'] as const;
export type FreshMode = (typeof FRESH_MODES)[number];

export interface FreshRun {
  wallMs: number;
  timingsMs: AnalyzeReport['timingsMs'];
  peakRssMb: number;
}

export interface FreshSeries {
  dir: string;
  runs: Record<FreshMode, FreshRun[]>;
}

/** The node options `npm run cli` starts the command line with (package.json's cli script), so the node mode runs it the same way. */
export const CLI_NODE_FLAGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts.cli.split(/\s+/).filter((t) => t.startsWith('--'));
})();

/** The built CLI's main.js, built now when missing or stale (src/cli/launch/cliBundle.mjs). */
export async function builtCli(): Promise<string> {
  const bundle = (await import(path.join(repoRoot, 'src/cli/launch/cliBundle.mjs'))) as { freshBundle(): string | null; buildCli(): Promise<string> };
  return bundle.freshBundle() ?? (await bundle.buildCli());
}

function command(mode: FreshMode, main: string, args: string[], beforeDir: string | null): [string, string[]] {
  if (mode === 'npm') return ['npm', ['--prefix', repoRoot, 'run', '-s', 'cli', '--', ...args]];
  if (mode === 'node') return [process.execPath, [...CLI_NODE_FLAGS, main, ...args]];
  if (mode === 'before' && !beforeDir) throw new Error('the before mode needs --before DIR');
  return [path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(mode === 'before' ? beforeDir! : repoRoot, 'src/cli/main.ts'), ...args]];
}

/** Environment without the npm variables of the benchmark's own `npm run` (so npm and the CLI behave as when a user calls them). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  return env;
}

/** One fresh `analyze DIR --json` process. */
export function freshRun(mode: FreshMode, main: string, dir: string, beforeDir: string | null = null): FreshRun {
  const [cmd, args] = command(mode, main, ['analyze', dir, '--json'], beforeDir);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: cleanEnv() });
  const wallMs = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${mode} analyze ${dir} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as AnalyzeReport;
  return { wallMs, timingsMs: report.timingsMs, peakRssMb: report.peakRssMb };
}

/** `runs` rounds of one process per mode, interleaved. */
export async function measureFresh(dir: string, runs: number, modes: readonly FreshMode[], beforeDir: string | null = null): Promise<FreshSeries> {
  const main = await builtCli();
  const out = Object.fromEntries(FRESH_MODES.map((m) => [m, [] as FreshRun[]])) as Record<FreshMode, FreshRun[]>;
  for (let k = 0; k < runs; k++) for (const m of modes) out[m].push(freshRun(m, main, dir, beforeDir));
  return { dir, runs: out };
}

/** Stages of the table of where a fresh process's time goes. */
const STAGE_COLUMNS: [string, (t: AnalyzeReport['timingsMs']) => number][] = [
  ['read + hu', (t) => t.read + t.hu],
  ['masks', (t) => t.segmentNoFill + t.segmentFill],
  ['gk', (t) => t.gk],
  ['inclusive', (t) => t.inclusive ?? 0],
  ['mesh lung', (t) => t.meshLung],
  ['mesh internal', (t) => t.meshInternal],
  ['split', (t) => t.split],
  ['densitometry', (t) => t.densitometry ?? 0],
];

const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '—');

export interface FreshSeed {
  /** Median of the seed's `pipeline` seconds in the same run, or null without the seed. */
  pipelineS: number | null;
}

/** Markdown: per series and mode, medians of wall, total, startup and stages, with the ratio to the seed. */
export function freshMarkdown(results: { name: string; fresh: FreshSeries; seed: FreshSeed }[], modes: readonly FreshMode[], runs: number): string {
  const L: string[] = [];
  L.push(`## One-shot analyze, fresh processes (median of ${runs} per way of starting, interleaved)`, '');
  L.push('| series | started by | wall from outside ms | timingsMs.total | outside the analysis ms | ' +
    `${STAGE_COLUMNS.map(([n]) => n).join(' | ')} | peak RSS MB | seed pipeline s | seed / wall | seed / total |`);
  L.push(`|---|---|${'---:|'.repeat(STAGE_COLUMNS.length + 8)}`);
  for (const { name, fresh, seed } of results) {
    for (const m of modes) {
      const rs = fresh.runs[m];
      if (!rs.length) continue;
      const wall = median(rs.map((r) => r.wallMs));
      const total = median(rs.map((r) => r.timingsMs.total));
      const outside = median(rs.map((r) => r.wallMs - r.timingsMs.total));
      const ratio = (ms: number) => (seed.pipelineS === null ? '—' : `${((seed.pipelineS * 1000) / ms).toFixed(1)}×`);
      L.push(`| ${name} | ${m} | ${f0(wall)} | ${f0(total)} | ${f0(outside)} | ${STAGE_COLUMNS.map(([, get]) => f0(median(rs.map((r) => get(r.timingsMs))))).join(' | ')} | ` +
        `${f0(median(rs.map((r) => r.peakRssMb)))} | ${seed.pipelineS === null ? '—' : seed.pipelineS.toFixed(2)} | ${ratio(wall)} | ${ratio(total)} |`);
    }
  }
  L.push('', 'npm: `npm run -s cli -- analyze DIR --json` (the built bundle, src/cli/launch/lungview.mjs); node: the bundle started by node ' +
    'directly; tsx: the TypeScript sources through tsx (how `npm run cli` ran before); before: an earlier tree through tsx. wall: spawn to exit, measured by the ' +
    'benchmark; outside the analysis: wall − timingsMs.total (process, npm and module start, the trust check, printing, ' +
    'exit). Stages as the report times them (GK and both meshes on the worker thread, beside the inclusive mask, the split and densitometry; read + hu with half of the slices filled by the worker). ' +
    'seed: median of seed_pipeline.py\'s `pipeline` seconds in the same run.', '');
  return L.join('\n');
}
