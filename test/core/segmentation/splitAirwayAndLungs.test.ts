import { describe, expect, it } from 'vitest';
import { segmentLungVariants } from '../../../src/core/segmentation/segmentLungs';
import {
  AIRWAY_LABEL,
  LEFT_LUNG_LABEL,
  RIGHT_LUNG_LABEL,
  splitAirwayAndLungs,
  splitAirwayAndLungsOfRuns,
} from '../../../src/core/segmentation/splitAirwayAndLungs';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import { geometryOf, type Mask } from '../../../src/core/volume/volume';
import { makeChest, TRUTH, type ChestOptions } from './chestPhantom';

const VOXEL_ML = (2.5 * 2.5 * 5) / 1000;

function masksOf(opts: ChestOptions) {
  const { volume, truth } = makeChest(opts);
  return { ...segmentLungVariants(volume), truth, volume };
}

/** Voxels whose split label differs from the label expected from the truth. */
function mismatches(labels: Uint8Array, truth: Uint8Array, expected: (t: number, i: number) => number): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== expected(truth[i], i)) n++;
  return n;
}

describe('splitAirwayAndLungs on a box-shaped chest', () => {
  it('separates trachea and main bronchi from the two lungs, left = patient left (+x)', () => {
    const { fill, truth } = masksOf({});
    const r = splitAirwayAndLungs(fill);
    if (!r.ok) throw new Error(r.reason);
    const want = (t: number) =>
      t === TRUTH.airway ? AIRWAY_LABEL
      : t === TRUTH.rightLung || t === TRUTH.vessel ? RIGHT_LUNG_LABEL
      : t === TRUTH.leftLung ? LEFT_LUNG_LABEL
      : 0;
    expect(mismatches(r.labels, truth, want)).toBe(0);
    const count = (codes: number[]) => truth.filter((t) => codes.includes(t)).length;
    expect(r.airwayVoxels).toBe(6 * 6 * 14 + 2 * 4 * 6);
    expect(r.rightLungVoxels).toBe(count([TRUTH.rightLung, TRUTH.vessel]));
    expect(r.leftLungVoxels).toBe(22 * 28 * 21 + 5 * 6);
    expect(r.airwayMl).toBeCloseTo(r.airwayVoxels * VOXEL_ML, 9);
    expect(r.leftLungMl).toBeCloseTo(r.leftLungVoxels * VOXEL_ML, 9);
    expect(r.rightLungMl).toBeCloseTo(r.rightLungVoxels * VOXEL_ML, 9);
    expect(r.airwaySlices).toEqual([15, 29]);
    expect(r.erosionMm).toBe(0);
  });

  it('works on the unfilled mask too (the vessel stays outside both lungs)', () => {
    const { noFill, truth } = masksOf({});
    const r = splitAirwayAndLungs(noFill);
    if (!r.ok) throw new Error(r.reason);
    const want = (t: number) =>
      t === TRUTH.airway ? AIRWAY_LABEL : t === TRUTH.rightLung ? RIGHT_LUNG_LABEL : t === TRUTH.leftLung ? LEFT_LUNG_LABEL : 0;
    expect(mismatches(r.labels, truth, want)).toBe(0);
  });

  it('left and right follow the patient axes, not the index order', () => {
    const { fill, truth } = masksOf({ flipXY: true });
    expect(fill.directionXyz[0]).toEqual([-1, 0, 0]);
    const r = splitAirwayAndLungs(fill);
    if (!r.ok) throw new Error(r.reason);
    // With +x index pointing to the patient's right, the low-x box is the left lung.
    const want = (t: number) =>
      t === TRUTH.airway ? AIRWAY_LABEL
      : t === TRUTH.rightLung || t === TRUTH.vessel ? LEFT_LUNG_LABEL
      : t === TRUTH.leftLung ? RIGHT_LUNG_LABEL
      : 0;
    expect(mismatches(r.labels, truth, want)).toBe(0);
  });

  it('cuts a thin bridge between the lungs by erosion and gives each half of it to the nearer lung', () => {
    const { fill, truth } = masksOf({ bridge: 'thin' });
    const r = splitAirwayAndLungs(fill);
    if (!r.ok) throw new Error(r.reason);
    expect(r.erosionMm).toBeCloseTo(2.5, 9);
    const nx = fill.nx;
    const want = (t: number, i: number) =>
      t === TRUTH.airway ? AIRWAY_LABEL
      : t === TRUTH.rightLung || t === TRUTH.vessel ? RIGHT_LUNG_LABEL
      : t === TRUTH.leftLung ? LEFT_LUNG_LABEL
      : t === TRUTH.bridge ? (i % nx <= 39 ? RIGHT_LUNG_LABEL : LEFT_LUNG_LABEL)
      : 0;
    expect(mismatches(r.labels, truth, want)).toBe(0);
    expect(r.notes.some((n) => n.includes('shrinking the lung outline'))).toBe(true);
  });

  it('gives up when the lungs touch along a long front', () => {
    const { fill } = masksOf({ bridge: 'wide' });
    const r = splitAirwayAndLungs(fill);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/long front/);
    expect(r.airwayMl).toBeCloseTo((6 * 6 * 14 + 2 * 4 * 6) * VOXEL_ML, 9);
  });

  // segmentLungs keeps only the largest air pocket, so without an airway it
  // would keep one lung: these masks are made from the truth directly.
  const lungsOnly = (opts: ChestOptions, codes: number[]): { mask: Mask; truth: Uint8Array } => {
    const { volume, truth } = makeChest(opts);
    const { hu: _hu, ...geometry } = volume;
    return { mask: { ...geometry, data: truth.map((t) => (codes.includes(t) ? 1 : 0)) }, truth };
  };

  it('without a trachea: separate lungs are still split (airway 0, with a note); joined lungs are a failure', () => {
    const { mask, truth } = lungsOnly({ trachea: false }, [TRUTH.rightLung, TRUTH.leftLung, TRUTH.vessel]);
    const r = splitAirwayAndLungs(mask);
    if (!r.ok) throw new Error(r.reason);
    expect(r.airwayVoxels).toBe(0);
    expect(r.airwaySlices).toBeNull();
    expect(r.notes.some((n) => n.includes('no trachea'))).toBe(true);
    expect(r.leftLungVoxels).toBe(truth.filter((t) => t === TRUTH.leftLung).length);
    expect(r.rightLungVoxels).toBe(truth.filter((t) => t === TRUTH.rightLung || t === TRUTH.vessel).length);
    const joined = lungsOnly({ trachea: false, bridge: 'wide' }, [TRUTH.rightLung, TRUTH.leftLung, TRUTH.vessel, TRUTH.bridge]);
    const j = splitAirwayAndLungs(joined.mask);
    expect(j.ok).toBe(false);
    if (!j.ok) expect(j.reason).toMatch(/no trachea/);
  });

  it('does not take a short air blob at the top for a trachea', () => {
    const { mask } = lungsOnly({ trachea: false }, [TRUTH.rightLung, TRUTH.leftLung, TRUTH.vessel]);
    const { nx, ny } = mask;
    for (let z = 27; z <= 29; z++) for (let y = 18; y <= 23; y++) for (let x = 37; x <= 42; x++) mask.data[x + y * nx + z * nx * ny] = 1;
    const r = splitAirwayAndLungs(mask);
    if (!r.ok) throw new Error(r.reason);
    expect(r.airwayVoxels).toBe(0);
    expect(r.notes.some((n) => n.includes('not taken as a trachea'))).toBe(true);
  });

  it('fails clearly on an empty mask, and on a single lung', () => {
    const { fill, truth } = masksOf({});
    const empty: Mask = { ...fill, data: new Uint8Array(fill.data.length) };
    const e = splitAirwayAndLungs(empty);
    expect(e.ok).toBe(false);
    const oneLung: Mask = { ...fill, data: truth.map((t) => (t === TRUTH.rightLung ? 1 : 0)) };
    const o = splitAirwayAndLungs(oneLung);
    expect(o.ok).toBe(false);
  });

  it('does not modify the mask and can be aborted', () => {
    const { fill } = masksOf({});
    const copy = fill.data.slice();
    splitAirwayAndLungs(fill);
    let same = true;
    for (let i = 0; i < copy.length; i++) if (copy[i] !== fill.data[i]) same = false;
    expect(same).toBe(true);
    expect(() => splitAirwayAndLungs(fill, { signal: { aborted: true } })).toThrow(expect.objectContaining({ name: 'AbortError' }));
  });
});

