import { describe, expect, it } from 'vitest';
import { assembleVolume, buildSeries, compareSeriesForDisplay, groupSeries, planSeries, towardLpsSign } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { voxelToPatientMm } from '../../../src/core/volume/volume';
import { displaySlicePositionMm } from '../../../src/viewer2d/orientation';
import { makeTestFile, type TestImage } from './testFiles';

/** Decodes a synthetic file whose pixels all hold `value` (HU = value, intercept 0). */
function slice(name: string, value: number, img: Partial<TestImage> = {}): DecodedSlice {
  const rows = img.rows ?? 2;
  const columns = img.columns ?? 3;
  const r = parseDicomFile(makeTestFile({ rows, columns, intercept: 0, pixels: new Int16Array(rows * columns).fill(value), ...img }), name);
  if (!r.ok) throw new Error(r.skipped.reason);
  return r.slices[0];
}

/** An axial stack: slice k at z = z0 + k*dz holds the value k; InstanceNumber decreases with z. */
function stack(n: number, dz: number, img: Partial<TestImage> = {}, z0 = -100): DecodedSlice[] {
  return Array.from({ length: n }, (_, k) => slice(`s${String(k).padStart(3, '0')}.dcm`, k, { ipp: [-50, -60, z0 + k * dz], instanceNumber: n - k, ...img }));
}

