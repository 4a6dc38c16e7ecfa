/**
 * Side-by-side benchmark against a peer viewer: `npm run bench:peers [-- options]`.
 *
 *   --only LIST      real series (names or prefixes, comma separated). Default: all three.
 *   --runs N         runs per series and viewer (default 3), alternating viewers.
 *   --json-out PATH  every run as JSON.
 *
 * The peer is NiiVue with its dcm2niix WebAssembly loader (@niivue/niivue,
 * @niivue/dcm2niix at the versions below), the way its own DICOM demo reads
 * a dropped folder: NiiVue's own drop handler gives the folder's files to
 * its DICOM loader, dcm2niix in a worker, and loads the NIfTI it writes. Neither is a dependency of lungview: they
 * are installed at run time into LUNGVIEW_PEERS_DIR (default
 * node_modules/.cache/lungview-peers) with npm, with a small page written
 * there and built by Vite. Both apps are served by `vite preview` on
 * loopback and get the same input, a real folder drop through Chromium's own
 * drag-and-drop (CDP Input.dispatchDragEvent), in a fresh browser context.
 * Measured from outside the page, per run: drop → the loaded volume (lungview:
 * its load line says done, every slice read and in the volume; NiiVue: its
 * volume is added to the scene and drawn), and peak memory (renderer + GPU process RSS,
 * sampled; both apps decode in workers of the renderer, NiiVue's wasm heap
 * included). The volume's dimensions are printed for both, as a check that
 * the same volume was read. Prints medians and the ratio.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, preview, type PreviewServer as VitePreview } from 'vite';
import { haveRealData, REAL_SERIES, seriesDir, type RealSeries } from '../helpers/sharedData';
import { dropPaths, launchBrowser, openApp, repoRoot, startPreview, type PreviewServer } from '../e2e/harness';
import { MemorySampler } from './cdpMemory';

const PEERS = { '@niivue/niivue': '0.69.0', '@niivue/dcm2niix': '1.2.0' };
const LOAD_TIMEOUT_MS = 120_000;

interface Args {
  only: RealSeries[];
  runs: number;
  jsonOut: string | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { only: [...REAL_SERIES], runs: 3, jsonOut: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--only') {
      const wanted = v().split(',');
      a.only = REAL_SERIES.filter((s) => wanted.some((p) => s.startsWith(p)));
    }
    else if (k === '--runs') a.runs = Math.max(1, Number(v()));
    else if (k === '--json-out') a.jsonOut = v();
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

/** The peer page: a drop zone over the whole window, dcm2niix in its worker, NiiVue on a canvas. */
const PEER_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>NiiVue + dcm2niix</title>
<style>html,body{margin:0;height:100%;background:#000;color:#ccc;font:14px sans-serif}#drop{position:fixed;inset:0}canvas{width:100%;height:100%}</style>
</head><body><div id="drop"><canvas id="gl" data-testid="drop-zone"></canvas></div><script type="module" src="./main.js"></script></body></html>
`;

const PEER_MAIN = `import { Niivue } from '@niivue/niivue';
import { Dcm2niix } from '@niivue/dcm2niix';

const nv = new Niivue({ show3Dcrosshair: false });
await nv.attachTo('gl');
const dcm2niix = new Dcm2niix();
await dcm2niix.init();
// NiiVue's own folder drop hands the files to its DICOM loader: dcm2niix, as in NiiVue's demo.
nv.useDicomLoader({
  loader: async (files) => {
    const out = await dcm2niix.input(files).run();
    const nii = out.filter((f) => /\\.nii(\\.gz)?$/.test(f.name));
    if (!nii.length) document.body.dataset.error = 'dcm2niix wrote no NIfTI';
    return Promise.all(nii.map(async (f) => ({ name: f.name, data: await f.arrayBuffer() })));
  },
});
// What NiiVue's DICOM demo does with the converted images: add them to the scene.
nv.onDicomLoaderFinishedWithImages = (images) => {
  for (const v of images) nv.addVolume(v);
  nv.drawScene();
  document.body.dataset.dims = images[0].hdr.dims.slice(1, 4).join('x');
  document.body.dataset.loaded = '1';
};
document.body.dataset.ready = '1';
`;

/** Installs the peer viewer into its own folder (once) and builds its page; returns the folder. */
async function preparePeer(): Promise<string> {
  const dir = path.resolve(process.env.LUNGVIEW_PEERS_DIR ?? path.join(repoRoot, 'node_modules/.cache/lungview-peers'));
  mkdirSync(dir, { recursive: true });
  const pkg = { name: 'lungview-peer-viewers', private: true, type: 'module', dependencies: PEERS };
  const pkgPath = path.join(dir, 'package.json');
  const want = JSON.stringify(pkg, null, 2);
  const installed = existsSync(pkgPath) && readFileSync(pkgPath, 'utf8') === want && existsSync(path.join(dir, 'node_modules/@niivue/niivue'));
  if (!installed) {
    writeFileSync(pkgPath, want);
    console.log(`installing ${Object.entries(PEERS).map(([n, v]) => `${n}@${v}`).join(', ')} into ${dir}`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  }
  writeFileSync(path.join(dir, 'index.html'), PEER_HTML);
  writeFileSync(path.join(dir, 'main.js'), PEER_MAIN);
  await build({ root: dir, configFile: false, logLevel: 'warn', build: { outDir: 'dist', target: 'es2022', emptyOutDir: true, chunkSizeWarningLimit: 8192 }, worker: { format: 'es' } });
  return dir;
}

interface Run {
  viewer: 'lungview' | 'niivue';
  series: string;
  loadedMs: number;
  dims: string;
  peakRendererPlusGpuRss: number | null;
  baselineRendererRss: number | null;
}

async function oneRun(browser: Browser, viewer: Run['viewer'], url: string, series: RealSeries): Promise<Run> {
  const app = await openApp(browser, url, { width: 1280, height: 720 });
  const page: Page = app.page;
  try {
    if (viewer === 'niivue') await page.locator('body[data-ready="1"]').waitFor({ timeout: 60_000 });
    const cdp = await page.context().newCDPSession(page);
    const browserCdp = await browser.newBrowserCDPSession().catch(() => null);
    const sampler = await MemorySampler.start(cdp, browserCdp, 100);
    const t0 = performance.now();
    await dropPaths(page, 'drop-zone', [seriesDir(series)]);
    let dims = '';
    if (viewer === 'lungview') {
      await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: LOAD_TIMEOUT_MS });
    } else {
      await page.locator('body[data-loaded="1"], body[data-error]').waitFor({ timeout: LOAD_TIMEOUT_MS });
    }
    const loadedMs = performance.now() - t0;
    if (viewer === 'niivue') {
      const err = await page.locator('body').getAttribute('data-error');
      if (err) throw new Error(`NiiVue: ${err}`);
      dims = (await page.locator('body').getAttribute('data-dims')) ?? '';
    } else {
      const text = await page.getByTestId('meta-dims').textContent({ timeout: 5_000 }).catch(() => null);
      dims = (text ?? '').match(/\d+/g)?.join('x') ?? '';
    }
    // Memory settles a moment after the volume shows (its first draw).
    await page.waitForTimeout(500);
    const mem = await sampler.stop();
    return { viewer, series, loadedMs, dims, peakRendererPlusGpuRss: mem.peakRendererPlusGpuRss, baselineRendererRss: mem.baseline.rendererRss };
  } finally {
    await app.context.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!haveRealData) throw new Error('the real series are needed (../shared/data/ct)');
  const peerDir = await preparePeer();
  let lungview: PreviewServer | null = null;
  let peer: VitePreview | null = null;
  let browser: Browser | null = null;
  const runs: Run[] = [];
  try {
    lungview = await startPreview();
    peer = await preview({ root: peerDir, configFile: false, logLevel: 'warn', preview: { port: 0, host: '127.0.0.1' }, build: { outDir: 'dist' } });
    const peerUrl = peer.resolvedUrls?.local[0];
    if (!peerUrl) throw new Error('the peer page is not served');
    browser = await launchBrowser();
    for (const series of args.only) {
      for (let r = 0; r < args.runs; r++) {
        // Alternating which viewer goes first, so neither always meets a warmer disk cache.
        const order: Run['viewer'][] = r % 2 ? ['niivue', 'lungview'] : ['lungview', 'niivue'];
        for (const viewer of order) {
          const run = await oneRun(browser, viewer, viewer === 'lungview' ? lungview.url : peerUrl, series);
          runs.push(run);
          console.log(`${series} ${viewer.padEnd(8)} run ${r + 1}: loaded ${run.loadedMs.toFixed(0)} ms, peak renderer+GPU ${mib(run.peakRendererPlusGpuRss)} (${run.dims})`);
        }
      }
    }
  } finally {
    await browser?.close();
    await lungview?.stop();
    await new Promise<void>((resolve) => (peer ? peer.httpServer.close(() => resolve()) : resolve()));
  }
  console.log('\n| series | lungview loaded (median) | NiiVue + dcm2niix loaded (median) | ratio | lungview peak RSS | NiiVue peak RSS | memory ratio |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const series of args.only) {
    const of = (v: Run['viewer']) => runs.filter((x) => x.series === series && x.viewer === v);
    const l = of('lungview');
    const n = of('niivue');
    const lt = median(l.map((x) => x.loadedMs));
    const nt = median(n.map((x) => x.loadedMs));
    const lm = median(l.map((x) => x.peakRendererPlusGpuRss ?? NaN));
    const nm = median(n.map((x) => x.peakRendererPlusGpuRss ?? NaN));
    console.log(`| ${series} | ${(lt / 1000).toFixed(2)} s | ${(nt / 1000).toFixed(2)} s | ${(nt / lt).toFixed(1)}× | ${mib(lm)} | ${mib(nm)} | ${(nm / lm).toFixed(1)}× |`);
  }
  if (args.jsonOut) writeFileSync(args.jsonOut, JSON.stringify(runs, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
