/**
 * Browser benchmark: `npm run bench:browser [-- options]`.
 *
 *   --only LIST       real series to run (names or prefixes, comma separated;
 *                     `none` for no real series). Default: all three.
 *   --runs N          runs per real series (default 3).
 *   --scale LIST      synthetic series of 512×512×N to run, e.g. 600,1000
 *                     (the default); --no-scale for none.
 *   --scale-runs N    runs per synthetic series (default 1).
 *   --no-floors       skip the floor measurements.
 *   --steps N         scrub steps (default 60).
 *   --mesh-maxtri N   the drawn meshes' triangle limit (default: the app's).
 *   --sample-ms N     memory sampling interval (default 100).
 *   --json-out PATH   every run (with its memory samples) as JSON.
 *   --outside LIST    observers from outside the page: poll (screenshots
 *                     polled back to back), screencast, or both (the
 *                     default: side by side, in the same runs); none for none.
 *
 * Serves the built app with `vite preview` (dist/, or LUNGVIEW_DIST), and for
 * each series drops its folder on a fresh page through Chromium's own
 * drag-and-drop; the synthetic series (src/core/io/phantom.ts, 350 mm stack,
 * see phantomFolder.ts) are written as DICOM files into a temporary folder
 * first and deleted afterwards. Per run:
 * - drop → first slice drawn (page marks lungview:load-start / first-slice);
 * - drop → whole volume ready (mark lungview:volumes-ready: every slice read,
 *   sorted and in the volume);
 * - drop → lung masks ready (mark lungview:lung-masks-ready);
 * - drop → analysis done (analysis-status data-phase=done);
 * - drop → lung mesh drawn in the 3D view (the 3D tab is opened as soon as
 *   the first slice is on screen; time of the first frame drawing at least
 *   the lung mesh's triangles: the empty scene draws a few of its own);
 * - each analysis stage's start and end (stage rows' data-state);
 * - slice scrub with every overlay on: per step, the canvas redraw time
 *   (data-draw-ms) and the latency key press → redrawn slice;
 * - 3D frame time while rotating (full meshes, and the coarse copies a drag
 *   draws), from the scene's own measureFrameMs;
 * - memory (cdpMemory.ts): page + every worker isolate (JS heap + array
 *   buffers), renderer and GPU process RSS, sampled; peaks, and the parts of
 *   the peak.
 * - from outside the page (outside.ts): the drop's time taken here, the
 *   page's frames seen by polled screenshots and by the CDP screencast at
 *   once, drop → first slice seen and drop → lungs seen in 3D by each,
 *   beside the page's own marks above;
 * Per series, once (floors.ts): reading every file's bytes in the page
 * (main thread, and 2 workers), and one min/max pass over nx*ny*nz int16.
 * Prints the measurements with their floors and ratios, and the targets
 * table; --json-out writes every run as JSON.
 */
import { writeFileSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { haveRealData, REAL_SERIES, seriesDir } from '../helpers/sharedData';
import { dropPaths, launchBrowser, openApp, startPreview, waitForFirstSlice, type PreviewServer } from '../e2e/harness';
import type { FrameTiming } from '../../src/viewer3d/lungScene';
// Declares window.__lungview3d for the code run in the page.
import type { View3dTestHook } from '../../src/viewer3d/testHook';
import { MemorySampler, type MemoryReport } from './cdpMemory';
import { measureFloors, type Floors } from './floors';
import { writePhantomFolder, type PhantomFolder } from './phantomFolder';
import { outsideTimes, startObservers, type Observer, type ObserverKind, type OutsideTimes } from './outside';

interface Args {
  only: string[];
  runs: number;
  scale: number[];
  scaleRuns: number;
  floors: boolean;
  steps: number;
  meshMaxTri: number | null;
  sampleMs: number;
  jsonOut: string | null;
  outside: ObserverKind[];
}

/** One series to run: a real folder, or a phantom written on demand. */
interface BenchSeries {
  name: string;
  kind: 'real' | 'phantom';
  runs: number;
  /** The folder to drop (phantoms: made by prepare()). */
  dir: string | null;
  prepare?: () => PhantomFolder;
}

const STAGES = ['segment', 'internal', 'gk', 'measure', 'meshLung', 'stats', 'meshInternal', 'meshGk', 'densitometry'] as const;

interface BrowserRun {
  series: string;
  run: number;
  /** 'ok', or what went wrong (crash, analysis error, timeout). */
  outcome: string;
  dims: [number, number, number] | null;
  huBytes: number | null;
  firstSliceMs: number | null;
  volumeReadyMs: number | null;
  lungMasksMs: number | null;
  analysisDoneMs: number | null;
  meshesReadyMs: number | null;
  lungMeshDrawnMs: number | null;
  /** Per stage: [start, end] in ms since the drop (null when not seen). */
  stagesMs: Record<string, [number | null, number | null]>;
  scrub: { steps: number; overlays: string; drawMs: number[]; latencyMs: number[] };
  frame3dFull: FrameTiming | null;
  frame3dInteractive: FrameTiming | null;
  /** Sampler time (ms) of the drop, to line the memory samples up with the page times. */
  dropAtSamplerMs: number;
  /** Measured from outside the page, one entry per observer; empty when the run failed before. */
  outside: OutsideTimes[];
  memory: MemoryReport | null;
  pageErrors: string[];
}

const LOAD_TIMEOUT_MS = 300_000;
const ANALYSIS_TIMEOUT_MS = 900_000;
const MESH_TIMEOUT_MS = 60_000;

function parseArgs(argv: string[]): Args {
  const args: Args = {
    only: [...REAL_SERIES],
    runs: 3,
    scale: [600, 1000],
    scaleRuns: 1,
    floors: true,
    steps: 60,
    meshMaxTri: null,
    sampleMs: 100,
    jsonOut: null,
    outside: ['poll', 'screencast'],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string, min: number) => {
      const n = Number.parseInt(v, 10);
      if (!Number.isFinite(n) || n < min) throw new Error(`${a}: ${v} is not a whole number >= ${min}`);
      return n;
    };
    if (a === '--only') {
      const names = next().split(',').filter(Boolean);
      if (names.length === 1 && names[0] === 'none') args.only = [];
      else {
        args.only = names.map((n) => {
          const hits = REAL_SERIES.filter((s) => s === n || s.startsWith(n));
          if (hits.length !== 1) throw new Error(`--only: ${n} matches ${hits.length} series; one of ${REAL_SERIES.join(', ')}, or none`);
          return hits[0];
        });
      }
    } else if (a === '--runs') args.runs = int(next(), 1);
    else if (a === '--scale') args.scale = next().split(',').filter(Boolean).map((v) => int(v, 1));
    else if (a === '--no-scale') args.scale = [];
    else if (a === '--scale-runs') args.scaleRuns = int(next(), 1);
    else if (a === '--no-floors') args.floors = false;
    else if (a === '--steps') args.steps = int(next(), 2);
    else if (a === '--mesh-maxtri') args.meshMaxTri = int(next(), 1);
    else if (a === '--sample-ms') args.sampleMs = int(next(), 20);
    else if (a === '--json-out') args.jsonOut = next();
    else if (a === '--outside') {
      const kinds = next().split(',').filter(Boolean);
      if (kinds.some((k) => k !== 'poll' && k !== 'screencast' && k !== 'none')) throw new Error(`--outside: poll, screencast or none, not ${kinds.join(',')}`);
      args.outside = kinds.filter((k): k is ObserverKind => k !== 'none');
    }
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
const maxOf = (values: readonly number[]) => {
  const v = values.filter((x) => Number.isFinite(x));
  return v.length ? Math.max(...v) : Number.NaN;
};

/** Installs, before the drop, a poller in the page that records when the UI reaches each state (performance.now()). */
async function installStatePoller(page: Page): Promise<void> {
  await page.evaluate((stages) => {
    const w = window as unknown as { __bench: Record<string, number> };
    w.__bench = {};
    const seen = w.__bench;
    const timer = setInterval(() => {
      const t = performance.now();
      for (const s of stages) {
        const row = document.querySelector(`[data-testid=analysis-stage-${s}]`);
        const state = row?.getAttribute('data-state');
        if (seen[`${s}:start`] === undefined && (state === 'running' || state === 'done')) seen[`${s}:start`] = t;
        if (seen[`${s}:end`] === undefined && state === 'done') seen[`${s}:end`] = t;
      }
      const phase = document.querySelector('[data-testid=analysis-status]')?.getAttribute('data-phase');
      if (seen.analysisDone === undefined && phase === 'done') seen.analysisDone = t;
      if (seen.meshDrawn === undefined) {
        // The empty scene draws a few triangles too: wait for a frame holding at least the lung mesh's.
        const row = document.querySelector<HTMLElement>('[data-testid=mesh-row-lung]');
        const hook: View3dTestHook | undefined = window.__lungview3d;
        const lungTriangles = Number(row?.dataset.displayTriangles ?? Number.NaN);
        if (lungTriangles > 0 && (hook?.views.view3d?.info().triangles ?? 0) >= lungTriangles) seen.meshDrawn = t;
      }
      if ((seen.analysisDone !== undefined && seen.meshDrawn !== undefined) || phase === 'error') clearInterval(timer);
    }, 5);
  }, STAGES as unknown as string[]);
}

/** Poller state and page marks, as ms since the load's start mark. */
async function readTimes(page: Page): Promise<Record<string, number | null>> {
  return page.evaluate(() => {
    const startEntry = performance.getEntriesByName('lungview:load-start').at(-1);
    if (!startEntry) return {};
    const start = startEntry.startTime;
    const mark = (n: string) => {
      const e = performance.getEntriesByName(n).at(-1);
      return e ? e.startTime - start : null;
    };
    const seen = (window as unknown as { __bench: Record<string, number | undefined> }).__bench;
    const out: Record<string, number | null> = {
      firstSlice: mark('lungview:first-slice'),
      volumeReady: mark('lungview:volumes-ready'),
      lungMasks: mark('lungview:lung-masks-ready'),
      meshesReady: mark('lungview:meshes-ready'),
    };
    for (const [k, v] of Object.entries(seen)) out[k] = v === undefined ? null : v - start;
    return out;
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

/** Volume dimensions (x, y, z) from the series information panel ("512 × 512 × 134"). */
async function readDims(page: Page): Promise<[number, number, number] | null> {
  const text = await page
    .getByTestId('meta-dims')
    .textContent({ timeout: 5_000 })
    .catch(() => null);
  const nums = (text ?? '').match(/\d+/g)?.map(Number) ?? [];
  return nums.length === 3 ? [nums[0], nums[1], nums[2]] : null;
}

async function runOnce(browser: Browser, url: string, series: string, dir: string, run: number, args: Args): Promise<BrowserRun> {
  const app = await openApp(browser, url, { width: 1400, height: 900 });
  const { page } = app;
  let crashed = false;
  page.on('crash', () => {
    crashed = true;
  });
  let browserCdp: CDPSession | null = null;
  const result: BrowserRun = {
    series,
    run,
    outcome: 'ok',
    dims: null,
    huBytes: null,
    firstSliceMs: null,
    volumeReadyMs: null,
    lungMasksMs: null,
    analysisDoneMs: null,
    meshesReadyMs: null,
    lungMeshDrawnMs: null,
    stagesMs: {},
    scrub: { steps: args.steps, overlays: '', drawMs: [], latencyMs: [] },
    frame3dFull: null,
    frame3dInteractive: null,
    dropAtSamplerMs: 0,
    outside: [],
    memory: null,
    pageErrors: app.pageErrors,
  };
  let sampler: MemorySampler | null = null;
  let observers: Observer[] = [];
  // ms since the drop on this process's clock (the observers' clock).
  let dropAt = 0;
  const sinceDrop = () => performance.now() - dropAt;
  const nextFrames = () => Promise.all(observers.map((o) => o.nextFrame()));
  const collectTimes = async () => {
    const times = await readTimes(page).catch(() => ({}) as Record<string, number | null>);
    result.firstSliceMs = times.firstSlice ?? null;
    result.volumeReadyMs = times.volumeReady ?? null;
    result.lungMasksMs = times.lungMasks ?? null;
    result.meshesReadyMs = times.meshesReady ?? null;
    result.analysisDoneMs = times.analysisDone ?? null;
    result.lungMeshDrawnMs = times.meshDrawn ?? null;
    for (const s of STAGES) result.stagesMs[s] = [times[`${s}:start`] ?? null, times[`${s}:end`] ?? null];
  };
  try {
    // tsx names the helper functions in the page callbacks with __name (esbuild keepNames): give the page one.
    await page.evaluate('globalThis.__name ??= (f) => f');
    const cdp = await page.context().newCDPSession(page);
    try {
      browserCdp = await browser.newBrowserCDPSession();
    } catch {
      browserCdp = null;
    }
    sampler = await MemorySampler.start(cdp, browserCdp, args.sampleMs);
    if (args.meshMaxTri !== null) {
      await page.locator('.param-more summary').click();
      await page.getByTestId('analysis-mesh-maxtri').fill(String(args.meshMaxTri));
    }
    await installStatePoller(page);
    observers = await startObservers(page, args.outside);
    result.dropAtSamplerMs = sampler.elapsedMs();
    dropAt = await dropPaths(page, 'drop-zone', [dir]);
    for (const o of observers) o.markZero(dropAt);
    await waitForFirstSlice(page, LOAD_TIMEOUT_MS);
    const sliceShownAtMs = sinceDrop();
    for (const o of observers) o.firstSliceDrawn();
    const sliceBox = await page.getByTestId('slice-canvas').boundingBox();
    await nextFrames();
    result.dims = await readDims(page);
    if (result.dims) result.huBytes = result.dims[0] * result.dims[1] * result.dims[2] * 2;
    // The 3D tab is open while the analysis runs: the lung surface shows as soon as it is meshed.
    await page.getByTestId('tab-3d').click();
    await page.getByTestId('view3d-viewport').waitFor();
    const tab3dAtMs = sinceDrop();
    await nextFrames();
    await page
      .locator('[data-testid=analysis-status][data-phase=done], [data-testid=analysis-status][data-phase=error]')
      .waitFor({ timeout: ANALYSIS_TIMEOUT_MS });
    const phase = await page.getByTestId('analysis-status').getAttribute('data-phase');
    if (phase !== 'done') {
      const text = (await page.getByTestId('analysis-status').textContent()) ?? '';
      throw new Error(`analysis ${phase}: ${text.replace(/\s+/g, ' ').trim().slice(0, 300)}`);
    }
    const meshShown = await page
      .waitForFunction(
        () => {
          const row = document.querySelector<HTMLElement>('[data-testid=mesh-row-lung]');
          const lungTriangles = Number(row?.dataset.displayTriangles ?? Number.NaN);
          return lungTriangles > 0 && (window.__lungview3d?.views.view3d?.info().triangles ?? 0) >= lungTriangles;
        },
        undefined,
        { timeout: MESH_TIMEOUT_MS },
      )
      .then(() => true)
      .catch(() => false);
    if (observers.length) {
      await nextFrames();
      await Promise.all(observers.map((o) => o.stop()));
      const viewBox = await page.getByTestId('view3d-viewport').boundingBox();
      if (sliceBox && viewBox) result.outside = observers.map((o) => outsideTimes(o.kind, o.frames, sliceBox, sliceShownAtMs, tab3dAtMs, viewBox));
      observers = [];
    }
    if (meshShown) {
      result.frame3dFull = await page.evaluate(() => window.__lungview3d!.views.view3d.measureFrameMs(20, false));
      result.frame3dInteractive = await page.evaluate(() => window.__lungview3d!.views.view3d.measureFrameMs(20, true));
    }
    await collectTimes();

    // Scrub the axial slice with every overlay on.
    await page.getByTestId('tab-axial').click();
    await page.getByTestId('slice-canvas').waitFor();
    const toggles = page.locator('[data-testid^=overlay-toggle-]');
    for (let k = 0, n = await toggles.count(); k < n; k++) {
      const t = toggles.nth(k);
      if ((await t.isEnabled()) && !(await t.isChecked())) await t.check();
    }
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    result.scrub.overlays = (await page.getByTestId('slice-canvas').getAttribute('data-overlays')) ?? '';
    Object.assign(result.scrub, await scrub(page, args.steps));
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    result.outcome = crashed ? `page crashed (${msg})` : msg;
    if (!crashed) await collectTimes();
  } finally {
    await Promise.all(observers.map((o) => o.stop().catch(() => undefined)));
    if (sampler) result.memory = await sampler.stop().catch(() => null);
    await browserCdp?.detach().catch(() => undefined);
    await app.context.close().catch(() => undefined);
  }
  return result;
}

const fmtMs = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? `${v.toFixed(0)} ms` : '–');
const fmtMs1 = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');
const fmtS = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '–');
const fmtMb = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? `${(v / 2 ** 20).toFixed(0)} MB` : '–');
const fmtX = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? `${v.toFixed(v < 10 ? 2 : 1)}×` : '–');

const OBSERVERS: readonly ObserverKind[] = ['poll', 'screencast'];

interface OutsideSummary {
  observer: ObserverKind;
  firstSliceSeenMs: number;
  firstSliceNotYetMs: number;
  lungMeshSeenMs: number;
  frameIntervalMs: number;
  roundTripMs: number;
}

interface SeriesSummary {
  series: string;
  slices: number | null;
  runs: number;
  okRuns: number;
  outcomes: string[];
  huBytes: number;
  floors: Floors | null;
  /** The faster read floor (main thread or 2 workers) and which it was. */
  readFloorMs: number;
  readFloorWhere: string;
  firstSliceMs: number;
  volumeReadyMs: number;
  lungMasksMs: number;
  analysisDoneMs: number;
  lungMeshDrawnMs: number;
  /** From outside, per observer: drop → first slice seen, → lungs seen in 3D, the frame interval and (poll) round trip. */
  outside: OutsideSummary[];
  scrubDrawMedianMs: number;
  scrubDrawP95Ms: number;
  scrubLatencyMedianMs: number;
  scrubLatencyP95Ms: number;
  frame3dFullMs: number;
  frame3dFullTriangles: number;
  frame3dInteractiveMs: number;
  frame3dInteractiveTriangles: number;
  /** Max over runs. */
  peakIsolateSum: number;
  peakIsolateBreakdown: Record<string, number>;
  peakIsolateStage: string;
  peakPageJsHeap: number;
  peakRendererRss: number;
  peakGpuRss: number;
  peakRendererPlusGpu: number;
  baselineRendererPlusGpu: number;
  baselineIsolateSum: number;
}

/** The analysis stage (or load) running at sampler time t of a run. */
function stageAt(r: BrowserRun, tSamplerMs: number): string {
  const t = tSamplerMs - r.dropAtSamplerMs;
  if (r.firstSliceMs === null || t < (r.stagesMs.segment?.[0] ?? r.firstSliceMs)) return 'load';
  for (const s of STAGES) {
    const [a, b] = r.stagesMs[s] ?? [null, null];
    if (a !== null && t >= a && (b === null || t <= b)) return s;
  }
  return r.analysisDoneMs !== null && t > r.analysisDoneMs ? 'after analysis' : 'between stages';
}

/** Isolate labels grouped: page, dicom workers, analysis worker, other workers. */
function groupIsolates(parts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, v] of Object.entries(parts)) {
    const kind = label === 'page' ? 'page' : label.replace(/#\d+$/, '');
    out[kind] = (out[kind] ?? 0) + v;
  }
  return out;
}

