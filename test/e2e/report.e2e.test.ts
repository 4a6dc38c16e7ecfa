/**
 * The densitometry report a user keeps: a real series dropped and analysed
 * in the page, the densitometry table shown per lung and region, and the
 * report's JSON downloaded from the page is the JSON the CLI's
 * `analyze --report` writes for the same folder (same numbers, parameters,
 * version and HU hash); the printable page holds the tables and the axial
 * view, and no patient identifier.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { runCli } from '../cli/cliProcess';
import { dropPaths, screenshot, startAppForSuite, waitForFirstSlice } from './harness';

const SERIES = 'lung-pet-ct-dx-a0001' as const;

describeWithRealData('the densitometry report', () => {
  const session = startAppForSuite();
  let tmp = '';

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'lungview-report-'));
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('shows densitometry per lung and region once the analysis is done', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [seriesDir(SERIES)]);
    await waitForFirstSlice(page);
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 180_000 });
    const table = page.getByTestId('densitometry-table');
    await table.waitFor();
    // Both lungs: about 5,130 mL (the filled mask less the airway), LAA-950 a few to 20 %.
    const cells = page.getByTestId('densitometry-whole').locator('td');
    expect(Number(await cells.nth(0).innerText())).toBeGreaterThan(4000);
    const laa = Number(await cells.nth(1).innerText());
    expect(laa).toBeGreaterThan(1);
    expect(laa).toBeLessThan(40);
    expect(await page.getByTestId('densitometry-leftDorsal').count()).toBe(1);
    await table.scrollIntoViewIfNeeded();
    await screenshot(page, 'densitometry-panel');
  });

  it('downloads the same report JSON as the CLI writes for the same folder', async () => {
    const { page } = session.app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-json').click()]);
    expect(download.suggestedFilename()).toMatch(/densitometry-report\.json$/);
    const fromPage = JSON.parse(await readFile((await download.path())!, 'utf8'));
    const cli = runCli(['analyze', seriesDir(SERIES), '--report', tmp], { timeoutMs: 180_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const fromCli = JSON.parse(await readFile(path.join(tmp, 'report.json'), 'utf8'));
    expect(fromPage.huSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fromPage).toEqual(fromCli);
  });

  it('gives a printable page with the tables, the axial view and no patient identifiers', async () => {
    const { page } = session.app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-html').click()]);
    const html = await readFile((await download.path())!, 'utf8');
    expect(html).toContain('@media print');
    expect(html).toContain('Right upper third');
    expect(html).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]{100,}"/);
    const cliJson = JSON.parse(await readFile(path.join(tmp, 'report.json'), 'utf8'));
    expect(html).toContain(cliJson.huSha256);
    expect(html).not.toMatch(/PatientName|patientName/);
    // Seen as a person would: the page rendered in the browser.
    const view = await session.browser.newPage({ viewport: { width: 1024, height: 768 } });
    await view.setContent(html);
    await screenshot(view, 'densitometry-report-page');
    expect(await view.locator('table').count()).toBeGreaterThanOrEqual(3);
    await view.close();
  });
});