function shuffled<T>(a: T[], seed: number): T[] {
  const out = [...a];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Value of each volume slice (all pixels of a test slice are equal). */
function sliceValues(hu: Int16Array, per: number): number[] {
  return Array.from({ length: hu.length / per }, (_, z) => hu[z * per]);
}

describe('buildSeries', () => {
  it('sorts by position along the normal whatever the input order, and assembles x fastest', () => {
    const slices = stack(12, 2.5);
    for (const seed of [1, 2, 3]) {
      const [s] = buildSeries(shuffled(slices, seed));
      expect(sliceValues(s.volume.hu, 6)).toEqual([...Array(12).keys()]);
      expect(s.summary.files).toEqual(slices.map((x) => x.header.file));
      expect(s.summary.dimsZyx).toEqual([12, 2, 3]);
      expect(s.summary.spacingMmZyx).toEqual([2.5, 0.5, 0.5]);
      expect(s.volume.originMm).toEqual([-50, -60, -100]);
      expect(s.summary.slicePositionsMm).toEqual(slices.map((_, k) => -100 + k * 2.5));
      expect(s.summary.warnings).toEqual([]);
    }
  });

  it('places pixel (column c, row r) of slice z at index c + r*nx + z*nx*ny', () => {
    const px = (k: number) => Int16Array.from({ length: 6 }, (_, i) => 100 * k + i);
    const slices = [0, 1].map((k) => {
      const r = parseDicomFile(makeTestFile({ rows: 2, columns: 3, intercept: 0, pixels: px(k), ipp: [0, 0, k] }), `p${k}.dcm`);
      if (!r.ok) throw new Error(r.skipped.reason);
      return r.slices[0];
    });
    const [s] = buildSeries([slices[1], slices[0]]);
    expect([...s.volume.hu]).toEqual([...px(0), ...px(1)]);
  });

  it('sorts a sagittal stack along row × column (not along patient z)', () => {
    // row = +y, column = -z: normal = (0,1,0) × (0,0,-1) = (-1,0,0)
    const slices = Array.from({ length: 5 }, (_, k) => slice(`x${k}.dcm`, k, { ipp: [10 + 1.5 * k, 0, 0], iop: [0, 1, 0, 0, 0, -1] }));
    const [s] = buildSeries(shuffled(slices, 7));
    expect(sliceValues(s.volume.hu, 6)).toEqual([4, 3, 2, 1, 0]);
    expect(s.volume.directionXyz[2]).toEqual([-1, 0, 0]);
    expect(s.volume.originMm).toEqual([16, 0, 0]);
    expect(s.summary.spacingMmZyx[0]).toBeCloseTo(1.5, 9);
  });

  it('keeps one slice per duplicate position and says so', () => {
    const slices = stack(6, 3);
    const dup = slice('copy.dcm', 99, { ipp: slices[2].header.imagePositionMm!, instanceNumber: 50 });
    const [s] = buildSeries([...slices, dup]);
    expect(s.summary.dimsZyx[0]).toBe(6);
    expect(sliceValues(s.volume.hu, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.summary.warnings.join('\n')).toMatch(/1 slice\(s\) at duplicate positions dropped.*copy\.dcm/);
  });

  it('reports a gap where a slice is missing, keeping the median spacing', () => {
    const slices = stack(10, 2);
    const [s] = buildSeries(slices.filter((_, k) => k !== 4));
    expect(s.summary.dimsZyx[0]).toBe(9);
    expect(s.summary.spacingMmZyx[0]).toBe(2);
    expect(s.summary.warnings.join('\n')).toMatch(/gap .*about 1 slice\(s\) missing/);
  });

  it('reports uneven spacing', () => {
    const zs = [0, 2, 4, 6.4, 8.4, 10.4];
    const [s] = buildSeries(zs.map((z, k) => slice(`u${k}.dcm`, k, { ipp: [0, 0, z] })));
    expect(s.summary.spacingMmZyx[0]).toBe(2);
    expect(s.summary.warnings.join('\n')).toMatch(/uneven slice spacing: 1 step/);
  });

  it('reports a stack that is not orthogonal to its slices (gantry tilt)', () => {
    const tan = Math.tan((10 * Math.PI) / 180);
    const slices = Array.from({ length: 8 }, (_, k) => slice(`t${k}.dcm`, k, { ipp: [0, 3 * k * tan, 3 * k] }));
    const [s] = buildSeries(slices);
    expect(s.summary.warnings.join('\n')).toMatch(/not orthogonal .*10\.0°/);
  });

  it('puts two series in one folder into two volumes, largest first', () => {
    const a = stack(4, 1, { seriesUid: '2.25.1' });
    const b = stack(7, 1, { seriesUid: '2.25.2' });
    const series = buildSeries(shuffled([...a, ...b], 3));
    expect(series.map((s) => [s.summary.id, s.summary.dimsZyx[0]])).toEqual([['2.25.2', 7], ['2.25.1', 4]]);
  });

  it('splits one SeriesInstanceUID by orientation, frame of reference and image size, with order-independent ids', () => {
    const axial = stack(5, 1);
    const coronal = Array.from({ length: 3 }, (_, k) => slice(`c${k}.dcm`, k, { iop: [1, 0, 0, 0, 0, -1], ipp: [0, k, 0] }));
    const otherFor = stack(2, 1, { frameOfReferenceUid: '2.25.999' });
    const bigger = stack(4, 1, { rows: 3, columns: 3 });
    const all = [...axial, ...coronal, ...otherFor, ...bigger];
    const groups = groupSeries(all);
    expect(groups.map((g) => [g.id, g.items.length])).toEqual([['2.25.2222#1', 5], ['2.25.2222#2', 4], ['2.25.2222#3', 3], ['2.25.2222#4', 2]]);
    const again = groupSeries(shuffled(all, 11));
    expect(again.map((g) => [g.id, g.items.length])).toEqual(groups.map((g) => [g.id, g.items.length]));
  });

  it('falls back to InstanceNumber order with a warning when positions are missing', () => {
    const slices = [3, 1, 2].map((n) => slice(`n${n}.dcm`, n, { ipp: null, instanceNumber: n, sliceThickness: 1.25 }));
    const [s] = buildSeries(slices);
    expect(sliceValues(s.volume.hu, 6)).toEqual([1, 2, 3]);
    expect(s.summary.spacingMmZyx[0]).toBe(1.25);
    expect(s.summary.warnings.join('\n')).toMatch(/ImagePositionPatient missing on 3 of 3 slices: slices sorted by InstanceNumber/);
  });

  it('accepts a single slice: z spacing from SliceThickness, else 1 mm, with a warning', () => {
    const [a] = buildSeries([slice('one.dcm', 5, { sliceThickness: 2.5 })]);
    expect(a.summary.dimsZyx).toEqual([1, 2, 3]);
    expect(a.summary.spacingMmZyx[0]).toBe(2.5);
    expect(a.summary.warnings.join('\n')).toMatch(/single slice/);
    const [b] = buildSeries([slice('one.dcm', 5)]);
    expect(b.summary.spacingMmZyx[0]).toBe(1);
    expect(b.summary.warnings.join('\n')).toMatch(/1 mm assumed/);
  });

  it('warns when PixelSpacing is missing', () => {
    const [s] = buildSeries(stack(3, 1, { pixelSpacing: null }));
    expect(s.summary.spacingMmZyx.slice(1)).toEqual([1, 1]);
    expect(s.summary.warnings.join('\n')).toMatch(/no PixelSpacing/);
  });

  it('can release each slice array once copied into the volume', () => {
    const slices = stack(3, 1);
    const plan = planSeries(groupSeries(slices)[0]);
    const vol = assembleVolume(plan, { releaseSlices: true });
    expect(slices.map((s) => s.hu.length)).toEqual([0, 0, 0]);
    expect(sliceValues(vol.hu, 6)).toEqual([0, 1, 2]);
  });

  it('orders CT before other modalities, then by size', () => {
    const ct = buildSeries(stack(2, 1, { seriesUid: '2.25.7' }))[0].summary;
    const mr = buildSeries(stack(9, 1, { seriesUid: '2.25.8', modality: 'MR' }))[0].summary;
    const bigCt = buildSeries(stack(4, 1, { seriesUid: '2.25.9' }))[0].summary;
    expect([mr, ct, bigCt].sort(compareSeriesForDisplay).map((s) => s.id)).toEqual(['2.25.9', '2.25.7', '2.25.8']);
  });
});

describe('whether a series holds in 3D (geometry3d)', () => {
  const deg = Math.PI / 180;
  const TILT = { tag: 0x00181120, vr: 'DS' as const };

  /** Axial slices acquired with the gantry tilted by `tiltDeg` about x: the table moves along z, the slices lean. */
  function tilted(tiltDeg: number, withTag: boolean): DecodedSlice[] {
    const c = Math.cos(tiltDeg * deg);
    const s = Math.sin(tiltDeg * deg);
    return Array.from({ length: 8 }, (_, k) => slice(`t${k}.dcm`, k, {
      iop: [1, 0, 0, 0, c, -s],
      ipp: [-50, -60, 3 * k],
      extraElements: withTag ? [{ ...TILT, value: tiltDeg }] : [],
    }));
  }

  function trust(slices: DecodedSlice[]) {
    const [s] = buildSeries(slices);
    return s.summary.geometry3d!;
  }

  it('trusts a clean axial stack stacked along its normal', () => {
    const g = trust(stack(10, 2.5));
    expect(g).toEqual({ trusted: true, problems: [], reasons: [], stackAngleDeg: 0 });
  });

  it('trusts feet-first, prone, sagittal and coronal stacks: their geometry is handled', () => {
    // Feet-first supine: rows run to the patient's right, the normal points to the feet.
    const ffs = Array.from({ length: 6 }, (_, k) => slice(`f${k}.dcm`, k, { iop: [-1, 0, 0, 0, 1, 0], ipp: [50, -60, -10 - 2 * k] }));
    const prone = Array.from({ length: 6 }, (_, k) => slice(`p${k}.dcm`, k, { iop: [-1, 0, 0, 0, -1, 0], ipp: [50, 60, 2 * k] }));
    const sag = Array.from({ length: 6 }, (_, k) => slice(`s${k}.dcm`, k, { iop: [0, 1, 0, 0, 0, -1], ipp: [-20 + 4 * k, -60, 80] }));
    const cor = Array.from({ length: 6 }, (_, k) => slice(`c${k}.dcm`, k, { iop: [1, 0, 0, 0, 0, -1], ipp: [-50, -30 + 3 * k, 80] }));
    for (const series of [ffs, prone, sag, cor]) {
      const g = trust(shuffled(series, 5));
      expect(g.trusted).toBe(true);
      expect(g.problems).toEqual([]);
      expect(g.stackAngleDeg).toBeCloseTo(0, 9);
    }
    // The feet-first volume runs head to feet along z (normal -z), positions along that normal.
    const [s] = buildSeries(ffs);
    expect(s.volume.directionXyz[2]).toEqual([0, 0, -1]);
    expect(s.summary.slicePositionsMm).toEqual([10, 12, 14, 16, 18, 20]);
  });

  it('does not trust a gantry-tilted stack, and names the tilt measured from the positions', () => {
    const g = trust(tilted(15, true));
    expect(g.trusted).toBe(false);
    expect(g.problems).toEqual(['tilt']);
    expect(g.stackAngleDeg).toBeCloseTo(15, 4); // IOP is stored with 6 decimals
    expect(g.reasons).toEqual(['Gantry tilt 15.0°: the 3D surface and distances across slices are skewed']);
    // Without the tag the stack is still sheared: said without claiming a gantry tilt.
    const untagged = trust(tilted(7, false));
    expect(untagged.problems).toEqual(['tilt']);
    expect(untagged.reasons[0]).toMatch(/^Sheared slice stack \(gantry tilt\?\) 7\.0°/);
  });

  it('trusts a stack within 0.5° of the normal, and a tilt tag whose slices are stacked along their normal', () => {
    expect(trust(tilted(0.3, true)).trusted).toBe(true);
    // Tilt resolved by the scanner: oblique slices stacked along their own normal.
    const c = Math.cos(15 * deg);
    const s = Math.sin(15 * deg);
    const resolved = Array.from({ length: 8 }, (_, k) => slice(`r${k}.dcm`, k, {
      iop: [1, 0, 0, 0, c, -s],
      ipp: [0, 3 * k * s, 3 * k * c],
      extraElements: [{ ...TILT, value: 15 }],
    }));
    const [series] = buildSeries(resolved);
    expect(series.summary.geometry3d!.trusted).toBe(true);
    expect(series.summary.warnings.join('\n')).toMatch(/GantryDetectorTilt is 15°/);
  });

  it('does not trust a stack with missing slices, and says how many and where', () => {
    const one = trust(stack(20, 2).filter((_, k) => k !== 7));
    expect(one.problems).toEqual(['gap']);
    expect(one.reasons).toEqual(['About 1 slice missing (gap at -88 → -84 mm): 3D shape, distances and volumes are distorted']);
    const two = trust(stack(20, 2).filter((_, k) => k !== 3 && k !== 12 && k !== 13));
    expect(two.problems).toEqual(['gap']);
    expect(two.reasons[0]).toMatch(/^About 3 slices missing \(gap at -96 → -92 mm, 1 more gap\)/);
  });

  it('tolerates small jitter in the spacing but not a step far from the median or a drifting grid', () => {
    const at = (zs: number[]) => zs.map((z, k) => slice(`u${k}.dcm`, k, { ipp: [0, 0, z] }));
    const cum = (steps: number[]) => steps.reduce<number[]>((a, st) => [...a, a[a.length - 1] + st], [0]);
    // ±0.1 mm around 2 mm: a warning, but the grid is right within 0.1 mm.
    const jitter = buildSeries(at(cum([2, 2.1, 1.9, 2, 2.1, 1.9, 2])))[0].summary;
    expect(jitter.warnings.join('\n')).toMatch(/uneven slice spacing/);
    expect(jitter.geometry3d!.trusted).toBe(true);
    // One step 40 % longer than the others (not yet a gap).
    const long = trust(at(cum([2, 2, 2, 2.8, 2, 2, 2])));
    expect(long.problems).toEqual(['uneven']);
    expect(long.reasons).toEqual(['Uneven slice spacing (2 to 2.8 mm, 2 mm used): 3D shape, distances and volumes are distorted']);
    // Steps 9.5 % long, six in a row: each is close to the median, but the
    // last slices sit 1.14 mm (over half a step) from where the volume puts them.
    const drift = trust(at(cum([2, 2, 2, 2, 2, 2, 2, 2.19, 2.19, 2.19, 2.19, 2.19, 2.19])));
    expect(drift.problems).toEqual(['uneven']);
  });

  it('does not trust a series without positions, orientation or pixel spacing, or a single slice', () => {
    expect(trust([3, 1, 2].map((n) => slice(`n${n}.dcm`, n, { ipp: null, instanceNumber: n, sliceThickness: 1.25 })))).toEqual({
      trusted: false,
      problems: ['noPositions'],
      reasons: ['No slice positions: order from InstanceNumber, spacing from SliceThickness; 3D shape and sizes are guesses'],
      stackAngleDeg: null,
    });
    expect(trust(stack(4, 1, { iop: null })).problems).toEqual(['noOrientation']);
    expect(trust(stack(4, 1, { pixelSpacing: null })).problems).toEqual(['noPixelSpacing']);
    expect(trust([slice('one.dcm', 5, { sliceThickness: 2.5 })])).toEqual({
      trusted: false, problems: ['singleSlice'], reasons: ['Single slice: no 3D volume'], stackAngleDeg: null,
    });
  });

  it('lists every problem of a series, one reason each', () => {
    const slices = tilted(12, true).filter((_, k) => k !== 4);
    const g = trust(slices);
    expect(g.trusted).toBe(false);
    expect([...g.problems].sort()).toEqual(['gap', 'tilt']);
    expect(g.reasons).toHaveLength(2);
  });
});

describe('slice positions as patient coordinates', () => {
  it('signs positions along the normal to grow toward left, posterior or head', () => {
    expect([[0, 0, 1], [0, 0, -1], [-1, 0, 0], [0, 1, 0], [0.3, -0.2, -0.9]].map((n) => towardLpsSign(n as [number, number, number]))).toEqual([1, -1, -1, 1, -1]);
  });

  it('shows each slice of a head-first, feet-first, sagittal or coronal stack at its patient coordinate', () => {
    const cases: { iop: [number, number, number, number, number, number]; ipp: (k: number) => [number, number, number]; axis: number }[] = [
      { iop: [1, 0, 0, 0, 1, 0], ipp: (k) => [-50, -60, -30 + 2 * k], axis: 2 },
      { iop: [-1, 0, 0, 0, 1, 0], ipp: (k) => [50, -60, -30 + 2 * k], axis: 2 },
      { iop: [0, 1, 0, 0, 0, -1], ipp: (k) => [-20 + 3 * k, -60, 80], axis: 0 },
      { iop: [1, 0, 0, 0, 0, -1], ipp: (k) => [-50, -30 + 4 * k, 80], axis: 1 },
    ];
    for (const c of cases) {
      const slices = Array.from({ length: 5 }, (_, k) => slice(`p${k}.dcm`, k, { iop: c.iop, ipp: c.ipp(k) }));
      const [s] = buildSeries(shuffled(slices, 3));
      for (let z = 0; z < 5; z++) {
        // The slice's own patient coordinate along its axis (z for axial, x sagittal, y coronal).
        const truth = voxelToPatientMm(s.volume, 0, 0, z)[c.axis];
        expect(displaySlicePositionMm(s.summary, z)).toBeCloseTo(truth, 9);
      }
    }
  });

  it('names a feet-first gap by its patient z', () => {
    const slices = Array.from({ length: 8 }, (_, k) => slice(`f${k}.dcm`, k, { iop: [-1, 0, 0, 0, 1, 0], ipp: [50, -60, 10 - 2 * k] })).filter((_, k) => k !== 3);
    const [s] = buildSeries(slices);
    expect(s.summary.geometry3d!.reasons[0]).toMatch(/gap at 6 → 2 mm/);
  });
});
