/**
 * Text from DICOM tags is data, never markup, and patient identifiers never
 * reach the console. A series whose descriptions, patient name and ID,
 * manufacturer, model, kernel and body part hold HTML, script and
 * `javascript:` strings (and a junk file whose name is HTML) is written at
 * test time and dropped; the page must run no injected code, create no
 * element and ask for no URL from them, and show each string literally as
 * text. Every console message of the page and its workers, and every page
 * error, during the load, the analysis, the identifiers shown and the file
 * skipped, must be free of the patient's name and ID.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { writeSyntheticSeries, type SyntheticText } from '../fixtures/syntheticSeries';
import { dropPaths, launchBrowser, screenshot, startPreview, type PreviewServer } from './harness';

/** Distinctive parts of the identifiers, searched for in every console message. */
const NAME_TOKENS = ['Zyxwin', 'Quorra'];
const ID_TOKEN = 'PID778899';

const TEXT: SyntheticText = {
  seriesDescription: '<img src=x onerror="window.__pwned=1">Chest',
  studyDescription: '<script>window.__pwned=9</script>',
  patientName: 'Zyxwin^Quorra<script>window.__pwned=2</script>',
  patientId: `${ID_TOKEN}<img src=y onerror="window.__pwned=3">`,
  manufacturer: '<iframe src="javascript:window.__pwned=4"></iframe>',
  manufacturerModel: '<a href="javascript:window.__pwned=5">model</a>',
  institutionName: '<img src=http://198.51.100.7/inst.png>',
  convolutionKernel: '<svg onload=window.__pwned=6>',
  bodyPart: 'javascript:window.__pwned=7',
  referringPhysician: '<style>*{display:none}</style>',
};
const JUNK_NAME = '<img src=z onerror=window.__pwned=8>.dcm';

/** Resource names the hostile strings would make an injected element ask for. */
const BAIT = [/\/x$/, /\/y$/, /\/z$/, /inst\.png/, /198\.51\.100\.7/, /^javascript:/];

let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let root = '';
const consoleLines: string[] = [];
const pageErrors: string[] = [];
const requests: string[] = [];
const workers: Worker[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lungview-tagtext-'));
  const dir = path.join(root, 'hostile');
  await writeSyntheticSeries(dir, { text: TEXT, seed: 11 });
  await writeFile(path.join(dir, JUNK_NAME), 'not a DICOM file\n');
  server = await startPreview();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  // Listeners before the page loads, so workers started at once are heard too.
  const record = (where: string) => (msg: { type(): string; text(): string }) => consoleLines.push(`${where} ${msg.type()}: ${msg.text()}`);
  page.on('console', record('page'));
  page.on('worker', (w) => {
    workers.push(w);
    w.on('console', record(`worker ${w.url()}`));
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  context.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(server.url);
  await page.getByTestId('drop-zone').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Counts of the element kinds the strings would create if parsed as HTML. */
function injectedElements(p: Page) {
  return p.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    script: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('__pwned')).length,
    iframe: document.querySelectorAll('iframe').length,
    svgOnload: document.querySelectorAll('svg[onload]').length,
    jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
    style: [...document.querySelectorAll('style')].filter((s) => s.textContent?.includes('display:none')).length,
    onAttributes: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
  }));
}

/** The text of the <dd> next to the <dt> labelled `label` in the metadata panel. */
function metaValue(p: Page, label: string): Promise<string | null> {
  return p.getByTestId('metadata-panel').locator(`dt:text-is("${label}") + dd`).evaluate((el) => el.textContent);
}

it('loads and analyses the series without running, creating or fetching anything from its text', async () => {
  const before = await injectedElements(page);
  const requestsBefore = requests.length;
  await dropPaths(page, 'drop-zone', [path.join(root, 'hostile')]);
  await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 60_000 });
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 120_000 });

  // The junk file is listed as skipped, its HTML name as text.
  await page.getByTestId('skipped-files').locator('summary').click();
  expect(await page.getByTestId('skipped-item').locator('.skipped-path').evaluate((el) => el.textContent)).toBe(`hostile/${JUNK_NAME}`);

  // Identifiers stay out of the page until asked for, then appear as text.
  const html = await page.content();
  for (const t of [...NAME_TOKENS, ID_TOKEN]) expect(html).not.toContain(t);
  await page.getByTestId('show-patient-ids').check();
  await page.getByTestId('patient-ids').waitFor();
  expect(await metaValue(page, 'Patient name')).toBe(TEXT.patientName);
  expect(await metaValue(page, 'Patient ID')).toBe(TEXT.patientId);

  // Every other string literally, as text, where it is shown.
  expect(await page.getByTestId('series-item').locator('.series-description').evaluate((el) => el.textContent)).toBe(TEXT.seriesDescription);
  expect(await metaValue(page, 'Description')).toBe(TEXT.seriesDescription);
  expect(await metaValue(page, 'Manufacturer')).toBe(TEXT.manufacturer);
  expect(await metaValue(page, 'Model')).toBe(TEXT.manufacturerModel);
  expect(await metaValue(page, 'Kernel')).toBe(TEXT.convolutionKernel);
  expect(await metaValue(page, 'Body part')).toBe(TEXT.bodyPart);
  expect(await page.getByTestId('viewport-axial').locator('.corner-tl').evaluate((el) => el.textContent)).toContain(TEXT.seriesDescription);
  await screenshot(page, 'tag-text');

  // Nothing ran, nothing was created, nothing was asked for.
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(await injectedElements(page)).toEqual(before);
  expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
  const after = requests.slice(requestsBefore);
  for (const url of after) for (const bait of BAIT) expect(url).not.toMatch(bait);
  // What the page did fetch after the drop: its own built files only.
  const origin = new URL(server.url).origin;
  for (const url of after) expect(url.startsWith(`${origin}/assets/`) || url.startsWith('blob:') || url.startsWith('data:'), url).toBe(true);
  expect(pageErrors).toEqual([]);
});

it('printed neither the patient name nor the ID to the console of the page or its workers', async () => {
  // The collector hears the page and its workers (probes), ...
  await page.evaluate(() => console.info('lungview-probe-page'));
  expect(workers.length).toBeGreaterThan(0);
  // A worker still alive (the DICOM workers of the load were replaced by fresh ones after it).
  const live = page.workers();
  expect(live.length).toBeGreaterThan(0);
  await live[live.length - 1].evaluate(() => console.info('lungview-probe-worker'));
  await expect.poll(() => consoleLines.some((l) => l.includes('lungview-probe-worker'))).toBe(true);
  expect(consoleLines.some((l) => l.includes('lungview-probe-page'))).toBe(true);
  // ... and none of what it heard, nor any page error, names the patient.
  const heard = [...consoleLines, ...pageErrors];
  for (const t of [...NAME_TOKENS, ID_TOKEN]) {
    expect(heard.filter((l) => l.includes(t))).toEqual([]);
  }
  console.log(`${consoleLines.length} console messages from the page and ${workers.length} workers checked`);
});
