/**
 * The command line as a real process (tsx src/cli/main.ts or `npm run cli`),
 * with a timeout, so tests see its exit code, its streams and whether it
 * ends at all.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

/** Environment of a spawned CLI: without the npm variables of the test run itself. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

export interface CliRun extends SpawnSyncReturns<string> {
  /** True when the process had to be killed at the timeout (it hung). */
  hung: boolean;
}

function finish(r: SpawnSyncReturns<string>): CliRun {
  // spawnSync kills the process at the timeout and reports ETIMEDOUT (tsx then exits with 143).
  return Object.assign(r, { hung: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' });
}

/** `tsx src/cli/main.ts ...args` from the repository (or `cwd`), killed after timeoutMs. */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): CliRun {
  return finish(spawnSync(tsx, [path.join(repoRoot, 'src/cli/main.ts'), ...args], {
    cwd: opts.cwd ?? repoRoot, encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, env: cleanEnv(opts.env),
  }));
}

/** `npm run cli -- ...args` started in `cwd` (npm itself changes to the package folder). */
export function runNpmCli(args: string[], cwd: string, timeoutMs = 30_000): CliRun {
  return finish(spawnSync('npm', ['--prefix', repoRoot, 'run', '--silent', 'cli', '--', ...args], {
    cwd, encoding: 'utf8', timeout: timeoutMs, env: cleanEnv(),
  }));
}

/**
 * Writes into `dst` a copy of the DICOM series in `src` with one thing
 * changed (seriesVariant.py with pydicom: a field of view cut to part of
 * the columns, one slice, missing slices, gantry tilt, uneven spacing, no positions).
 */
export function makeSeriesVariant(src: string, dst: string, kind: 'crop-right' | 'crop-centre' | 'one-slice' | 'gaps' | 'tilt' | 'uneven' | 'no-positions'): string {
  const r = spawnSync('/usr/bin/python3', [path.join(repoRoot, 'test/cli/seriesVariant.py'), src, dst, kind], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`seriesVariant.py ${kind} failed: ${r.stderr || r.error?.message}`);
  return dst;
}
