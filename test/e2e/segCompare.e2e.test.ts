/**
 * DICOM SEG out of the page and segmentations from elsewhere into it, on a
 * real series (lung-pet-ct-dx-a0001):
 * - the "DICOM SEG" export of the analysed series passes dciodvfy with no
 *   error and reads back with lungview's reader onto the series, with the
 *   volumes the page shows (right, left, airway, internal; GK voxel count);
 * - a SEG made from a changed copy of that result (the right lung eroded by
 *   one voxel, written by lungview's writer) inside the dropped folder is
 *   not taken for a series but read onto the CT: its segments drawn on the
 *   slice, and the comparison table's numbers equal compareSegmentations on
 *   the same masks;
 * - a NIfTI label map (1 right, 2 left, 3 airway) dropped onto the open
 *   series is compared the same way; a NIfTI moved by 3 mm and a SEG of
 *   another frame of reference are refused with the reason.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { compareSegmentations, type NamedMask } from '../../src/core/analysis/compareSegmentations';
import type { LoadedSeries } from '../../src/core/dicom/types';
import { readDicomSeg, writeDicomSeg, type ReadSegment } from '../../src/core/io/dicomSeg';
import { writeNiftiGz } from '../../src/core/io/nifti';
import { geometryOf, voxelVolumeMm3 } from '../../src/core/volume/volume';
import { loadRealSeries } from '../helpers/loadSeries';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { dropPaths, screenshot, startAppForSuite, waitForFirstSlice } from './harness';
import { erodeMask as erode } from '../helpers/erodeMask';

const SERIES = 'lung-pet-ct-dx-a0001' as const;
const DCIODVFY = '/usr/bin/dciodvfy';

async function waitForAnalysis(page: Page): Promise<void> {
  await page.locator('[data-testid=analysis-status][data-phase=running]').waitFor({ timeout: 60_000 }).catch(() => undefined);
  await page.locator('[data-testid=analysis-status][data-phase=done]').waitFor({ timeout: 240_000 });
}

const count = (m: Uint8Array) => m.reduce((n, v) => n + v, 0);

/** The comparison table's rows as numbers (from the row's data attributes), keyed by structure. */
async function tableRows(page: Page, entry: number): Promise<Record<string, { dice: number; dv: number; dvp: number; hd: number; mean: number }>> {
  const table = page.getByTestId('import-entry').nth(entry).getByTestId('compare-table');
  await table.waitFor({ timeout: 120_000 });
  return table.locator('tbody tr').evaluateAll((rows) => Object.fromEntries(rows.map((r) => {
    const d = (r as HTMLElement).dataset;
    return [d.testid!.replace('compare-row-', ''), { dice: Number(d.dice), dv: Number(d.volumeDiffMl), dvp: Number(d.volumeDiffPct), hd: Number(d.hausdorffMm), mean: Number(d.meanMm) }];
  })));
}

function expectRowsEqual(shown: Awaited<ReturnType<typeof tableRows>>, want: ReturnType<typeof compareSegmentations>): void {
  expect(Object.keys(shown)).toEqual(want.rows.map((r) => r.structure));
  for (const r of want.rows) {
    const s = shown[r.structure];
    expect(s.dice, r.label).toBeCloseTo(r.result.dice, 12);
    expect(s.dv, r.label).toBeCloseTo(r.result.volumeDiffMl, 9);
    expect(s.dvp, r.label).toBeCloseTo(r.result.volumeDiffPct!, 9);
    expect(s.hd, r.label).toBeCloseTo(r.result.hausdorffMm!, 9);
    expect(s.mean, r.label).toBeCloseTo(r.result.meanSurfaceMm!, 9);
  }
}

