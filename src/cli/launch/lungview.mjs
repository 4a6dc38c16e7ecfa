#!/usr/bin/env -S node --no-concurrent-recompilation
/**
 * `npm run cli -- ...`: runs the command line (src/cli/main.ts) from its
 * built bundle in dist-cli/, built first when missing or when the sources
 * changed since (cliBundle.mjs: a hash of the sources' contents, so a stale
 * bundle never runs). When the bundle cannot be built, runs the TypeScript
 * sources through tsx instead (slower to start, same results).
 *
 * npm's cli script (and this file's #! line) start node with
 * --no-concurrent-recompilation: V8 then optimises a hot function on the
 * thread that runs it instead of on a helper thread while the function goes
 * on in the interpreter. A one-shot run compiles every analysis loop once,
 * and on two cores already busy with the analysis's two threads the helper
 * thread waits for a core (public/docs/performance.md has the measurement).
 */
import { pathToFileURL } from 'node:url';
import { buildCli, freshBundle } from './cliBundle.mjs';

let main = freshBundle();
if (!main) {
  try {
    main = await buildCli();
  } catch (e) {
    process.stderr.write(`warning: building the command line failed (${e instanceof Error ? e.message : String(e)}); running it through tsx\n`);
  }
}
if (main) {
  await import(pathToFileURL(main).href);
} else {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('../main.ts', import.meta.url);
}
