/**
 * Browser benchmark: `npm run bench:browser [-- --only NAME] [-- --runs N]
 * [-- --json-out PATH] [-- --steps N] [-- --mesh-maxtri N]`.
 *
 * Serves the built app (dist/) with `vite preview`, and for each real series
 * (../shared/data/ct) drops the series folder on a fresh page N times
 * (default 3) through Chromium's own drag-and-drop, then reports medians of:
 * - drop → first slice drawn (page marks lungview:load-start / first-slice);
 * - drop → lung masks ready (mark lungview:lung-masks-ready, set when the
 *   segment stage's masks are in the cache);
 * - drop → analysis done (analysis-status data-phase=done);
 * - drop → lung mesh drawn in the 3D view (the 3D tab is opened as soon as
 *   the first slice is on screen; time when the scene first has triangles);
 * - slice scrub with every overlay on: per step, the canvas redraw time
 *   (data-draw-ms) and the latency key press → redrawn slice, median and
 *   95th percentile;
 * - 3D frame time while rotating (full meshes, and the coarse copies a drag
 *   draws), from the scene's own measureFrameMs;
 * - peak JS heap of the page (CDP Performance.getMetrics JSHeapUsedSize,
 *   sampled during the run) and peak RSS of the renderer process, which
 *   holds the page and its workers (from /proc, where available).
 * Prints a markdown table; --json-out writes every run as JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { haveRealData, REAL_SERIES, seriesDir, type RealSeries } from '../helpers/sharedData';
import { dropPaths, launchBrowser, openApp, startPreview, waitForFirstSlice, type PreviewServer } from '../e2e/harness';
import type { FrameTiming } from '../../src/viewer3d/lungScene';
// Declares window.__lungview3d for the code run in the page.
import type { View3dTestHook } from '../../src/viewer3d/testHook';

interface Args {
  only: RealSeries[];
  runs: number;
  steps: number;
  meshMaxTri: number | null;
  jsonOut: string | null;
}

interface BrowserRun {
  series: RealSeries;
  run: number;
  firstSliceMs: number;
  lungMasksMs: number;
  segmentRowDoneMs: number | null;
  analysisDoneMs: number;
  meshesReadyMs: number | null;
  lungMeshDrawnMs: number | null;
  scrub: { steps: number; overlays: string; drawMs: number[]; latencyMs: number[] };
  frame3dFull: FrameTiming | null;
  frame3dInteractive: FrameTiming | null;
  peakJsHeapBytes: number;
  peakRendererRssBytes: number | null;
  pageErrors: string[];
}

const LOAD_TIMEOUT_MS = 180_000;
const ANALYSIS_TIMEOUT_MS = 600_000;
const MESH_TIMEOUT_MS = 60_000;

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [...REAL_SERIES], runs: 3, steps: 60, meshMaxTri: null, jsonOut: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--only') {
      const names = next().split(',');
      for (const n of names) if (!(REAL_SERIES as readonly string[]).includes(n)) throw new Error(`unknown series ${n}; one of ${REAL_SERIES.join(', ')}`);
      args.only = names as RealSeries[];
    } else if (a === '--runs') args.runs = Math.max(1, Number.parseInt(next(), 10));
    else if (a === '--steps') args.steps = Math.max(2, Number.parseInt(next(), 10));
    else if (a === '--mesh-maxtri') args.meshMaxTri = Number.parseInt(next(), 10);
    else if (a === '--json-out') args.jsonOut = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function quantile(values: readonly number[], q: number): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const pos = (v.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

const median = (values: readonly number[]) => quantile(values, 0.5);

/** Installs, before the drop, a poller in the page that records when the UI reaches each state (performance.now()). */
async function installStatePoller(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __bench: Record<string, number> };
    w.__bench = {};
    const seen = w.__bench;
    const timer = setInterval(() => {
      const t = performance.now();
      if (seen.segmentDone === undefined && document.querySelector('[data-testid=analysis-stage-segment][data-state=done]')) seen.segmentDone = t;
      if (seen.analysisDone === undefined && document.querySelector('[data-testid=analysis-status][data-phase=done]')) seen.analysisDone = t;
      if (seen.meshDrawn === undefined) {
        const hook: View3dTestHook | undefined = window.__lungview3d;
        if ((hook?.views.view3d?.info().triangles ?? 0) > 0) seen.meshDrawn = t;
      }
      if (seen.analysisDone !== undefined && seen.meshDrawn !== undefined) clearInterval(timer);
    }, 5);
  });
}

