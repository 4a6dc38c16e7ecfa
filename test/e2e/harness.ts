/**
 * Browser test harness: serves the built app (dist/, made by `vite build
 * --mode e2e`, whose 3D test hook the 3D tests read) with `vite preview` on
 * a free port, opens it in headless Chromium through playwright-core, and
 * stops exactly the server process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.LUNGVIEW_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots of the browser tests go here (looked at by people, judged by statistics in the tests). */
export const SCREENSHOT_DIR = process.env.LUNGVIEW_SCREENSHOTS ?? '/tmp/lungview-e2e';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`vite preview did not answer at ${url} within ${timeoutMs} ms:\n${log()}`);
}

export interface PreviewServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The built app to serve: dist/, or the folder named by LUNGVIEW_DIST (so
 * several builds can be tested side by side without overwriting each other).
 */
export const distDir = path.resolve(repoRoot, process.env.LUNGVIEW_DIST || 'dist');

/** Starts `vite preview` on a free port (the build must exist) and waits until it serves. */
export async function startPreview(env: Record<string, string> = {}): Promise<PreviewServer> {
  if (!existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`${distDir} has no build: run \`vite build --mode e2e\` first (npm run test:e2e does)`);
  }
  const port = await freePort();
  const args = ['preview', '--port', String(port), '--strictPort', '--outDir', distDir];
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/vite'), args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const url = `http://127.0.0.1:${port}/`;
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start vite preview');
  try {
    await waitForHttp(url, child, 30_000, () => output);
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
  return {
    url,
    pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      // Only the process started above, by its own handle.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface AppPage {
  context: BrowserContext;
  page: Page;
  /** Requests to any origin other than the app's. */
  foreignRequests: string[];
  /** Foreign requests that failed, with Chromium's reason ('csp' when the Content-Security-Policy stopped it). */
  foreignFailures: { url: string; error: string }[];
  /** Console errors and uncaught page errors (CSP violations show up here). */
  pageErrors: string[];
}

/** A fresh context and page on the app, recording foreign requests and page errors. */
export async function openApp(browser: Browser, url: string, viewport = { width: 1280, height: 720 }): Promise<AppPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const foreignRequests: string[] = [];
  const foreignFailures: { url: string; error: string }[] = [];
  const pageErrors: string[] = [];
  const isForeign = (u: string) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin;
  context.on('request', (req: Request) => {
    if (isForeign(req.url())) foreignRequests.push(req.url());
  });
  context.on('requestfailed', (req: Request) => {
    if (isForeign(req.url())) foreignFailures.push({ url: req.url(), error: req.failure()?.errorText ?? '' });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(url);
  await page.getByTestId('drop-zone').waitFor();
  return { context, page, foreignRequests, foreignFailures, pageErrors };
}

/**
 * Drops files or folders (absolute paths) on an element the way a person
 * does, through Chromium's own drag-and-drop (DevTools Input.dispatchDragEvent).
 */
/** Drops `paths` on the element; gives performance.now() of just before the drop event was sent (the benchmark's time zero). */
export async function dropPaths(page: Page, testId: string, paths: string[]): Promise<number> {
  // A drop lands where the target is on screen: bring it into view first (a column may have scrolled).
  await page.getByTestId(testId).scrollIntoViewIfNeeded();
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: paths, dragOperationsMask: 1 };
  let dropAt = 0;
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
    if (type === 'drop') dropAt = performance.now();
    await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
  }
  await cdp.detach();
  return dropAt;
}

/** Pixel statistics of the slice canvas (RGBA read back from its 2D context). */
export interface CanvasPixels {
  width: number;
  height: number;
  /** Grey value (red channel) of each pixel, row by row. */
  grey: Uint8Array;
}

export async function readCanvas(page: Page, testId = 'slice-canvas'): Promise<CanvasPixels> {
  const res = await page.getByTestId(testId).evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const ctx = c.getContext('2d');
    if (!ctx) throw new Error('no 2D context');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const grey = new Uint8Array(c.width * c.height);
    for (let i = 0; i < grey.length; i++) grey[i] = d[i * 4];
    let s = '';
    const chunk = 0x8000;
    for (let i = 0; i < grey.length; i += chunk) s += String.fromCharCode(...grey.subarray(i, i + chunk));
    return { width: c.width, height: c.height, b64: btoa(s) };
  });
  return { width: res.width, height: res.height, grey: new Uint8Array(Buffer.from(res.b64, 'base64')) };
}

/** The canvas's RGBA pixels (4 bytes per pixel, row by row). */
export interface CanvasRgba {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export async function readCanvasRgba(page: Page, testId = 'slice-canvas'): Promise<CanvasRgba> {
  const res = await page.getByTestId(testId).evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const ctx = c.getContext('2d');
    if (!ctx) throw new Error('no 2D context');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    const chunk = 0x8000;
    for (let i = 0; i < d.length; i += chunk) s += String.fromCharCode(...d.subarray(i, i + chunk));
    return { width: c.width, height: c.height, b64: btoa(s) };
  });
  return { width: res.width, height: res.height, rgba: new Uint8Array(Buffer.from(res.b64, 'base64')) };
}

/** Mean grey of a rectangle (fractions of the canvas size). */
export function regionMean(p: CanvasPixels, x0: number, y0: number, x1: number, y1: number): number {
  const xa = Math.floor(x0 * p.width);
  const xb = Math.ceil(x1 * p.width);
  const ya = Math.floor(y0 * p.height);
  const yb = Math.ceil(y1 * p.height);
  let sum = 0;
  let n = 0;
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      sum += p.grey[x + y * p.width];
      n++;
    }
  }
  return n ? sum / n : 0;
}

/** Fraction of pixels that differ by more than `tol` grey levels. */
export function changedFraction(a: CanvasPixels, b: CanvasPixels, tol = 8): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let n = 0;
  for (let i = 0; i < a.grey.length; i++) if (Math.abs(a.grey[i] - b.grey[i]) > tol) n++;
  return n / a.grey.length;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function writeJunk(file: string, text: string): Promise<void> {
  await writeFile(file, text);
}

/**
 * Waits until the current load is done and its first slice is on screen;
 * returns the time from the start of the load (drop, pick or click) to that
 * first slice, from the page's own performance marks.
 */
export async function waitForFirstSlice(page: Page, timeoutMs = 90_000): Promise<number> {
  await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: timeoutMs });
  await page.waitForFunction(() => performance.getEntriesByName('lungview:first-slice').length > 0, undefined, { timeout: 10_000 });
  return page.evaluate(() => {
    const start = performance.getEntriesByName('lungview:load-start').at(-1)!.startTime;
    const first = performance.getEntriesByName('lungview:first-slice').at(-1)!.startTime;
    return first - start;
  });
}

/** What startAppForSuite gives a suite: filled in by its beforeAll. */
export interface AppSession {
  server: PreviewServer;
  browser: Browser;
  app: AppPage;
}

/**
 * For the enclosing suite: starts a preview server, a browser and one app
 * page before its tests, and stops exactly those after them.
 */
export function startAppForSuite(options: { env?: () => Record<string, string> } = {}): AppSession {
  const session = {} as AppSession;
  beforeAll(async () => {
    session.server = await startPreview(options.env?.());
    session.browser = await launchBrowser();
    session.app = await openApp(session.browser, session.server.url);
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.server?.stop();
  });
  return session;
}
