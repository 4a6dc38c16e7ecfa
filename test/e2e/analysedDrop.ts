/** Drops a real series folder on the app with a modest drawn-mesh budget (for the software GPU) and waits until its analysis is done. */
import type { Page } from 'playwright-core';
import { seriesDir } from '../helpers/sharedData';
import { dropPaths, waitForFirstSlice } from './harness';

export async function dropAndAnalyse(page: Page, series: Parameters<typeof seriesDir>[0], maxDisplayTriangles = 60000): Promise<void> {
  await page.locator('.param-more summary').click();
  await page.getByTestId('analysis-mesh-maxtri').fill(String(maxDisplayTriangles));
  await dropPaths(page, 'drop-zone', [seriesDir(series)]);
  await waitForFirstSlice(page);
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
}
