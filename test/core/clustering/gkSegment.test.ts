import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gkSegment, gkSegmentSlices, gkSegmentVolume, minLabelVolume } from '../../../src/core/clustering/gkSegment';
import { valueHistogram } from '../../../src/core/clustering/gustafsonKessel';
import { dirichletOnes } from '../../../src/core/random/dirichlet';
import { Mt19937 } from '../../../src/core/random/mt19937';
import { loadRealSeries } from '../../helpers/loadSeries';
import { describeWithRealData, readReferenceMask, readReferenceSummary, REAL_SERIES } from '../../helpers/sharedData';
import { literalGk1d, literalKeep, syntheticSlice } from './gkTestUtils';

describe('minLabelVolume', () => {
  it('returns the value with the fewest pixels, the smallest value on ties', () => {
    expect(minLabelVolume([-800, -500, 0], [100, 20, 300])).toBe(-500);
    expect(minLabelVolume([-800, -500, 0], [20, 20, 300])).toBe(-800);
    expect(minLabelVolume([10, -3], [5, 5])).toBe(-3);
  });

  it('merges clusters whose truncated centres are equal and ignores empty clusters', () => {
    // -500 appears twice (10 + 15 = 25 pixels), so -800 (20) is the smallest
    expect(minLabelVolume([-800, -500, -500, 0], [20, 10, 15, 300])).toBe(-800);
    expect(minLabelVolume([-800, -700, 0], [20, 0, 300])).toBe(-800);
  });
});

describe('gkSegment', () => {
  it('keeps the cluster with the fewest pixels exactly as the literal seed algorithm does', () => {
    for (const seed of [1, 2, 5]) {
      const img = syntheticSlice(2500, seed);
      const lit = literalGk1d(img, 5, 0);
      const keep = literalKeep(lit.centers, lit.labels);
      const r = gkSegment(img);
      expect(r.centersTruncated).toEqual(Array.from(lit.centers, (c) => Math.trunc(c) + 0));
      expect(r.keptValue).toBe(keep.keptValue);
      expect(Array.from(r.mask)).toEqual(Array.from(keep.mask));
      expect(r.keptPixels).toBe(keep.mask.reduce((a, b) => a + b, 0));
      expect(r.pixelsPerCluster.reduce((a, b) => a + b, 0)).toBe(img.length);
      expect(r.iterations).toBe(lit.iterations);
    }
  });

  it('truncates centres toward zero (a centre of -0.14 HU is 0, -512.9 is -512)', () => {
    const img = syntheticSlice(3000, 8);
    const r = gkSegment(img);
    r.centers.forEach((c, i) => expect(r.centersTruncated[i]).toBe(c < 0 ? Math.ceil(c) + 0 : Math.floor(c)));
  });

  it('keeps nothing on a slice without lung (all 0 HU), where the seed would mark every pixel', () => {
    const r = gkSegment(new Int16Array(1024));
    expect(r.keptValue).toBeNaN();
    expect(r.keptPixels).toBe(0);
    expect(r.mask.every((v) => v === 0)).toBe(true);
    // One other value is enough to cluster again.
    const two = new Int16Array(1024);
    two.fill(-800, 0, 100);
    expect(gkSegment(two).keptPixels).toBe(100);
  });

  it('gkSegmentSlices runs gkSegment per slice of a range (zTo exclusive) and reports progress', () => {
    const nx = 40;
    const ny = 30;
    const vol = new Int16Array(nx * ny * 4);
    for (let z = 0; z < 4; z++) vol.set(syntheticSlice(nx * ny, 20 + z), z * nx * ny);
    const progress: Array<[number, number]> = [];
    const r = gkSegmentSlices(vol, nx, ny, 1, 4, {}, (d, t) => progress.push([d, t]));
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(r.mask.length).toBe(nx * ny * 3);
    for (let z = 1; z < 4; z++) {
      const one = gkSegment(vol.subarray(z * nx * ny, (z + 1) * nx * ny));
      expect(Array.from(r.mask.subarray((z - 1) * nx * ny, z * nx * ny))).toEqual(Array.from(one.mask));
      expect(r.slices[z - 1].z).toBe(z);
      expect(r.slices[z - 1].centers).toEqual(one.centers);
    }
    expect(() => gkSegmentSlices(vol, nx, ny, 2, 5)).toThrow(RangeError);
  });

  it('gkSegmentVolume clusters only voxels inside the mask, from a per-value start', () => {
    const n = 3000;
    const hu = syntheticSlice(n, 31);
    const g = new Mt19937(99);
    const lung = Uint8Array.from(hu, (v) => (v !== 0 || g.nextDouble() < 0.05 ? 1 : 0));
    const r = gkSegmentVolume(hu, lung, { seed: 3 });

    // literal per-voxel GK on the inside voxels, each starting from its value's draws
    const inside = hu.filter((_, i) => lung[i] === 1);
    const h = valueHistogram(inside);
    const B = h.binValues.length;
    const u0bins = dirichletOnes(new Mt19937(3), B, 5);
    const u0 = new Float64Array(5 * inside.length);
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < inside.length; k++) u0[i * inside.length + k] = u0bins[i * B + h.binOfValue[inside[k] - h.minValue]];
    }
    const lit = literalGk1d(inside, 5, 0, 100, 1e-6, u0);
    const keep = literalKeep(lit.centers, lit.labels);
    expect(r.voxelsClustered).toBe(inside.length);
    expect(r.iterations).toBe(lit.iterations);
    r.centers.forEach((c, i) => expect(c).toBeCloseTo(lit.centers[i], 8));
    expect(r.keptValue).toBe(keep.keptValue);
    const expected = new Uint8Array(n);
    let j = 0;
    for (let i = 0; i < n; i++) if (lung[i]) expected[i] = keep.mask[j++];
    expect(Array.from(r.mask)).toEqual(Array.from(expected));
  });
});

