import { describe, expect, it } from 'vitest';
import { segmentLungs, segmentLungVariants, superiorSliceIndex } from '../../../src/core/segmentation/segmentLungs';
import { internalStructures, lungOnlyHu, maskVolumeMl, maskVoxelCount, perSliceCounts } from '../../reference/segmentLungs';
import type { Mask, Volume } from '../../../src/core/volume/volume';
import { makeChest, truthMask, TRUTH } from './chestPhantom';
import { naiveSegmentLungMask } from './naiveReference';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { runsFromMask, runVoxelCount } from '../../../src/core/segmentation/runs';

const rng = mulberry32;

/** Random "body with air pockets": boxes of air and tissue, salt noise, sometimes a tray. */
function randomBody(seed: number): Volume {
  const r = rng(seed);
  const nx = 12 + Math.floor(r() * 20);
  const ny = 10 + Math.floor(r() * 16);
  const nz = 3 + Math.floor(r() * 9);
  const hu = new Int16Array(nx * ny * nz).fill(-1000);
  const box = (x0: number, x1: number, y0: number, y1: number, z0: number, z1: number, v: number) => {
    for (let z = Math.max(0, z0); z <= Math.min(nz - 1, z1); z++)
      for (let y = Math.max(0, y0); y <= Math.min(ny - 1, y1); y++)
        for (let x = Math.max(0, x0); x <= Math.min(nx - 1, x1); x++) hu[x + y * nx + z * nx * ny] = v;
  };
  box(2, nx - 3, 2, ny - 3, 0, nz - 1, 40);
  const boxes = 2 + Math.floor(r() * 7);
  for (let b = 0; b < boxes; b++) {
    const x0 = Math.floor(r() * nx);
    const y0 = Math.floor(r() * ny);
    const z0 = Math.floor(r() * nz);
    box(x0, x0 + Math.floor(r() * 8), y0, y0 + Math.floor(r() * 8), z0, z0 + Math.floor(r() * 5), r() < 0.65 ? -850 : 30);
  }
  const salt = r() * 0.08;
  for (let i = 0; i < hu.length; i++) if (r() < salt) hu[i] = hu[i] < -700 ? 50 : -900;
  if (r() < 0.3) box(0, nx - 1, ny - 2, ny - 2, 0, nz - 1, 100);
  if (r() < 0.2) hu[0 + 0 * nx + (nz - 1) * nx * ny] = 100; // tissue in the seed's corner voxel
  return { nx, ny, nz, spacingMmXyz: [0.7, 0.7, 2.5], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], hu };
}

function diffCount(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Voxel-by-voxel equality (toEqual on large typed arrays is slow). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  expect(diffCount(got, want)).toBe(0);
}

describe('segmentLungs equals a transcription of the seed on random bodies', () => {
  for (const background of ['corner', 'border'] as const) {
    for (const fill of [false, true]) {
      it(`${background} background, fillLungStructures ${fill}`, () => {
        for (let s = 1; s <= 60; s++) {
          const v = randomBody(s * 31 + (fill ? 7 : 0) + (background === 'border' ? 1000 : 0));
          const threshold = s % 5 === 0 ? -400 : -700;
          const got = segmentLungs(v, { fillLungStructures: fill, background, thresholdHu: threshold }).data;
          const want = naiveSegmentLungMask(v.hu, v, fill, background, threshold);
          if (diffCount(got, want) !== 0) throw new Error(`seed ${s}: ${diffCount(got, want)} voxels differ`);
        }
      });
    }
  }
});

