/**
 * The 3D test hook (window.__lungview3d) is built only into `--mode e2e`
 * builds: the production bundle must not contain it, the e2e bundle must
 * (else the browser tests that read it could not run). Builds the whole app
 * twice with the project's vite.config.ts into temporary folders (a few
 * seconds each) and searches the JavaScript it emits.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOOK = '__lungview3d';
const temps: string[] = [];

afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** Builds the app in `mode`; returns the names of the emitted .js files that contain `text`. */
async function jsFilesContaining(mode: string, text: string): Promise<{ all: number; hits: string[] }> {
  const outDir = await mkdtemp(path.join(tmpdir(), `lungview-${mode}-`));
  temps.push(outDir);
  await build({
    root: repoRoot,
    configFile: path.join(repoRoot, 'vite.config.ts'),
    mode,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  const files = (await readdir(outDir, { recursive: true })).filter((f) => f.endsWith('.js'));
  const hits: string[] = [];
  for (const f of files) if ((await readFile(path.join(outDir, f), 'utf8')).includes(text)) hits.push(f);
  return { all: files.length, hits };
}

describe('3D test hook', () => {
  it('is absent from the production bundle', async () => {
    const { all, hits } = await jsFilesContaining('production', HOOK);
    expect(all).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });

  it('is present in the e2e bundle', async () => {
    const { hits } = await jsFilesContaining('e2e', HOOK);
    expect(hits.length).toBe(1);
  });
});
