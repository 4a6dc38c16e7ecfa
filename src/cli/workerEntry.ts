/**
 * How the command line starts its worker threads (the mesh worker of
 * analysisThread.ts, the batch workers of batch.ts), whichever way the
 * command line itself runs:
 * - from the built bundle (dist-cli/, what `npm run cli` runs; see
 *   src/cli/launch/cliBundle.mjs): each worker is a bundle of its own next to this
 *   code, started from its file: no TypeScript to load, nothing transpiled;
 * - from the TypeScript sources (tsx, tests): Node 20 cannot load
 *   TypeScript by itself, so the worker evaluates a line that loads the
 *   worker's module through tsx's import API (transpiled at start-up).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The command line's worker modules (src/cli/<name>.ts, dist-cli/<hash>/<name>.js). */
export type CliWorkerName = 'meshWorker' | 'batchWorker';

/** What `new Worker(source, { eval })` needs to start a worker. */
export interface WorkerEntry {
  source: string | URL;
  eval: boolean;
}

/**
 * The source of a worker (for `new Worker(source, { eval: true })`) that
 * loads the TypeScript module `entry` (a file URL) through tsx, or null when
 * tsx cannot be found.
 */
export function tsWorkerSource(entry: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkgFile = require.resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, unknown> };
    const api = (pkg.exports?.['./esm/api'] as { import?: { default?: string } } | undefined)?.import?.default;
    if (!api) return null;
    const apiUrl = new URL(api, pathToFileURL(pkgFile)).href;
    return `import(${JSON.stringify(apiUrl)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}));`;
  } catch {
    return null;
  }
}

/**
 * How to start worker `name` from code at `moduleUrl` (this module's URL:
 * a .js file in the bundle, a .ts file in the sources); null when it cannot
 * be started (sources without tsx): the caller then runs the work itself.
 */
export function workerEntry(name: CliWorkerName, moduleUrl: string = import.meta.url): WorkerEntry | null {
  if (new URL(moduleUrl).pathname.endsWith('.js')) return { source: new URL(`./${name}.js`, moduleUrl), eval: false };
  const source = tsWorkerSource(new URL(`./${name}.ts`, moduleUrl).href);
  return source ? { source, eval: true } : null;
}