describe('segmentLungs on a box-shaped chest', () => {
  const { volume, truth } = makeChest();

  it('without filling: both lungs and the airway, no vessel, wall nodule, gas pocket or outside air', () => {
    const m = segmentLungs(volume, { fillLungStructures: false });
    expectSame(m.data, truthMask(truth, [TRUTH.airway, TRUTH.rightLung, TRUTH.leftLung]));
    expect([m.nx, m.ny, m.nz]).toEqual([volume.nx, volume.ny, volume.nz]);
    expect(m.spacingMmXyz).toEqual(volume.spacingMmXyz);
  });

  it('with filling: also the vessel enclosed by lung in each slice, but not the nodule touching the wall', () => {
    const m = segmentLungs(volume, { fillLungStructures: true });
    expectSame(m.data, truthMask(truth, [TRUTH.airway, TRUTH.rightLung, TRUTH.leftLung, TRUTH.vessel]));
  });

  it('fill and no-fill differ exactly at the vessel (internal structures)', () => {
    const { fill, noFill } = segmentLungVariants(volume);
    const internal = internalStructures(fill, noFill);
    expectSame(internal.data, truthMask(truth, [TRUTH.vessel]));
    expect(internal.minusOneVoxels).toBe(0);
    expect(maskVoxelCount(internal)).toBe(2 * 2 * 11);
  });

  it('segmentLungVariants gives the same masks as two segmentLungs calls', () => {
    const both = segmentLungVariants(volume, { thresholdHu: -600 });
    expectSame(both.fill.data, segmentLungs(volume, { fillLungStructures: true, thresholdHu: -600 }).data);
    expectSame(both.noFill.data, segmentLungs(volume, { fillLungStructures: false, thresholdHu: -600 }).data);
  });

  it('segmentLungVariants with withRuns returns maximal runs that paint exactly the two masks (and no runs without it)', () => {
    const both = segmentLungVariants(volume, { withRuns: true });
    expect(segmentLungVariants(volume).runs).toBeUndefined();
    const runs = both.runs;
    expect(runs).toBeDefined();
    if (!runs) return;
    for (const [r, m] of [[runs.fill, both.fill], [runs.noFill, both.noFill]] as const) {
      const fromMask = runsFromMask(m.data, m);
      expect(r.count).toBe(fromMask.count);
      expect(r.rowStart).toEqual(fromMask.rowStart);
      expect(r.x0.subarray(0, r.count)).toEqual(fromMask.x0.subarray(0, r.count));
      expect(r.x1.subarray(0, r.count)).toEqual(fromMask.x1.subarray(0, r.count));
    }
    expect(runVoxelCount(runs.fill)).toBeGreaterThan(runVoxelCount(runs.noFill));
    // The sizes of the kept components are the masks' voxel counts.
    expect(runs.voxels).toEqual({ fill: maskVoxelCount(both.fill), noFill: maskVoxelCount(both.noFill) });
  });

  it('the threshold decides what is air: at -900 the -850 HU lungs are tissue and only the airway is left', () => {
    const m = segmentLungs(volume, { fillLungStructures: false, thresholdHu: -900 });
    expectSame(m.data, truthMask(truth, [TRUTH.airway, TRUTH.rightLung, TRUTH.leftLung]).map((v, i) => (v && volume.hu[i] < -900 ? 1 : 0)));
  });

  it('does not modify the volume', () => {
    const copy = volume.hu.slice();
    segmentLungVariants(volume);
    expectSame(volume.hu, copy);
  });

  it('a volume without air gives an empty mask; a volume of air only is all outside', () => {
    const solid: Volume = { ...volume, hu: new Int16Array(volume.hu.length).fill(40) };
    expect(maskVoxelCount(segmentLungs(solid, { fillLungStructures: true }))).toBe(0);
    const air: Volume = { ...volume, hu: new Int16Array(volume.hu.length).fill(-1000) };
    for (const background of ['corner', 'border'] as const) {
      expect(maskVoxelCount(segmentLungs(air, { fillLungStructures: false, background }))).toBe(0);
      expect(maskVoxelCount(segmentLungs(air, { fillLungStructures: true, background }))).toBe(0);
    }
  });
});

