/**
 * analyze on real series changed in ONE way with pydicom (seriesVariant.py):
 * the numbers come with geometryTrusted false and the reason, where they
 * used to be printed as if they were right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAnalyze, type AnalyzeReport } from '../../src/cli/analyze';
import { describeWithRealData, seriesDir } from '../helpers/sharedData';
import { captureIo } from './captureIo';
import { makeSeriesVariant } from './cliProcess';

async function analyze(folder: string, json: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo();
  const code = await runAnalyze(json ? [folder, '--json'] : [folder], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describeWithRealData('analyze says when its numbers cannot be trusted (real series, one thing changed)', () => {
  const src = seriesDir('lung-pet-ct-dx-a0001');
  let root = '';
  let whole: AnalyzeReport;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'lungview-trust-'));
    whole = JSON.parse((await analyze(src, true)).stdout) as AnalyzeReport;
  }, 120_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the series as it is: trusted, no reasons, lungs about a fifth of the body and away from the border', () => {
    expect(whole.geometryTrusted).toBe(true);
    expect(whole.trust.reasons).toEqual([]);
    expect(whole.warnings).toEqual([]);
    const f = whole.trust.field;
    expect(f.lungVoxels).toBe(whole.voxels.lungFill);
    expect(f.lungVoxels / f.bodyVoxels).toBeGreaterThan(0.15);
    expect(f.lungBoundaryOnBorder).toBe(0);
  });

  it('the right half of the columns only (the cut runs through the trachea): lungsTiny', async () => {
    const dir = makeSeriesVariant(src, path.join(root, 'crop-right'), 'crop-right');
    const report = JSON.parse((await analyze(dir, true)).stdout) as AnalyzeReport;
    expect(report.dimsZyx).toEqual([64, 512, 256]);
    expect(report.geometryTrusted).toBe(false);
    expect(report.trust.problems).toEqual(['lungsTiny']);
  }, 120_000);

  it('the middle half of the columns only (the field of view cuts both lungs): lungsTiny, NOT TRUSTED in the text', async () => {
    const dir = makeSeriesVariant(src, path.join(root, 'crop-centre'), 'crop-centre');
    const r = await analyze(dir, true);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as AnalyzeReport;
    expect(report.dimsZyx).toEqual([64, 512, 256]);
    // What was measured is an air pocket, not the lungs.
    expect(report.lungMl.fill).toBeLessThan(0.05 * whole.lungMl.fill);
    expect(report.geometryTrusted).toBe(false);
    expect(report.trust.problems).toEqual(['lungsTiny']);
    expect(r.stderr).toMatch(/warning: not trusted: the lung mask is .* of the body/);
    const text = await analyze(dir, false);
    expect(text.stdout).toMatch(/NOT TRUSTED: the volumes, meshes and areas below may be wrong:\n {2}- the lung mask is/);
  }, 120_000);

  it('one slice: singleSlice, with the series warning', async () => {
    const dir = makeSeriesVariant(src, path.join(root, 'one-slice'), 'one-slice');
    const report = JSON.parse((await analyze(dir, true)).stdout) as AnalyzeReport;
    expect(report.dimsZyx[0]).toBe(1);
    expect(report.geometryTrusted).toBe(false);
    expect(report.trust.problems).toContain('singleSlice');
    expect(report.warnings.some((w) => /single slice/.test(w))).toBe(true);
  }, 120_000);

  it('the middle third of the slices missing: gap, and the warning says how many', async () => {
    const dir = makeSeriesVariant(src, path.join(root, 'gaps'), 'gaps');
    const report = JSON.parse((await analyze(dir, true)).stdout) as AnalyzeReport;
    expect(report.dimsZyx[0]).toBe(64 - Math.floor(64 / 3));
    expect(report.geometryTrusted).toBe(false);
    expect(report.trust.problems).toContain('gap');
    expect(report.warnings.some((w) => /gap in the slice positions, about \d+ slice\(s\) missing/.test(w))).toBe(true);
  }, 120_000);

  const geometryCases: ['tilt' | 'uneven' | 'no-positions', string, RegExp][] = [
    ['no-positions', 'noPositions', /ImagePositionPatient missing on 64 of 64 slices/],
    ['tilt', 'tilt', /not orthogonal to the slice planes \(15\.0°/],
    ['uneven', 'uneven', /uneven slice spacing: 31 step\(s\) between 6\.5 and 6\.5 mm/],
  ];
  for (const [kind, problem, warning] of geometryCases) {
    it(`${kind}: the same images and the same mL, now flagged ${problem} with the warning`, async () => {
      const dir = makeSeriesVariant(src, path.join(root, kind), kind);
      const report = JSON.parse((await analyze(dir, true)).stdout) as AnalyzeReport;
      expect(report.voxels).toEqual(whole.voxels);
      expect(report.geometryTrusted).toBe(false);
      expect(report.trust.problems).toEqual([problem]);
      expect(report.warnings.some((w) => warning.test(w))).toBe(true);
    }, 120_000);
  }
});
