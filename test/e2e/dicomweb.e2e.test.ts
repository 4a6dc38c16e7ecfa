/**
 * The PACS panel against a real Orthanc (test/helpers/orthanc.ts) behind
 * `vite preview`'s same-origin proxy (LUNGVIEW_DICOMWEB): the series is
 * listed by QIDO-RS, loaded by WADO-RS into the same ingest as a dropped
 * folder, shown, and analysed; the page talks to no origin but its own.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { orthancProblem, startOrthanc, type OrthancServer } from '../helpers/orthanc';
import { dataDir, describeRequiring, haveRealData, seriesDir } from '../helpers/sharedData';
import { SCREENSHOT_DIR, startAppForSuite, waitForFirstSlice } from './harness';

const SERIES = 'lung-pet-ct-dx-a0001';
const problem = orthancProblem ?? (haveRealData ? null : `real data not found at ${dataDir}`);

describeRequiring('PACS panel: list, load and analyse a series from a DICOMweb server', problem, () => {
  let orthanc: OrthancServer;
  beforeAll(async () => {
    orthanc = await startOrthanc();
    await orthanc.upload(seriesDir(SERIES));
  });
  afterAll(async () => {
    await orthanc?.stop();
  });
  const session = startAppForSuite({ env: () => ({ LUNGVIEW_DICOMWEB: orthanc.dicomWebRoot }) });

  it('lists the series found by QIDO-RS through /dicomweb', async () => {
    const { page } = session.app;
    await page.getByTestId('pacs-modality').fill('MR');
    await page.getByTestId('pacs-search').click();
    await page.locator('[data-testid=pacs-status]', { hasText: '0 series' }).waitFor();
    await page.getByTestId('pacs-modality').fill('CT');
    await page.getByTestId('pacs-date').fill('2007-04-04');
    await page.getByTestId('pacs-search').click();
    await page.locator('[data-testid=pacs-status]', { hasText: '1 series' }).waitFor();
    expect(await page.getByTestId('pacs-series').innerText()).toMatch(/2007-04-04 · CT · 5mm · 64 images/);
  });

  it('loads the series with WADO-RS, shows it and analyses it', async () => {
    const { page } = session.app;
    await page.getByTestId('pacs-load').click();
    await waitForFirstSlice(page, 120_000);
    await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('series-item').count()).toBe(1);
    expect(await page.getByTestId('series-item').innerText()).toMatch(/64 slices/);
    expect(await page.getByTestId('meta-dims').innerText()).toBe('512 × 512 × 64');
    await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
    for (const [w, h] of [[1440, 900], [1280, 720], [1024, 768]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, `dicomweb-loaded-${w}x${h}.png`) });
    }
  });

  it("stores the analysis' segmentation back on the server with STOW-RS, on a click, and says what the server answered", async () => {
    const { page } = session.app;
    const segSeries = async () => {
      const r = await fetch(`${orthanc.dicomWebRoot}/series?Modality=SEG`, { headers: { Accept: 'application/dicom+json' } });
      return r.status === 204 ? [] : ((await r.json()) as unknown[]);
    };
    // Nothing was sent before the click.
    expect(await segSeries()).toEqual([]);
    await page.getByTestId('pacs-store-seg').click();
    const status = page.locator('[data-testid=pacs-store-status][data-phase=done]');
    await status.waitFor({ timeout: 120_000 });
    expect(await status.innerText()).toMatch(/^Stored on the PACS: segmentation [0-9.]+/);
    const found = await segSeries();
    expect(found).toHaveLength(1);
    // Into the CT's study.
    const studyOf = (ds: unknown) => ((ds as Record<string, { Value?: string[] }>)['0020000D']?.Value ?? [])[0];
    const ct = (await (await fetch(`${orthanc.dicomWebRoot}/series?Modality=CT`, { headers: { Accept: 'application/dicom+json' } })).json()) as unknown[];
    expect(studyOf(found[0])).toBe(studyOf(ct[0]));
  });

  it('made no request to another origin and logged no errors', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