/** Poller state and page marks, as ms since the load's start mark. */
async function readTimes(page: Page): Promise<Record<string, number | null>> {
  return page.evaluate(() => {
    const start = performance.getEntriesByName('lungview:load-start').at(-1)!.startTime;
    const mark = (n: string) => {
      const e = performance.getEntriesByName(n).at(-1);
      return e ? e.startTime - start : null;
    };
    const seen = (window as unknown as { __bench: Record<string, number | undefined> }).__bench;
    const since = (t: number | undefined) => (t === undefined ? null : t - start);
    return {
      firstSlice: mark('lungview:first-slice'),
      lungMasks: mark('lungview:lung-masks-ready'),
      meshesReady: mark('lungview:meshes-ready'),
      segmentDone: since(seen.segmentDone),
      analysisDone: since(seen.analysisDone),
      meshDrawn: since(seen.meshDrawn),
    };
  });
}

/**
 * Scrubs the axial slice `steps` times (half up, half down) with arrow keys
 * dispatched in the page; per step: the canvas's own redraw time and the
 * time from the key press to the redrawn slice (measured in the animation
 * frame that draws it).
 */
async function scrub(page: Page, steps: number): Promise<{ drawMs: number[]; latencyMs: number[] }> {
  return page.evaluate(async (n) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=slice-canvas]');
    if (!canvas) throw new Error('no slice canvas');
    const frame = () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
    const drawMs: number[] = [];
    const latencyMs: number[] = [];
    await frame();
    await frame();
    for (let k = 0; k < n; k++) {
      const key = k < n / 2 ? 'ArrowUp' : 'ArrowDown';
      const before = canvas.dataset.drawnSlice;
      const t0 = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
      let t1 = await frame();
      for (let tries = 0; canvas.dataset.drawnSlice === before && tries < 30; tries++) t1 = await frame();
      if (canvas.dataset.drawnSlice === before) continue; // at the end of the stack: no redraw
      latencyMs.push(t1 - t0);
      drawMs.push(Number(canvas.dataset.drawMs));
      await frame();
    }
    return { drawMs, latencyMs };
  }, steps);
}

/** Renderer process ids from the browser (CDP SystemInfo), or [] when not available. */
async function rendererPids(browserCdp: CDPSession | null): Promise<number[]> {
  if (!browserCdp) return [];
  try {
    const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    return info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  } catch {
    return [];
  }
}

function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples the page's JS heap (and the renderer processes' RSS) until stopped. */
function startMemorySampler(cdp: CDPSession, browserCdp: CDPSession | null, intervalMs = 200) {
  let peakHeap = 0;
  let peakRss: number | null = null;
  let busy = false;
  let stopped = false;
  const sample = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
      peakHeap = Math.max(peakHeap, heap);
      let rss = 0;
      let any = false;
      for (const pid of await rendererPids(browserCdp)) {
        const r = rssBytes(pid);
        if (r !== null) {
          rss = Math.max(rss, r);
          any = true;
        }
      }
      if (any) peakRss = Math.max(peakRss ?? 0, rss);
    } catch {
      // page closing: keep what was sampled
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sample(), intervalMs);
  return {
    async stop(): Promise<{ peakHeap: number; peakRss: number | null }> {
      await sample();
      stopped = true;
      clearInterval(timer);
      return { peakHeap, peakRss };
    },
  };
}