function summarise(series: string, runs: BrowserRun[], floors: Floors | null): SeriesSummary {
  const ok = runs.filter((r) => r.outcome === 'ok');
  const use = ok.length ? ok : runs;
  const pick = (f: (r: BrowserRun) => number | null | undefined) => use.map((r) => f(r) ?? Number.NaN);
  const draw = use.flatMap((r) => r.scrub.drawMs);
  const latency = use.flatMap((r) => r.scrub.latencyMs);
  // Memory: the worst run (all runs, failed ones included).
  let worst: BrowserRun | null = null;
  for (const r of runs) if (r.memory && (!worst || r.memory.peakIsolateSum > worst.memory!.peakIsolateSum)) worst = r;
  const mem = (f: (m: MemoryReport) => number | null) => maxOf(runs.map((r) => (r.memory ? (f(r.memory) ?? Number.NaN) : Number.NaN)));
  const readFloors: [number, string][] = [];
  if (floors) {
    readFloors.push([floors.readMainMs, 'main thread']);
    if (floors.readWorkersMs !== null) readFloors.push([floors.readWorkersMs, '2 workers']);
  }
  readFloors.sort((a, b) => a[0] - b[0]);
  const huBytes = median(pick((r) => r.huBytes));
  return {
    series,
    slices: runs.find((r) => r.dims)?.dims?.[2] ?? null,
    runs: runs.length,
    okRuns: ok.length,
    outcomes: runs.map((r) => r.outcome),
    huBytes,
    floors,
    readFloorMs: readFloors[0]?.[0] ?? Number.NaN,
    readFloorWhere: readFloors[0]?.[1] ?? '',
    firstSliceMs: median(pick((r) => r.firstSliceMs)),
    volumeReadyMs: median(pick((r) => r.volumeReadyMs)),
    lungMasksMs: median(pick((r) => r.lungMasksMs)),
    analysisDoneMs: median(pick((r) => r.analysisDoneMs)),
    lungMeshDrawnMs: median(pick((r) => r.lungMeshDrawnMs)),
    outside: OBSERVERS.flatMap((kind): OutsideSummary[] => {
      const of = (r: BrowserRun) => r.outside.find((o) => o.observer === kind);
      if (!use.some(of)) return [];
      return [
        {
          observer: kind,
          firstSliceSeenMs: median(pick((r) => of(r)?.firstSliceSeenMs)),
          firstSliceNotYetMs: median(pick((r) => of(r)?.firstSliceNotYetMs)),
          lungMeshSeenMs: median(pick((r) => of(r)?.lungMeshSeenMs)),
          frameIntervalMs: median(pick((r) => of(r)?.frameIntervalMs)),
          roundTripMs: median(pick((r) => of(r)?.roundTripMs)),
        },
      ];
    }),
    scrubDrawMedianMs: median(draw),
    scrubDrawP95Ms: quantile(draw, 0.95),
    scrubLatencyMedianMs: median(latency),
    scrubLatencyP95Ms: quantile(latency, 0.95),
    frame3dFullMs: median(pick((r) => r.frame3dFull?.meanMs)),
    frame3dFullTriangles: median(pick((r) => r.frame3dFull?.triangles)),
    frame3dInteractiveMs: median(pick((r) => r.frame3dInteractive?.meanMs)),
    frame3dInteractiveTriangles: median(pick((r) => r.frame3dInteractive?.triangles)),
    peakIsolateSum: mem((m) => m.peakIsolateSum),
    peakIsolateBreakdown: worst?.memory ? groupIsolates(worst.memory.peakIsolateBreakdown) : {},
    peakIsolateStage: worst?.memory ? stageAt(worst, worst.memory.peakIsolateSumAtMs) : '',
    peakPageJsHeap: mem((m) => m.peakPageJsHeap),
    peakRendererRss: mem((m) => m.peakRendererRss),
    peakGpuRss: mem((m) => m.peakGpuRss),
    peakRendererPlusGpu: mem((m) => m.peakRendererPlusGpuRss),
    baselineRendererPlusGpu: median(runs.map((r) => (r.memory ? (r.memory.baseline.rendererRss ?? 0) + (r.memory.baseline.gpuRss ?? 0) : Number.NaN))),
    baselineIsolateSum: median(runs.map((r) => r.memory?.baseline.isolateSum ?? Number.NaN)),
  };
}

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const label = (s: SeriesSummary) => `${s.series}${s.slices ? ` (${s.slices})` : ''}`;
const ratio = (v: number, floor: number) => (Number.isFinite(v) && Number.isFinite(floor) && floor > 0 ? v / floor : Number.NaN);

