import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePhantomSeries } from '../../src/core/io/phantom';
import type { AnalyzeReport } from '../../src/cli/analyze';
import { repoRoot, runCli } from './cliProcess';

interface BundleModule {
  buildCli(): Promise<string>;
  freshBundle(): string | null;
  sourceHash(inputs: string[]): string;
}

let root = '';
let phantom = '';
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lungview-cli-bundle-'));
  phantom = path.join(root, 'phantom');
  mkdirSync(phantom);
  for (const f of makePhantomSeries({ size: 64, slices: 20, seed: 7 }).files) writeFileSync(path.join(phantom, f.name), f.bytes);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The report without what differs from run to run (timings, memory). */
function stable(json: string): Omit<AnalyzeReport, 'timingsMs' | 'peakRssMb'> {
  const { timingsMs: _t, peakRssMb: _p, ...rest } = JSON.parse(json) as AnalyzeReport;
  return rest;
}

describe('the built command line (dist-cli)', () => {
  it('gives the same analyze JSON and batch results as the TypeScript sources', async () => {
    const bundle = (await import(pathToFileURL(path.join(repoRoot, 'src/cli/launch/cliBundle.mjs')).href)) as BundleModule;
    const main = bundle.freshBundle() ?? (await bundle.buildCli());
    expect(main.startsWith(path.join(repoRoot, 'dist-cli'))).toBe(true);
    const built = spawnSync(process.execPath, [main, 'analyze', phantom, '--json'], { encoding: 'utf8', timeout: 60_000 });
    const sources = runCli(['analyze', phantom, '--json'], { timeoutMs: 60_000 });
    expect(built.status, built.stderr).toBe(0);
    expect(sources.status, sources.stderr).toBe(0);
    expect(stable(built.stdout)).toEqual(stable(sources.stdout));

    // batch starts its workers from the bundle's own batchWorker.js
    const outBuilt = path.join(root, 'batch-built');
    const outSources = path.join(root, 'batch-sources');
    const b = spawnSync(process.execPath, [main, 'batch', phantom, '--out', outBuilt, '--jobs', '1'], { encoding: 'utf8', timeout: 60_000 });
    const s = runCli(['batch', phantom, '--out', outSources, '--jobs', '1'], { timeoutMs: 60_000 });
    expect(b.status, b.stderr).toBe(0);
    expect(s.status, s.stderr).toBe(0);
    expect(readFileSync(path.join(outBuilt, 'results.csv'), 'utf8')).toBe(readFileSync(path.join(outSources, 'results.csv'), 'utf8'));
  }, 120_000);

  it('npm run cli on a fresh clone builds the bundle, and never runs a bundle of older sources', () => {
    // A clone without dist-cli: the sources, the launcher, the package file; node_modules shared.
    const clone = path.join(root, 'clone');
    mkdirSync(clone);
    for (const item of ['src', 'package.json']) cpSync(path.join(repoRoot, item), path.join(clone, item), { recursive: true });
    for (const f of readdirSync(repoRoot).filter((n) => /^tsconfig.*\.json$/.test(n))) cpSync(path.join(repoRoot, f), path.join(clone, f));
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
    const npmCli = (...args: string[]) => spawnSync('npm', ['--prefix', clone, 'run', '--silent', 'cli', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

    const first = npmCli('info', 'phantom', '--json');
    expect(first.status, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as { series: unknown[] }).series).toHaveLength(1);
    const current = JSON.parse(readFileSync(path.join(clone, 'dist-cli/current.json'), 'utf8')) as { hash: string; inputs: string[] };
    expect(current.inputs).toContain('src/cli/main.ts');
    expect(existsSync(path.join(clone, 'dist-cli', current.hash, 'main.js'))).toBe(true);
    expect(existsSync(path.join(clone, 'dist-cli', current.hash, 'meshWorker.js'))).toBe(true);

    // A source edited after the build: the next run is of the edited source.
    const mainTs = path.join(clone, 'src/cli/main.ts');
    writeFileSync(mainTs, readFileSync(mainTs, 'utf8').replace('usage: npm run cli --', 'usage (edited): npm run cli --'));
    const edited = npmCli('--help');
    expect(edited.status, edited.stderr).toBe(0);
    expect(edited.stdout).toContain('usage (edited): npm run cli --');
    const after = JSON.parse(readFileSync(path.join(clone, 'dist-cli/current.json'), 'utf8')) as { hash: string };
    expect(after.hash).not.toBe(current.hash);

    // A source of the core (imported through other files) counts too.
    const memoryBudget = path.join(clone, 'src/core/volume/memoryBudget.ts');
    writeFileSync(memoryBudget, `${readFileSync(memoryBudget, 'utf8')}\n// edited\n`);
    const again = npmCli('--help');
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(readFileSync(path.join(clone, 'dist-cli/current.json'), 'utf8')) as { hash: string }).hash).not.toBe(after.hash);
  }, 120_000);
});
