/**
 * The inclusive lung mask gives exactly what its straightforward reference
 * (inclusiveLungsReference.ts) gives: the same runs, voxel counts, voxels
 * added per slice and notes, on the pathology phantom (clean and noisy,
 * with effusion left out and included, with other parameters) and on the
 * three real series; the field-of-view check the same result as its
 * reference, on whole and cropped volumes.
 */
import { describe, expect, it } from 'vitest';
import { segmentStage } from '../../../src/core/analysis/stages';
import { makePathologyPhantom } from '../../../src/core/io/pathologyPhantom';
import { inclusiveLungRuns, lungsCutByFieldOfView, type InclusiveLungParams, type InclusiveLungResult } from '../../../src/core/segmentation/inclusiveLungs';
import type { RunSet } from '../../../src/core/segmentation/runs';
import type { Volume } from '../../../src/core/volume/volume';
import { loadRealSeries } from '../../helpers/loadSeries';
import { describeWithRealData, REAL_SERIES } from '../../helpers/sharedData';
import { inclusiveLungRunsReference, lungsCutByFieldOfViewReference } from './inclusiveLungsReference';

const SEG = { thresholdHu: -700, background: 'border' as const };

/** The runs actually used (the arrays may be longer than count). */
function runsOf(r: RunSet): { rowStart: number[]; x0: number[]; x1: number[] } {
  return { rowStart: Array.from(r.rowStart), x0: Array.from(r.x0.subarray(0, r.count)), x1: Array.from(r.x1.subarray(0, r.count)) };
}

function expectSame(volume: Volume, fill: RunSet, params: InclusiveLungParams): InclusiveLungResult {
  const want = inclusiveLungRunsReference(volume, fill, params);
  const got = inclusiveLungRuns(volume, fill, params);
  expect(got.voxels).toEqual(want.voxels);
  expect(Array.from(got.addedPerSlice)).toEqual(Array.from(want.addedPerSlice));
  expect(got.notes).toEqual(want.notes);
  expect(got.runs.count).toBe(want.runs.count);
  // Compared as arrays only when they differ: a mismatch names the first row.
  const a = runsOf(got.runs);
  const b = runsOf(want.runs);
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a).toEqual(b);
  return got;
}

describe('inclusive lung mask: the same as its reference', () => {
  const cases: Array<[string, { noiseHu?: number; seed?: number; pixelMm?: number }, InclusiveLungParams[]]> = [
    ['the pathology phantom', {}, [{}, { effusion: 'include' }]],
    ['the phantom with 40 HU of noise', { noiseHu: 40, seed: 7 }, [{}, { effusion: 'include' }, { angleBins: 180, windowMm: 6, wallMarginMm: 0 }]],
    ['the phantom at 1.2 mm with 25 HU of noise', { noiseHu: 25, seed: 3, pixelMm: 1.2 }, [{ maxDepthMm: 25, effusionHu: [-40, 30] }]],
  ];
  for (const [name, phantom, paramSets] of cases) {
    it(`${name}: same runs, counts and notes`, () => {
      const { volume } = makePathologyPhantom(phantom);
      const fill = segmentStage(volume, SEG).runs.fill;
      for (const params of paramSets) {
        const r = expectSame(volume, fill, params);
        // The case exercises the additions (and the effusion left out, where it is).
        expect(r.voxels.added).toBeGreaterThan(0);
        if (params.effusion !== 'include') expect(r.voxels.effusionExcluded).toBeGreaterThan(0);
      }
    });
  }
});

/** The volume's first nx1 columns and ny1 rows. */
function cropTo(v: Volume, nx1: number, ny1: number): Volume {
  const hu = new Int16Array(nx1 * ny1 * v.nz);
  for (let z = 0; z < v.nz; z++) {
    for (let y = 0; y < ny1; y++) hu.set(v.hu.subarray((z * v.ny + y) * v.nx, (z * v.ny + y) * v.nx + nx1), (z * ny1 + y) * nx1);
  }
  return { ...v, nx: nx1, ny: ny1, hu };
}

describe('field of view: the same as its reference', () => {
  it('on the phantom whole and cropped through a lung (columns, rows), with the filled mask and without', () => {
    const { volume } = makePathologyPhantom({ noiseHu: 25, seed: 5 });
    let cut = 0;
    for (const [nx1, ny1] of [[volume.nx, volume.ny], [70, volume.ny], [volume.nx, 90], [150, 130]]) {
      const v = cropTo(volume, nx1, ny1);
      const fill = segmentStage(v, SEG).runs.fill;
      for (const f of [fill, null]) {
        const want = lungsCutByFieldOfViewReference(v, f);
        expect(lungsCutByFieldOfView(v, f)).toEqual(want);
        if (want.borderAreaMm2 > 0) cut++;
      }
    }
    // The crops put lung on the border.
    expect(cut).toBeGreaterThanOrEqual(3);
  });
});

describeWithRealData('inclusive lung mask on the real series: the same as its reference', () => {
  for (const name of REAL_SERIES) {
    it(`${name}: same runs, counts and notes, effusion left out and included, same field-of-view result`, async () => {
      const { volume } = await loadRealSeries(name);
      const fill = segmentStage(volume, SEG).runs.fill;
      for (const params of [{}, { effusion: 'include' as const }]) expectSame(volume, fill, params);
      expect(lungsCutByFieldOfView(volume, fill)).toEqual(lungsCutByFieldOfViewReference(volume, fill));
    }, 120_000);
  }
});