describe('segmentLungs background choice', () => {
  it("a tray that cuts the outside air: 'corner' keeps the air under it as lung, 'border' does not", () => {
    const { volume, truth } = makeChest({ tray: true });
    const lungs = truthMask(truth, [TRUTH.airway, TRUTH.rightLung, TRUTH.leftLung]);
    const under = truthMask(truth, [TRUTH.underTray]);
    for (const fill of [false, true]) {
      const border = segmentLungs(volume, { fillLungStructures: fill, background: 'border' });
      expectSame(border.data, fill ? truthMask(truth, [TRUTH.airway, TRUTH.rightLung, TRUTH.leftLung, TRUTH.vessel]) : lungs);
      const corner = segmentLungs(volume, { fillLungStructures: fill, background: 'corner' });
      // The air under the tray is the largest "air pocket" in the seed's terms.
      expectSame(corner.data, under);
      expectSame(corner.data, naiveSegmentLungMask(volume.hu, volume, fill, 'corner'));
    }
  });

  it("'corner' uses the most superior slice: reversing z together with the slice direction reverses the masks", () => {
    // Put tissue in the corner of the top slice only, so the two corners differ.
    const { volume } = makeChest({ tray: true });
    const { nx, ny, nz } = volume;
    const plane = nx * ny;
    const rev = new Int16Array(volume.hu.length);
    for (let z = 0; z < nz; z++) rev.set(volume.hu.subarray(z * plane, (z + 1) * plane), (nz - 1 - z) * plane);
    const flipped: Volume = { ...volume, hu: rev, directionXyz: [[1, 0, 0], [0, -1, 0], [0, 0, -1]] };
    expect(superiorSliceIndex(volume)).toBe(nz - 1);
    expect(superiorSliceIndex(flipped)).toBe(0);
    for (const background of ['corner', 'border'] as const) {
      const a = segmentLungs(volume, { fillLungStructures: true, background }).data;
      const b = segmentLungs(flipped, { fillLungStructures: true, background }).data;
      const bBack = new Uint8Array(b.length);
      for (let z = 0; z < nz; z++) bBack.set(b.subarray(z * plane, (z + 1) * plane), (nz - 1 - z) * plane);
      expectSame(bBack, a);
    }
  });
});

describe('segmentLungs progress and cancellation', () => {
  const { volume } = makeChest();

  it('reports increasing fractions from 0 to 1 with stage names', () => {
    const seen: Array<[number, string]> = [];
    segmentLungVariants(volume, { onProgress: (f, s) => seen.push([f, s]) });
    expect(seen[0][0]).toBe(0);
    expect(seen[seen.length - 1][0]).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
    expect(seen.every(([, s]) => s.length > 0)).toBe(true);
  });

  it('throws an AbortError when the signal is already aborted', () => {
    expect(() => segmentLungs(volume, { fillLungStructures: true, signal: { aborted: true } })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
  });

  it('stops at the next check when aborted during a run', () => {
    const signal = { aborted: false };
    const stages: string[] = [];
    const run = () =>
      segmentLungs(volume, {
        fillLungStructures: true,
        signal,
        onProgress: (f, s) => {
          stages.push(s);
          if (f > 0) signal.aborted = true;
        },
      });
    expect(run).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(stages).toHaveLength(2);
  });
});

describe('mask helpers', () => {
  const g = { nx: 4, ny: 3, nz: 2, spacingMmXyz: [0.5, 2, 3] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as Volume['directionXyz'] };
  const mask = (bits: number[]): Mask => ({ ...g, data: Uint8Array.from(bits) });

  it('internalStructures is fill minus noFill and counts voxels where that would be -1', () => {
    const fill = mask([1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const noFill = mask([1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    const internal = internalStructures(fill, noFill);
    expect(Array.from(internal.data)).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(internal.minusOneVoxels).toBe(2);
    expect(() => internalStructures(fill, { ...noFill, nz: 1, data: new Uint8Array(12) })).toThrow(RangeError);
  });

  it('lungOnlyHu keeps HU inside the mask and sets 0 elsewhere', () => {
    const hu = Int16Array.from({ length: 24 }, (_, i) => -1000 + i * 50);
    const v: Volume = { ...g, hu };
    const m = mask(Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
    const out = lungOnlyHu(v, m);
    for (let i = 0; i < 24; i++) expect(out[i]).toBe(i % 3 === 0 ? hu[i] : 0);
    expect(hu[1]).toBe(-950);
  });

  it('maskVolumeMl is voxels × spacing product / 1000 and perSliceCounts counts per z', () => {
    const m = mask([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(maskVolumeMl(m)).toBeCloseTo((7 * 0.5 * 2 * 3) / 1000, 12);
    expect(Array.from(perSliceCounts(m))).toEqual([3, 4]);
  });
});
