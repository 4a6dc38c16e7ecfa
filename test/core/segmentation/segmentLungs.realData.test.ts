import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segmentLungs, segmentLungVariants, type InternalStructuresMask } from '../../../src/core/segmentation/segmentLungs';
import { internalStructures, maskVolumeMl, maskVoxelCount, perSliceCounts } from '../../reference/segmentLungs';
import { LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL, splitAirwayAndLungs } from '../../../src/core/segmentation/splitAirwayAndLungs';
import { voxelToPatientMm, type Mask } from '../../../src/core/volume/volume';
import { loadRealSeries } from '../../helpers/loadSeries';
import {
  describeWithRealData,
  REAL_SERIES,
  readReferenceMask,
  readReferenceSummary,
  type ReferenceSummary,
} from '../../helpers/sharedData';

type RefName = 'lung_fill' | 'lung_nofill' | 'internal';

interface Comparison {
  differing: number;
  /** Differing voxels per slice (our z), only slices with differences. */
  where: Map<number, number>;
  dice: number;
}

/** Voxel-by-voxel comparison; reference slice k(z) holds our slice z. */
function compare(ours: Mask, ref: Uint8Array, kOfZ: number[]): Comparison {
  const plane = ours.nx * ours.ny;
  let differing = 0;
  let both = 0;
  let a = 0;
  let b = 0;
  const where = new Map<number, number>();
  for (let z = 0; z < ours.nz; z++) {
    const o = z * plane;
    const r = kOfZ[z] * plane;
    let d = 0;
    for (let i = 0; i < plane; i++) {
      const x = ours.data[o + i];
      const y = ref[r + i];
      a += x;
      b += y;
      both += x & y;
      if (x !== y) d++;
    }
    if (d > 0) where.set(z, d);
    differing += d;
  }
  return { differing, where, dice: a + b === 0 ? 1 : (2 * both) / (a + b) };
}

describeWithRealData('segmentLungs on the real series equals the reference masks', () => {
  for (const name of REAL_SERIES) {
    describe(name, () => {
      let summary: ReferenceSummary;
      let kOfZ: number[];
      let fill: Mask;
      let noFill: Mask;
      let internal: InternalStructuresMask;
      let cornerFill: Mask;
      let cornerNoFill: Mask;
      const refs = new Map<RefName, Uint8Array>();

      beforeAll(async () => {
        const loaded = await loadRealSeries(name);
        summary = readReferenceSummary(name);
        const { volume } = loaded;
        // Our z order is by position; the reference is in InstanceNumber order.
        kOfZ = loaded.summary.files.map((f) => summary.load.sorted_files.indexOf(f));
        const both = segmentLungVariants(volume);
        fill = both.fill;
        noFill = both.noFill;
        internal = internalStructures(fill, noFill);
        cornerFill = segmentLungs(volume, { fillLungStructures: true, background: 'corner' });
        cornerNoFill = segmentLungs(volume, { fillLungStructures: false, background: 'corner' });
        const voxels = volume.nx * volume.ny * volume.nz;
        for (const r of ['lung_fill', 'lung_nofill', 'internal'] as const) refs.set(r, readReferenceMask(name, r, voxels));
      });
      afterAll(() => refs.clear());

      it('matches the reference grid and slice files', () => {
        expect([fill.nz, fill.ny, fill.nx]).toEqual(summary.dims_zyx);
        expect(kOfZ.every((k) => k >= 0)).toBe(true);
        expect(new Set(kOfZ).size).toBe(fill.nz);
      });

      const cases: Array<[string, () => Mask, RefName, 'lung_fill' | 'lung_nofill' | 'internal']> = [
        ['filled mask', () => fill, 'lung_fill', 'lung_fill'],
        ['unfilled mask', () => noFill, 'lung_nofill', 'lung_nofill'],
        ['internal structures', () => internal, 'internal', 'internal'],
        ["filled mask with the 'corner' background", () => cornerFill, 'lung_fill', 'lung_fill'],
        ["unfilled mask with the 'corner' background", () => cornerNoFill, 'lung_nofill', 'lung_nofill'],
      ];
      for (const [label, get, ref, countKey] of cases) {
        it(`${label}: same voxels as the reference (Dice ≥ 0.999, goal: identical)`, () => {
          const m = get();
          const c = compare(m, refs.get(ref)!, kOfZ);
          expect(c.dice).toBeGreaterThanOrEqual(0.999);
          expect({ differing: c.differing, where: [...c.where].slice(0, 10) }).toEqual({ differing: 0, where: [] });
          expect(maskVoxelCount(m)).toBe(summary.voxel_counts[countKey]);
          const perSlice = perSliceCounts(m);
          const refPerSlice = summary.per_slice_counts[countKey];
          const ourInRefOrder = new Array<number>(m.nz);
          for (let z = 0; z < m.nz; z++) ourInRefOrder[kOfZ[z]] = perSlice[z];
          expect(ourInRefOrder).toEqual(refPerSlice);
        });
      }

      it('never has a voxel in the unfilled mask outside the filled one', () => {
        expect(internal.minusOneVoxels).toBe(0);
      });

      it('lung volumes in mL are within 0.1 % of the reference', () => {
        const rel = (a: number, b: number) => Math.abs(a - b) / b;
        expect(rel(maskVolumeMl(fill), summary.lung_volume_ml.fill)).toBeLessThan(1e-3);
        expect(rel(maskVolumeMl(noFill), summary.lung_volume_ml.nofill)).toBeLessThan(1e-3);
        expect(rel(maskVolumeMl(internal), summary.lung_volume_ml.internal)).toBeLessThan(1e-3);
      });

      it('splits the filled mask into an airway from the top slice and two lungs of 35–65 % each', () => {
        const r = splitAirwayAndLungs(fill);
        if (!r.ok) throw new Error(r.reason);
        const lungs = r.leftLungMl + r.rightLungMl;
        expect(r.leftLungMl / lungs).toBeGreaterThan(0.35);
        expect(r.leftLungMl / lungs).toBeLessThan(0.65);
        expect(r.airwayMl).toBeGreaterThan(0);
        expect(r.airwayMl / maskVolumeMl(fill)).toBeLessThan(0.02);
        expect(r.airwaySlices?.[1]).toBe(fill.nz - 1);
        expect(r.airwayMl + lungs).toBeCloseTo(maskVolumeMl(fill), 6);
        // Independently: the left lung's centroid is at larger patient x (LPS +x = left).
        const sum = [0, 0, 0, 0];
        const cnt = [0, 0, 0, 0];
        const { nx, ny } = fill;
        for (let i = 0; i < r.labels.length; i += 7) {
          const l = r.labels[i];
          if (l !== LEFT_LUNG_LABEL && l !== RIGHT_LUNG_LABEL) continue;
          const x = i % nx;
          const y = Math.floor(i / nx) % ny;
          const z = Math.floor(i / (nx * ny));
          sum[l] += voxelToPatientMm(fill, x, y, z)[0];
          cnt[l]++;
        }
        expect(sum[LEFT_LUNG_LABEL] / cnt[LEFT_LUNG_LABEL]).toBeGreaterThan(sum[RIGHT_LUNG_LABEL] / cnt[RIGHT_LUNG_LABEL] + 50);
      });
    });
  }
});
