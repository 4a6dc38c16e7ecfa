#!/usr/bin/env node
/**
 * `npm run cli -- ...`: runs the command line (src/cli/main.ts) from its
 * built bundle in dist-cli/, built first when missing or when the sources
 * changed since (cliBundle.mjs: a hash of the sources' contents, so a stale
 * bundle never runs). When the bundle cannot be built, runs the TypeScript
 * sources through tsx instead (slower to start, same results).
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