async function runOnce(browser: Browser, url: string, series: RealSeries, run: number, args: Args): Promise<BrowserRun> {
  const app = await openApp(browser, url, { width: 1400, height: 900 });
  const { page } = app;
  let browserCdp: CDPSession | null = null;
  try {
    // tsx names the helper functions in the page callbacks with __name (esbuild keepNames): give the page one.
    await page.evaluate('globalThis.__name ??= (f) => f');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    try {
      browserCdp = await browser.newBrowserCDPSession();
    } catch {
      browserCdp = null;
    }
    const sampler = startMemorySampler(cdp, browserCdp);
    let memory: { peakHeap: number; peakRss: number | null } = { peakHeap: 0, peakRss: null };
    try {
      if (args.meshMaxTri !== null) {
        await page.locator('.param-more summary').click();
        await page.getByTestId('analysis-mesh-maxtri').fill(String(args.meshMaxTri));
      }
      await installStatePoller(page);
      await dropPaths(page, 'drop-zone', [seriesDir(series)]);
      await waitForFirstSlice(page, LOAD_TIMEOUT_MS);
      // The 3D tab is open while the analysis runs: the lung surface shows as soon as it is meshed.
      await page.getByTestId('tab-3d').click();
      await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: ANALYSIS_TIMEOUT_MS });
      let frame3dFull: FrameTiming | null = null;
      let frame3dInteractive: FrameTiming | null = null;
      const meshShown = await page
        .waitForFunction(() => (window.__lungview3d?.views.view3d?.info().triangles ?? 0) > 0, undefined, { timeout: MESH_TIMEOUT_MS })
        .then(() => true)
        .catch(() => false);
      if (meshShown) {
        frame3dFull = await page.evaluate(() => window.__lungview3d!.views.view3d.measureFrameMs(20, false));
        frame3dInteractive = await page.evaluate(() => window.__lungview3d!.views.view3d.measureFrameMs(20, true));
      }
      const times = await readTimes(page);

      // Scrub the axial slice with every overlay on.
      await page.getByTestId('tab-axial').click();
      await page.getByTestId('slice-canvas').waitFor();
      const toggles = page.locator('[data-testid^=overlay-toggle-]');
      for (let k = 0, n = await toggles.count(); k < n; k++) {
        const t = toggles.nth(k);
        if ((await t.isEnabled()) && !(await t.isChecked())) await t.check();
      }
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const overlays = (await page.getByTestId('slice-canvas').getAttribute('data-overlays')) ?? '';
      const sc = await scrub(page, args.steps);
      memory = await sampler.stop();

      const need = (v: number | null, what: string) => {
        if (v === null) throw new Error(`${series}: no ${what} time`);
        return v;
      };
      return {
        series,
        run,
        firstSliceMs: need(times.firstSlice, 'first slice'),
        lungMasksMs: need(times.lungMasks, 'lung masks'),
        segmentRowDoneMs: times.segmentDone,
        analysisDoneMs: need(times.analysisDone, 'analysis done'),
        meshesReadyMs: times.meshesReady,
        lungMeshDrawnMs: times.meshDrawn,
        scrub: { steps: args.steps, overlays, ...sc },
        frame3dFull,
        frame3dInteractive,
        peakJsHeapBytes: memory.peakHeap,
        peakRendererRssBytes: memory.peakRss,
        pageErrors: app.pageErrors,
      };
    } finally {
      await sampler.stop();
    }
  } finally {
    await browserCdp?.detach().catch(() => undefined);
    await app.context.close().catch(() => undefined);
  }
}

const fmtMs = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '–');
const fmtMs1 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');
const fmtMb = (v: number) => (Number.isFinite(v) ? `${(v / 2 ** 20).toFixed(0)} MB` : '–');

interface SeriesSummary {
  series: RealSeries;
  runs: number;
  firstSliceMs: number;
  lungMasksMs: number;
  analysisDoneMs: number;
  lungMeshDrawnMs: number;
  scrubDrawMedianMs: number;
  scrubDrawP95Ms: number;
  scrubLatencyMedianMs: number;
  scrubLatencyP95Ms: number;
  frame3dFullMs: number;
  frame3dFullTriangles: number;
  frame3dInteractiveMs: number;
  frame3dInteractiveTriangles: number;
  peakJsHeapBytes: number;
  peakRendererRssBytes: number;
}

function summarise(series: RealSeries, runs: BrowserRun[]): SeriesSummary {
  const pick = (f: (r: BrowserRun) => number | null | undefined) => runs.map((r) => f(r) ?? Number.NaN);
  // Scrub percentiles over every step of every run.
  const draw = runs.flatMap((r) => r.scrub.drawMs);
  const latency = runs.flatMap((r) => r.scrub.latencyMs);
  return {
    series,
    runs: runs.length,
    firstSliceMs: median(pick((r) => r.firstSliceMs)),
    lungMasksMs: median(pick((r) => r.lungMasksMs)),
    analysisDoneMs: median(pick((r) => r.analysisDoneMs)),
    lungMeshDrawnMs: median(pick((r) => r.lungMeshDrawnMs)),
    scrubDrawMedianMs: median(draw),
    scrubDrawP95Ms: quantile(draw, 0.95),
    scrubLatencyMedianMs: median(latency),
    scrubLatencyP95Ms: quantile(latency, 0.95),
    frame3dFullMs: median(pick((r) => r.frame3dFull?.meanMs)),
    frame3dFullTriangles: median(pick((r) => r.frame3dFull?.triangles)),
    frame3dInteractiveMs: median(pick((r) => r.frame3dInteractive?.meanMs)),
    frame3dInteractiveTriangles: median(pick((r) => r.frame3dInteractive?.triangles)),
    peakJsHeapBytes: Math.max(...pick((r) => r.peakJsHeapBytes)),
    peakRendererRssBytes: Math.max(...pick((r) => r.peakRendererRssBytes)),
  };
}