describe('splitAirwayAndLungsOfRuns', () => {
  it('gives the split of the voxel mask from its runs, and the same volumes without making labels', () => {
    for (const opts of [{}, { flipXY: true }, { bridge: 'thin' }, { bridge: 'wide' }] as ChestOptions[]) {
      const { fill, noFill } = masksOf(opts);
      for (const mask of [fill, noFill]) {
        const want = splitAirwayAndLungs(mask);
        const runs = runsFromMask(mask.data, mask);
        const withLabels = splitAirwayAndLungsOfRuns(runs, geometryOf(mask));
        expect(withLabels).toEqual(want);
        const numbers = splitAirwayAndLungsOfRuns(runs, geometryOf(mask), { withLabels: false });
        if (!want.ok || !numbers.ok) {
          expect(numbers).toEqual(want);
          continue;
        }
        expect(numbers.labels.length).toBe(0);
        expect({ ...numbers, labels: null }).toEqual({ ...want, labels: null });
      }
    }
  });

  it('gives the parts growing back does not reach to the nearer lung, from runs as from voxels', () => {
    // A thin bridge (so the lungs are eroded apart and grown back) and a small blob apart from the lungs: never reached.
    const { fill } = masksOf({ bridge: 'thin' });
    const { nx, ny, nz } = fill;
    const data = fill.data.slice();
    const z = Math.floor(nz / 2);
    let xMin = nx;
    let yAt = 0;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (data[x + y * nx + z * nx * ny] && x < xMin) { xMin = x; yAt = y; }
    expect(xMin).toBeGreaterThan(3);
    let added = 0;
    for (let dz = 0; dz < 2; dz++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
      data[xMin - 4 + dx + (yAt + dy) * nx + (z + dz) * nx * ny] = 1;
      added++;
    }
    const mask = { ...fill, data };
    const want = splitAirwayAndLungs(mask);
    if (!want.ok) throw new Error(want.reason);
    expect(added).toBe(8);
    expect(want.notes.some((n) => n.includes('not connected to either lung'))).toBe(true);
    const got = splitAirwayAndLungsOfRuns(runsFromMask(data, mask), geometryOf(mask), { withLabels: false });
    if (!got.ok) throw new Error(got.reason);
    expect([got.rightLungVoxels, got.leftLungVoxels, got.airwayVoxels]).toEqual([want.rightLungVoxels, want.leftLungVoxels, want.airwayVoxels]);
    expect(got.notes).toEqual(want.notes);
  });
});