function timesTable(rows: SeriesSummary[]): string {
  const tri = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(0)}k` : '–');
  return mdTable(
    [
      'series (slices)',
      'runs ok',
      'read floor',
      'read + pass floor',
      'drop → first slice (× read)',
      'drop → whole volume (× r+p)',
      'drop → lung masks (× r+p)',
      'drop → lung mesh in 3D (× r+p)',
      'drop → analysis done (× r+p)',
      'scrub redraw median / p95',
      'scrub key → drawn median / p95',
      '3D frame full (tris)',
      '3D frame drag (tris)',
    ],
    rows.map((r) => {
      const rp = r.readFloorMs + (r.floors?.passMs ?? Number.NaN);
      return [
        label(r),
        `${r.okRuns}/${r.runs}`,
        fmtMs(r.readFloorMs),
        fmtMs(rp),
        `${fmtMs(r.firstSliceMs)} (${fmtX(ratio(r.firstSliceMs, r.readFloorMs))})`,
        `${fmtMs(r.volumeReadyMs)} (${fmtX(ratio(r.volumeReadyMs, rp))})`,
        `${fmtMs(r.lungMasksMs)} (${fmtX(ratio(r.lungMasksMs, rp))})`,
        `${fmtMs(r.lungMeshDrawnMs)} (${fmtX(ratio(r.lungMeshDrawnMs, rp))})`,
        `${fmtMs(r.analysisDoneMs)} (${fmtX(ratio(r.analysisDoneMs, rp))})`,
        `${fmtMs1(r.scrubDrawMedianMs)} / ${fmtMs1(r.scrubDrawP95Ms)}`,
        `${fmtMs1(r.scrubLatencyMedianMs)} / ${fmtMs1(r.scrubLatencyP95Ms)}`,
        `${fmtMs1(r.frame3dFullMs)} (${tri(r.frame3dFullTriangles)})`,
        `${fmtMs1(r.frame3dInteractiveMs)} (${tri(r.frame3dInteractiveTriangles)})`,
      ];
    }),
  );
}

/** Per series and observer: the page's marks beside what each observer saw, and how finely it looked. */
function outsideTable(rows: SeriesSummary[]): string {
  const out: string[][] = [];
  for (const r of rows) {
    for (const o of r.outside) {
      out.push([
        label(r),
        o.observer === 'poll' ? 'polled screenshots' : 'screencast',
        fmtMs(r.firstSliceMs),
        fmtMs(o.firstSliceSeenMs),
        fmtMs(o.firstSliceNotYetMs),
        fmtMs(o.firstSliceSeenMs - r.firstSliceMs),
        fmtMs1(o.frameIntervalMs),
        fmtMs1(o.roundTripMs),
        fmtMs(r.lungMeshDrawnMs),
        fmtMs(o.lungMeshSeenMs),
      ]);
    }
  }
  return mdTable(
    [
      'series (slices)',
      'observer',
      'first slice, page mark',
      'first slice seen',
      'not yet seen at (poll: shot asked)',
      'seen − mark',
      'frame every (to the slice)',
      'poll: shot round trip; screencast: frame → here',
      'lungs in 3D, page',
      'lungs seen in 3D',
    ],
    out,
  );
}

function floorsTable(rows: SeriesSummary[]): string {
  return mdTable(
    ['series (slices)', 'files', 'MB', 'read, main thread', 'read, 2 workers', 'min/max pass over nx·ny·nz int16', 'pass per slice'],
    rows.map((r) => {
      const f = r.floors;
      const slices = r.slices ?? Number.NaN;
      return [
        label(r),
        f ? String(f.files) : '–',
        f ? (f.bytes / 2 ** 20).toFixed(0) : '–',
        fmtMs(f?.readMainMs),
        f?.readWorkersMs !== null && f?.readWorkersMs !== undefined ? fmtMs(f.readWorkersMs) : f ? 'n/a' : '–',
        fmtMs1(f?.passMs),
        f ? `${((f.passMs / slices) * 1000).toFixed(0)} µs` : '–',
      ];
    }),
  );
}

function memoryTable(rows: SeriesSummary[]): string {
  return mdTable(
    [
      'series (slices)',
      'HU volume',
      'peak page + workers (× HU)',
      'at stage',
      'parts at that peak',
      'page JS heap',
      'renderer RSS',
      'GPU RSS',
      'renderer + GPU peak (× HU)',
      'idle page renderer + GPU',
      'above idle (× HU)',
    ],
    rows.map((r) => {
      const parts = Object.entries(r.peakIsolateBreakdown)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${fmtMb(v)}`)
        .join(', ');
      const above = r.peakRendererPlusGpu - r.baselineRendererPlusGpu;
      return [
        label(r),
        fmtMb(r.huBytes),
        `${fmtMb(r.peakIsolateSum)} (${fmtX(ratio(r.peakIsolateSum, r.huBytes))})`,
        r.peakIsolateStage || '–',
        parts || '–',
        fmtMb(r.peakPageJsHeap),
        fmtMb(r.peakRendererRss),
        fmtMb(r.peakGpuRss),
        `${fmtMb(r.peakRendererPlusGpu)} (${fmtX(ratio(r.peakRendererPlusGpu, r.huBytes))})`,
        fmtMb(r.baselineRendererPlusGpu),
        `${fmtMb(above)} (${fmtX(ratio(above, r.huBytes))})`,
      ];
    }),
  );
}