function table(rows: SeriesSummary[]): string {
  const head = [
    'series',
    'runs',
    'drop → first slice',
    'drop → lung masks',
    'drop → analysis done',
    'drop → lung mesh in 3D',
    'scrub redraw median / p95',
    'scrub key → drawn median / p95',
    '3D frame full (tris)',
    '3D frame drag (tris)',
    'peak page JS heap',
    'peak renderer RSS',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const tri = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(0)}k` : '–');
    lines.push(
      `| ${[
        r.series,
        String(r.runs),
        fmtMs(r.firstSliceMs),
        fmtMs(r.lungMasksMs),
        fmtMs(r.analysisDoneMs),
        fmtMs(r.lungMeshDrawnMs),
        `${fmtMs1(r.scrubDrawMedianMs)} / ${fmtMs1(r.scrubDrawP95Ms)}`,
        `${fmtMs1(r.scrubLatencyMedianMs)} / ${fmtMs1(r.scrubLatencyP95Ms)}`,
        `${fmtMs1(r.frame3dFullMs)} (${tri(r.frame3dFullTriangles)})`,
        `${fmtMs1(r.frame3dInteractiveMs)} (${tri(r.frame3dInteractiveTriangles)})`,
        fmtMb(r.peakJsHeapBytes),
        fmtMb(r.peakRendererRssBytes),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!haveRealData) throw new Error('real data not found (../shared/data/ct); set LUNGVIEW_DATA');
  let server: PreviewServer | null = null;
  let browser: Browser | null = null;
  const all: BrowserRun[] = [];
  const summaries: SeriesSummary[] = [];
  try {
    server = await startPreview();
    browser = await launchBrowser();
    for (const series of args.only) {
      const runs: BrowserRun[] = [];
      for (let run = 1; run <= args.runs; run++) {
        const r = await runOnce(browser, server.url, series, run, args);
        runs.push(r);
        all.push(r);
        console.error(
          `${series} run ${run}: first slice ${fmtMs(r.firstSliceMs)}, lung masks ${fmtMs(r.lungMasksMs)}, ` +
            `analysis done ${fmtMs(r.analysisDoneMs)}, lung mesh in 3D ${fmtMs(r.lungMeshDrawnMs ?? Number.NaN)}, ` +
            `scrub redraw median ${fmtMs1(median(r.scrub.drawMs))} (${r.scrub.drawMs.length} steps, overlays ${r.scrub.overlays || 'none'}), ` +
            `3D ${fmtMs1(r.frame3dFull?.meanMs ?? Number.NaN)} / drag ${fmtMs1(r.frame3dInteractive?.meanMs ?? Number.NaN)}, ` +
            `heap ${fmtMb(r.peakJsHeapBytes)}, renderer RSS ${fmtMb(r.peakRendererRssBytes ?? Number.NaN)}` +
            (r.pageErrors.length ? `; page errors: ${r.pageErrors.join(' | ')}` : ''),
        );
      }
      summaries.push(summarise(series, runs));
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  console.log(table(summaries));
  console.log(
    '\nTimes from the drop (page mark lungview:load-start). Scrub: per arrow-key step with every overlay on, the canvas redraw ' +
      '(data-draw-ms) and key press → redrawn slice (next animation frame). 3D: mean frame while orbiting (measureFrameMs, ' +
      'SwiftShader in headless Chromium); drag = the coarse meshes drawn while dragging. Heap: the page\'s JS heap ' +
      '(CDP Performance.getMetrics; typed-array buffers are outside it); workers\' heaps are not in it, the renderer RSS ' +
      '(page + workers + buffers + GPU emulation) covers them.',
  );
  if (args.jsonOut) {
    writeFileSync(args.jsonOut, JSON.stringify({ args, summaries, runs: all }, null, 2));
    console.log(`JSON written to ${args.jsonOut}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