describeWithRealData('gkSegment against the reference (15 slices of 3 series)', () => {
  for (const name of REAL_SERIES) {
    it(`${name}: centres, iterations, pixels per cluster, kept value, kept pixels and the GK images match`, async () => {
      const series = await loadRealSeries(name);
      const ref = readReferenceSummary(name);
      const { nx, ny, nz, hu } = series.volume;
      const sliceSize = nx * ny;
      const fill = readReferenceMask(name, 'lung_fill', sliceSize * nz);
      const gkImages = readReferenceMask(name, 'gk', sliceSize * 5);
      const ourZ = new Map(series.summary.files.map((f, z) => [path.basename(f), z]));

      // lung-only HU in our z order: HU inside the reference's filled lung mask, else 0
      const lungOnly = new Int16Array(sliceSize * nz);
      const zOfRef: number[] = [];
      for (let k = 0; k < nz; k++) {
        const z = ourZ.get(path.basename(ref.load.sorted_files[k]));
        expect(z).toBeDefined();
        zOfRef.push(z!);
        for (let i = 0; i < sliceSize; i++) if (fill[k * sliceSize + i]) lungOnly[z! * sliceSize + i] = hu[z! * sliceSize + i];
      }

      const zs = ref.gk.slices.map((k) => zOfRef[k]);
      const zFrom = Math.min(...zs);
      const run = gkSegmentSlices(lungOnly, nx, ny, zFrom, Math.max(...zs) + 1);
      expect(run.slices.length).toBe(5);
      ref.gk.per_slice.forEach((expected, j) => {
        const z = zOfRef[expected.slice];
        const got = run.slices[z - zFrom];
        expect(got.z).toBe(z);
        got.centers.forEach((c, i) => expect(Math.abs(c - expected.centers[i])).toBeLessThan(1e-9 * Math.abs(expected.centers[i]) + 1e-9));
        expect(got.centersTruncated).toEqual(expected.centers_truncated);
        expect(got.iterations).toBe(expected.iterations);
        expect(got.pixelsPerCluster).toEqual((expected as unknown as { pixels_per_cluster: number[] }).pixels_per_cluster);
        expect(got.keptValue).toBe(expected.kept_value);
        expect(got.keptPixels).toBe(expected.kept_pixels);
        const lastDelta = (expected as unknown as { last_delta: number }).last_delta;
        expect(Math.abs(got.lastDelta - lastDelta)).toBeLessThan(1e-6 * lastDelta);
        const mask = run.mask.subarray((z - zFrom) * sliceSize, (z - zFrom + 1) * sliceSize);
        let differ = 0;
        for (let i = 0; i < sliceSize; i++) if (mask[i] !== gkImages[j * sliceSize + i]) differ++;
        expect(differ).toBe(0);
      });
      expect(run.slices.map((s) => s.keptPixels).sort()).toEqual([...ref.gk.kept_pixels].sort());

      // whole-volume variant: inside the lung only, smallest cluster kept
      const lungMask = new Uint8Array(sliceSize * nz);
      for (let k = 0; k < nz; k++) lungMask.set(fill.subarray(k * sliceSize, (k + 1) * sliceSize), zOfRef[k] * sliceSize);
      const vol = gkSegmentVolume(hu, lungMask);
      expect(vol.voxelsClustered).toBe(ref.voxel_counts.lung_fill);
      let outside = 0;
      for (let i = 0; i < lungMask.length; i++) if (vol.mask[i] && !lungMask[i]) outside++;
      expect(outside).toBe(0);
      const perValue = new Map<number, number>();
      vol.centersTruncated.forEach((v, i) => perValue.set(v, (perValue.get(v) ?? 0) + vol.pixelsPerCluster[i]));
      expect(vol.keptPixels).toBe(Math.min(...perValue.values()));
    });
  }
});
