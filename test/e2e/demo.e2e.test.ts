/**
 * "Load demo scan": the synthetic chest phantom is built in a worker and
 * loaded through the same path as dropped files; nothing is downloaded.
 */
import { expect, it } from 'vitest';
import { readCanvas, screenshot, waitForFirstSlice, startAppForSuite } from './harness';
import { brightBox, findChestRow } from './pixelStats';

const session = startAppForSuite();

it('loads the demo phantom and shows a chest-like slice', async () => {
  const { page } = session.app;
  await page.getByTestId('demo-button').click();
  const ms = await waitForFirstSlice(page);
  console.log(`demo click -> first slice drawn: ${ms.toFixed(0)} ms`);
  expect(await page.getByTestId('series-item').count()).toBe(1);
  expect(await page.getByTestId('series-item').innerText()).toMatch(/120 slices/);
  expect(await page.getByTestId('meta-dims').innerText()).toBe('512 × 512 × 120');
  await page.getByTestId('window-preset-lung').click();
  await page.waitForTimeout(100);
  const pixels = await readCanvas(page);
  const box = brightBox(pixels);
  expect(box).not.toBeNull();
  expect(findChestRow(pixels, box!, 130, 180)).toBeGreaterThan(0);
  await screenshot(page, 'demo-phantom');
});

it('cancels a running load: the progress says so and no series appears', async () => {
  const { page } = session.app;
  await page.getByTestId('demo-button').click();
  await page.getByTestId('cancel-button').click();
  await page.locator('[data-testid=load-progress][data-phase=cancelled]').waitFor();
  expect(await page.getByTestId('series-item').count()).toBe(0);
  // The next load works (workers are spawned again).
  await page.getByTestId('demo-button').click();
  await page.locator('[data-testid=load-progress][data-phase=done]').waitFor({ timeout: 90_000 });
  expect(await page.getByTestId('series-item').count()).toBe(1);
});

it('made no request to another origin and logged no errors', () => {
  expect(session.app.foreignRequests).toEqual([]);
  expect(session.app.pageErrors).toEqual([]);
});