function targetsTable(rows: SeriesSummary[], scale: number[]): string {
  const out: string[][] = [];
  const met = (ok: boolean | null) => (ok === null ? '–' : ok ? 'met' : 'not met');
  const ref = rows.find((r) => r.series.startsWith('dsb2017'));
  if (ref) {
    const rp = ref.readFloorMs + (ref.floors?.passMs ?? Number.NaN);
    const readFloor = `${fmtS(ref.readFloorMs)} (read, ${ref.readFloorWhere || '–'})`;
    /** A time target of the reference series: measured ms against a floor, met when at most limitMs. */
    const timeTarget = (target: string, ms: number, floorMs: number, floor: string, limitMs: number) =>
      out.push([target, label(ref), fmtS(ms), floor, fmtX(ratio(ms, floorMs)), met(Number.isFinite(ms) ? ms <= limitMs : null)]);
    timeTarget('drop → first slice ≤ 0.5 s', ref.firstSliceMs, ref.readFloorMs, readFloor, 500);
    timeTarget('drop → lung mesh drawn ≤ 3 s', ref.lungMeshDrawnMs, rp, `${fmtS(rp)} (read + pass)`, 3000);
    for (const o of ref.outside) {
      const by = o.observer === 'poll' ? 'polled screenshots' : 'screencast';
      timeTarget(`drop → first slice seen from outside (${by}) ≤ 0.5 s`, o.firstSliceSeenMs, ref.readFloorMs, readFloor, 500);
      timeTarget(`drop → lungs seen in 3D from outside (${by}) ≤ 3 s`, o.lungMeshSeenMs, rp, `${fmtS(rp)} (read + pass)`, 3000);
    }
  }
  for (const r of rows) {
    const perSlice = r.floors && r.slices ? r.floors.passMs / r.slices : Number.NaN;
    out.push([
      'scrub redraw p95, all overlays ≤ 16 ms',
      label(r),
      fmtMs1(r.scrubDrawP95Ms),
      `${fmtMs1(perSlice)} (pass over one slice)`,
      fmtX(ratio(r.scrubDrawP95Ms, perSlice)),
      met(Number.isFinite(r.scrubDrawP95Ms) ? r.scrubDrawP95Ms <= 16 : null),
    ]);
  }
  for (const r of rows) {
    const x = ratio(r.peakIsolateSum, r.huBytes);
    out.push([
      'peak memory, page + workers ≤ 4× HU',
      label(r),
      `${fmtMb(r.peakIsolateSum)} (${r.peakIsolateStage})`,
      `${fmtMb(r.huBytes)} (HU volume)`,
      fmtX(x),
      met(Number.isFinite(x) ? x <= 4 : null),
    ]);
  }
  for (const r of rows) {
    const above = r.peakRendererPlusGpu - r.baselineRendererPlusGpu;
    const x = ratio(above, r.huBytes);
    out.push([
      'peak renderer + GPU RSS above the idle page ≤ 4× HU',
      label(r),
      `${fmtMb(above)} (of ${fmtMb(r.peakRendererPlusGpu)})`,
      `${fmtMb(r.huBytes)} (HU volume)`,
      fmtX(x),
      met(Number.isFinite(x) ? x <= 4 : null),
    ]);
  }
  if (scale.includes(1000)) {
    const r = rows.find((s) => s.series === 'phantom-1000');
    const ok = r ? r.okRuns === r.runs && r.runs > 0 : false;
    out.push([
      '1000-slice phantom completes without crash',
      r ? label(r) : 'phantom-1000',
      r ? r.outcomes.join('; ') : 'not run',
      '–',
      '–',
      met(ok),
    ]);
  }
  return mdTable(['target', 'series', 'measured', 'floor', 'ratio', 'status'], out);
}