describeWithRealData('DICOM SEG export, import and comparison in the browser', () => {
  const session = startAppForSuite();
  let tmp = '';
  let series: LoadedSeries;
  let exported: ReadSegment[] = [];
  let ours: NamedMask[] = [];
  let eroded: NamedMask[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'lungview-segcompare-'));
    series = await loadRealSeries(SERIES);
  });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('exports the analysis as a DICOM SEG that passes dciodvfy and reads back with the volumes the page shows', async () => {
    const { page } = session.app;
    await dropPaths(page, 'drop-zone', [seriesDir(SERIES)]);
    await waitForFirstSlice(page);
    await waitForAnalysis(page);
    await page.getByTestId('tab-3d').click();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-seg').click()]);
    expect(download.suggestedFilename()).toMatch(/-segmentation\.dcm$/);
    const file = path.join(tmp, 'page-seg.dcm');
    await download.saveAs(file);
    const v = spawnSync(DCIODVFY, [file], { encoding: 'utf8' });
    const errors = `${v.stdout}\n${v.stderr}`.split('\n').filter((l) => /^Error/.test(l.trim()));
    expect(errors).toEqual([]);

    const r = readDicomSeg(new Uint8Array(await readFile(file)), { geometry: series.volume, summary: series.summary });
    if (!r.ok) throw new Error(r.reason);
    expect(r.matchedByUid).toBe(r.frames);
    exported = r.segments;
    expect(exported.map((s) => s.name)).toEqual(['Right lung', 'Left lung', 'Airway', 'Internal structures', 'GK structures']);
    const voxelMl = voxelVolumeMm3(series.volume) / 1000;
    const ml = (name: string) => `${(count(exported.find((s) => s.name === name)!.mask) * voxelMl).toFixed(1)} mL`;
    expect(await page.getByTestId('stats-right-ml').innerText()).toBe(ml('Right lung'));
    expect(await page.getByTestId('stats-left-ml').innerText()).toBe(ml('Left lung'));
    expect(await page.getByTestId('stats-airway-ml').innerText()).toBe(ml('Airway'));
    expect(await page.getByTestId('stats-internal-ml').innerText()).toBe(ml('Internal structures'));
    const kept = await page.getByTestId('stats-gk').locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(count(exported.find((s) => s.name === 'GK structures')!.mask)).toBe(kept.reduce((n, t) => n + Number(t.replace(/,/g, '')), 0));
    ours = exported.map((s) => ({ name: s.name, code: s.type, mask: s.mask }));
  });

  it('reads a SEG inside a dropped folder onto its CT, draws it and compares it with lungview\'s masks', async () => {
    const { page } = session.app;
    const { nx, ny, nz } = series.volume;
    eroded = exported.map((s) => ({ name: s.name, code: s.type, mask: s.name === 'Right lung' ? erode(s.mask, nx, ny, nz) : s.mask }));
    expect(count(eroded[0].mask)).toBeLessThan(count(ours[0].mask));
    const folder = path.join(tmp, 'ct-with-seg');
    await mkdir(folder);
    for (const f of await readdir(seriesDir(SERIES))) await copyFile(path.join(seriesDir(SERIES), f), path.join(folder, f));
    const segBytes = writeDicomSeg({
      source: { geometry: series.volume, summary: series.summary },
      segments: exported.map((s, k) => ({ name: s.name, category: s.category, type: s.type, mask: eroded[k].mask })),
      seriesDescription: 'right lung eroded by one voxel',
    });
    await writeFile(path.join(folder, 'zz-eroded-seg.dcm'), segBytes);

    await page.getByTestId('clear-button').click();
    await dropPaths(page, 'drop-zone', [folder]);
    await waitForFirstSlice(page);
    await waitForAnalysis(page);
    // One series; the SEG is neither a series nor a skipped file.
    expect(await page.evaluate(() => document.querySelectorAll('[data-testid=skipped-files] li').length)).toBe(0);
    const entry = page.getByTestId('import-entry').first();
    await entry.waitFor({ timeout: 60_000 });
    expect(await entry.getAttribute('data-file')).toMatch(/zz-eroded-seg\.dcm$/);
    expect(await entry.getByTestId('import-segment').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.name))).toEqual(exported.map((s) => s.name));
    const want = compareSegmentations(ours, eroded, geometryOf(series.volume));
    expect(want.rows[0].result.dice).toBeLessThan(1);
    expectRowsEqual(await tableRows(page, 0), want);
    // The imported segments are drawn on the axial slice.
    await page.getByTestId('tab-axial').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid=slice-canvas]') as HTMLElement | null)?.dataset.overlays?.includes('import:') ?? false, undefined, { timeout: 10_000 });
    await page.getByTestId('imports-panel').scrollIntoViewIfNeeded();
    for (const [w, h] of [[1440, 900], [1280, 720], [1024, 768]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      await screenshot(page, `seg-compare-${w}x${h}`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('compares a NIfTI label map dropped onto the open series, and refuses files off the CT\'s grid with the reason', async () => {
    const { page } = session.app;
    const g = geometryOf(series.volume);
    const labels = new Uint8Array(g.nx * g.ny * g.nz);
    eroded.slice(0, 3).forEach((s, k) => s.mask.forEach((v, i) => {
      if (v) labels[i] = k + 1;
    }));
    const nifti = path.join(tmp, 'labels.nii.gz');
    await writeFile(nifti, writeNiftiGz({ ...g, data: labels }));
    await dropPaths(page, 'drop-zone', [nifti]);
    const rows = await tableRows(page, 1);
    const theirs = eroded.slice(0, 3).map((s) => ({ name: s.name, code: s.code, mask: s.mask }));
    expectRowsEqual(rows, compareSegmentations(ours, theirs, g));

    const moved = path.join(tmp, 'moved.nii.gz');
    await writeFile(moved, writeNiftiGz({ ...g, originMm: [g.originMm[0] + 3, g.originMm[1], g.originMm[2]], data: labels }));
    const otherFor = path.join(tmp, 'other-frame.dcm');
    const summary = { ...series.summary, firstHeader: { ...series.summary.firstHeader, frameOfReferenceUid: '1.2.826.0.1.3680043.2.1125.1' } };
    await writeFile(otherFor, writeDicomSeg({ source: { geometry: series.volume, summary }, segments: [{ name: 'Right lung', category: exported[0].category, type: exported[0].type, mask: eroded[0].mask }] }));
    await dropPaths(page, 'drop-zone', [moved, otherFor]);
    const refused = page.getByTestId('import-refused');
    await refused.nth(1).waitFor({ timeout: 60_000 });
    const texts = await refused.allInnerTexts();
    expect(texts.find((t) => t.startsWith('moved.nii.gz'))).toMatch(/not lie on the CT's grid: its first voxel is -?3, 0, 0 mm/);
    expect(texts.find((t) => t.startsWith('other-frame.dcm'))).toMatch(/FrameOfReferenceUID 1\.2\.826\.0\.1\.3680043\.2\.1125\.1 is not the CT's/);
    expect(await page.getByTestId('import-entry').count()).toBe(2);
    await refused.last().scrollIntoViewIfNeeded();
    await screenshot(page, 'seg-compare-refused');
  });

  it('logged no errors and made no request to another origin', () => {
    expect(session.app.pageErrors).toEqual([]);
    expect(session.app.foreignRequests).toEqual([]);
  });
});
