/**
 * The command line's built bundle: src/cli/main.ts and its worker threads
 * (meshWorker.ts, batchWorker.ts) bundled by esbuild into plain ES modules
 * in dist-cli/<source hash>/, so that `npm run cli` starts without
 * transpiling TypeScript (tsx costs about 0.4 s per process and again per
 * worker thread). The packages in node_modules stay outside the bundle
 * (imported from node_modules as they are: the codecs find their .wasm
 * files next to their scripts).
 *
 * Freshness is by content, not by time: dist-cli/current.json lists the
 * files the last build read (esbuild's metafile) and the SHA-256 of their
 * contents and of this file; a bundle is used only when the files hash to
 * the same value now (freshBundle). A changed, added-and-imported or
 * removed source file therefore never runs from a stale bundle. Builds are
 * safe to race: each builds into a folder of its own and renames it into
 * place; folders of older builds are pruned (the newest KEEP stay, for
 * processes still starting workers from them).
 *
 * `npm run build:cli` (node src/cli/launch/cliBundle.mjs) builds and prints the path;
 * src/cli/launch/lungview.mjs (what `npm run cli` runs) builds on first use.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
export const ROOT = path.resolve(path.dirname(SELF), '../../..');
export const OUT_DIR = path.join(ROOT, 'dist-cli');
const CURRENT = path.join(OUT_DIR, 'current.json');
const ENTRIES = ['src/cli/main.ts', 'src/cli/meshWorker.ts', 'src/cli/batchWorker.ts'];
/** Build folders kept (the newest ones). */
const KEEP = 3;

/**
 * SHA-256 (hex, 16 characters) of the contents of `inputs` (paths relative
 * to the repository) and of this file. Throws when an input is gone.
 */
export function sourceHash(inputs) {
  const h = createHash('sha256');
  for (const rel of [...inputs].sort()) {
    h.update(`${rel}\0`);
    h.update(readFileSync(path.join(ROOT, rel)));
    h.update('\0');
  }
  h.update(readFileSync(SELF));
  return h.digest('hex').slice(0, 16);
}

/** The built main.js when dist-cli holds a bundle of the sources as they are now, else null. */
export function freshBundle() {
  let current;
  try {
    current = JSON.parse(readFileSync(CURRENT, 'utf8'));
    if (sourceHash(current.inputs) !== current.hash) return null;
  } catch {
    return null; // no build yet, or an input is gone
  }
  const main = path.join(OUT_DIR, current.hash, 'main.js');
  return existsSync(main) ? main : null;
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

function prune(keep) {
  const dirs = readdirSync(OUT_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[0-9a-f]{16}$/.test(d.name) && d.name !== keep)
    .map((d) => ({ dir: path.join(OUT_DIR, d.name), mtime: statSync(path.join(OUT_DIR, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const d of dirs.slice(KEEP - 1)) rmSync(d.dir, { recursive: true, force: true });
}

/** Builds the bundle (whatever is there) and returns its main.js. */
export async function buildCli() {
  const { build } = await import('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const startedMs = Date.now();
    const tmp = path.join(OUT_DIR, `.build-${process.pid}-${startedMs}`);
    try {
      const r = await build({
        absWorkingDir: ROOT,
        entryPoints: ENTRIES,
        outdir: tmp,
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // The codecs stay in node_modules (they find their .wasm files next to their scripts); dicom-parser and fflate
        // are bundled: imported from node_modules, node would first scan dicom-parser's CommonJS for its exports.
        external: ['@cornerstonejs/*', 'jpeg-lossless-decoder-js'],
        // dicom-parser's CommonJS asks for Node's zlib with require(), which an ES module gets from createRequire.
        banner: { js: "import { createRequire as lungviewCreateRequire } from 'node:module'; const require = lungviewCreateRequire(import.meta.url);" },
        metafile: true,
        logLevel: 'error',
      });
      const inputs = Object.keys(r.metafile.inputs);
      // A file saved while esbuild read it: the bundle may hold the old text under the new hash; build again.
      const edited = inputs.some((rel) => statSync(path.join(ROOT, rel)).mtimeMs >= startedMs);
      if (edited && attempt < 2) continue;
      const hash = sourceHash(inputs);
      const dir = path.join(OUT_DIR, hash);
      if (!existsSync(dir)) {
        try {
          renameSync(tmp, dir);
        } catch (e) {
          if (!existsSync(dir)) throw e; // else another process built the same sources first
        }
      }
      writeAtomic(CURRENT, `${JSON.stringify({ hash, inputs }, null, 1)}\n`);
      prune(hash);
      return path.join(dir, 'main.js');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  buildCli().then(
    (main) => process.stdout.write(`${path.relative(process.cwd(), main)}\n`),
    (e) => {
      process.stderr.write(`building the command line failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