function logRun(r: BrowserRun): void {
  const m = r.memory;
  console.error(
    `${r.series} run ${r.run}: ${r.outcome}; first slice ${fmtMs(r.firstSliceMs)}, lung masks ${fmtMs(r.lungMasksMs)}, ` +
      `lung mesh in 3D ${fmtMs(r.lungMeshDrawnMs)}, analysis done ${fmtMs(r.analysisDoneMs)}, ` +
      r.outside
        .map(
          (o) =>
            `seen by ${o.observer}: first slice ${fmtMs(o.firstSliceSeenMs)}` +
            (o.firstSliceNotYetMs !== null ? ` (not yet at ${fmtMs(o.firstSliceNotYetMs)})` : '') +
            `, lungs in 3D ${fmtMs(o.lungMeshSeenMs)} (${o.frames} frames, every ${fmtMs1(o.frameIntervalMs)}` +
            (o.roundTripMs !== null ? `, round trip ${fmtMs1(o.roundTripMs)}` : '') +
            '), ',
        )
        .join('') +
      `scrub redraw median ${fmtMs1(median(r.scrub.drawMs))} (${r.scrub.drawMs.length} steps, overlays ${r.scrub.overlays || 'none'}), ` +
      `3D ${fmtMs1(r.frame3dFull?.meanMs)} / drag ${fmtMs1(r.frame3dInteractive?.meanMs)}` +
      (m
        ? `; HU ${fmtMb(r.huBytes)}, page + workers peak ${fmtMb(m.peakIsolateSum)} (${fmtX(ratio(m.peakIsolateSum, r.huBytes ?? Number.NaN))}, ` +
          `${stageAt(r, m.peakIsolateSumAtMs)}: ${Object.entries(groupIsolates(m.peakIsolateBreakdown))
            .map(([k, v]) => `${k} ${fmtMb(v)}`)
            .join(', ')}), renderer RSS ${fmtMb(m.peakRendererRss)}, GPU ${fmtMb(m.peakGpuRss)}`
        : '') +
      (r.pageErrors.length ? `; page errors: ${r.pageErrors.join(' | ')}` : ''),
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.only.length && !haveRealData) throw new Error('real data not found (../shared/data/ct); set LUNGVIEW_DATA, or --only none');
  const plan: BenchSeries[] = [
    ...args.only.map((name): BenchSeries => ({ name, kind: 'real', runs: args.runs, dir: seriesDir(name as (typeof REAL_SERIES)[number]) })),
    ...args.scale.map(
      (n): BenchSeries => ({ name: `phantom-${n}`, kind: 'phantom', runs: args.scaleRuns, dir: null, prepare: () => writePhantomFolder({ slices: n }) }),
    ),
  ];
  let server: PreviewServer | null = null;
  let browser: Browser | null = null;
  const all: BrowserRun[] = [];
  const summaries: SeriesSummary[] = [];
  try {
    server = await startPreview();
    browser = await launchBrowser();
    for (const s of plan) {
      let folder: PhantomFolder | null = null;
      try {
        let dir = s.dir;
        if (s.prepare) {
          folder = s.prepare();
          dir = folder.dir;
          console.error(
            `${s.name}: wrote ${folder.files} files (${fmtMb(folder.bytes)}, ${folder.dims.nx}×${folder.dims.ny}×${folder.dims.nz}, ` +
              `${folder.thicknessMm} mm slices) to ${folder.dir} in ${fmtMs(folder.writeMs)}`,
          );
        }
        const runs: BrowserRun[] = [];
        for (let run = 1; run <= s.runs; run++) {
          const r = await runOnce(browser, server.url, s.name, dir!, run, args);
          runs.push(r);
          all.push(r);
          logRun(r);
        }
        let floors: Floors | null = null;
        const voxels = runs.find((r) => r.dims)?.dims?.reduce((a, b) => a * b, 1) ?? (folder ? folder.dims.nx * folder.dims.ny * folder.dims.nz : null);
        if (args.floors && voxels !== null) {
          floors = await measureFloors(browser, server.url, dir!, voxels).catch((e: unknown) => {
            console.error(`${s.name}: floors failed: ${e instanceof Error ? e.message : String(e)}`);
            return null;
          });
          if (floors) {
            console.error(
              `${s.name} floors: read ${floors.files} files (${fmtMb(floors.bytes)}) main thread ${fmtMs(floors.readMainMs)}, ` +
                `2 workers ${fmtMs(floors.readWorkersMs)} (${floors.workersNote}); min/max pass over ${floors.voxels} voxels ${fmtMs1(floors.passMs)}`,
            );
          }
        }
        summaries.push(summarise(s.name, runs, floors));
      } finally {
        folder?.remove();
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  console.log('### Times (medians over runs; ratios to the floors of the same series)\n');
  console.log(timesTable(summaries));
  if (summaries.some((s) => s.outside.length)) {
    console.log('\n### Seen from outside (medians over runs; every observer watched the same runs)\n');
    console.log(outsideTable(summaries));
  }
  console.log('\n### Floors (medians of 3, in the app page)\n');
  console.log(floorsTable(summaries));
  console.log('\n### Memory (worst run)\n');
  console.log(memoryTable(summaries));
  console.log('\n### Targets\n');
  console.log(targetsTable(summaries, args.scale));
  console.log(
    '\nTimes from the drop (page mark lungview:load-start). Floors: "read" = reading every file\'s bytes in the app page, the faster of ' +
      'the main thread and 2 blob: workers; "pass" = one min/max pass over an nx·ny·nz Int16Array on the main thread; r+p = read + pass. ' +
      'Scrub: per arrow-key step with every overlay on, the canvas redraw (data-draw-ms) and key press → redrawn slice (next animation ' +
      'frame; bounded below by the frame interval). 3D: mean frame while orbiting (measureFrameMs, SwiftShader in headless Chromium); ' +
      'drag = the coarse meshes drawn while dragging. Memory: "page + workers" = sum over the page and every dedicated worker of JS heap ' +
      'used + ArrayBuffer backing stores (CDP Runtime.getHeapUsage, sampled together: uncollected garbage and never-touched pages of ' +
      'fresh arrays count, and a buffer being transferred at that moment may count on both sides), its peak and the stage running ' +
      'then; renderer / GPU = RSS of the renderer process (page + workers) and of the GPU process (SwiftShader: uploaded ' +
      'meshes, canvases), sampled; "above idle" = peak renderer + GPU minus their RSS on the idle app page ' +
      'before the drop. The browser, network and storage processes hold none of the data (their RSS is in the JSON).',
  );
  if (args.jsonOut) {
    writeFileSync(args.jsonOut, JSON.stringify({ args, summaries, runs: all }, null, 1));
    console.log(`JSON written to ${args.jsonOut}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
