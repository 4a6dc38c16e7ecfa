import { describe, expect, it } from 'vitest';
import {
  BOUNDARY_TOLERANCE_MM,
  DEFAULT_HU_CLASSES,
  densitometry,
  densitometryCsv,
  densitometryCsvRows,
  labelRunSets,
  REGION_NAMES,
  type DensitometryMeasures,
  type DensitometryResult,
  type RegionName,
} from '../../../src/core/analysis/densitometry';
import { runsOfValue } from '../../../src/core/segmentation/runs';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { voxelToPatientMm, voxelVolumeMm3, type Vec3, type VolumeGeometry } from '../../../src/core/volume/volume';
import { CORONAL_DICOM, reslicer, resliceData, SAGITTAL_DICOM, type ResliceAxes } from '../../helpers/reslice';

// ---------------------------------------------------------------------------
// A plain reference: every voxel visited with voxelToPatientMm, values sorted.

/** numpy.percentile(v, q) (method 'linear', numpy's _lerp) of sorted values. */
function numpyPercentile(sorted: number[], q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return sorted[n - 1];
  const prev = Math.floor(virtual);
  const t = virtual - prev;
  const a = sorted[prev];
  const b = sorted[prev + 1];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

function plainMeasures(values: number[], voxelMl: number): DensitometryMeasures {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const share = (pred: (v: number) => boolean) => (n === 0 ? null : (values.filter(pred).length / n) * 100);
  let sum = 0;
  let mass = 0;
  for (const v of values) {
    sum += v;
    mass += Math.max(0, v + 1000);
  }
  const mean = n === 0 ? null : sum / n;
  let ss = 0;
  for (const v of values) ss += (v - (mean ?? 0)) ** 2;
  return {
    voxels: n,
    volumeMl: n * voxelMl,
    massG: (voxelMl * mass) / 1000,
    laa950: share((v) => v <= -950),
    laa910: share((v) => v <= -910),
    laa856: share((v) => v <= -856),
    haa700: share((v) => v >= -700),
    haa600: share((v) => v >= -600),
    haa500: share((v) => v >= -500),
    haa250: share((v) => v >= -250),
    perc10: n === 0 ? null : numpyPercentile(sorted, 10),
    perc15: n === 0 ? null : numpyPercentile(sorted, 15),
    meanHu: mean,
    stdHu: n === 0 ? null : Math.sqrt(ss / n),
    medianHu: n === 0 ? null : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
  };
}

interface PlainResult {
  whole: DensitometryMeasures;
  right: DensitometryMeasures;
  left: DensitometryMeasures;
  regions: Record<RegionName, DensitometryMeasures>;
  airwayMedian: number | null;
  classVoxels: Record<'whole' | 'right' | 'left', number[]>;
}

/** Regions by the header's definition, one voxel at a time. */
function plainDensitometry(hu: Int16Array, g: VolumeGeometry, labels: Uint8Array, codes = { airway: 1, right: 2, left: 3 }): PlainResult {
  const pos: Vec3[] = [];
  const lungOf = (l: number) => (l === codes.right ? 'right' : l === codes.left ? 'left' : null);
  const ext = { right: [Infinity, -Infinity, Infinity, -Infinity], left: [Infinity, -Infinity, Infinity, -Infinity] };
  for (let z = 0, i = 0; z < g.nz; z++) {
    for (let y = 0; y < g.ny; y++) {
      for (let x = 0; x < g.nx; x++, i++) {
        const p = voxelToPatientMm(g, x, y, z);
        pos[i] = p;
        const lung = lungOf(labels[i]);
        if (!lung) continue;
        const e = ext[lung];
        e[0] = Math.min(e[0], p[2]);
        e[1] = Math.max(e[1], p[2]);
        e[2] = Math.min(e[2], p[1]);
        e[3] = Math.max(e[3], p[1]);
      }
    }
  }
  const bins: Record<string, number[]> = { whole: [], right: [], left: [], airway: [] };
  for (const r of REGION_NAMES) bins[r] = [];
  const tol = BOUNDARY_TOLERANCE_MM;
  for (let i = 0; i < hu.length; i++) {
    if (labels[i] === codes.airway) bins.airway.push(hu[i]);
    const lung = lungOf(labels[i]);
    if (!lung) continue;
    const [zMin, zMax, yMin, yMax] = ext[lung];
    const v = hu[i];
    bins.whole.push(v);
    bins[lung].push(v);
    const s = 3 * (pos[i][2] - zMin);
    const third = s >= 2 * (zMax - zMin) - tol ? 'Upper' : s >= zMax - zMin - tol ? 'Middle' : 'Lower';
    const half = 2 * (pos[i][1] - yMin) >= yMax - yMin - tol ? 'Dorsal' : 'Ventral';
    bins[lung + third].push(v);
    bins[lung + half].push(v);
  }
  const ml = voxelVolumeMm3(g) / 1000;
  const regions = {} as Record<RegionName, DensitometryMeasures>;
  for (const r of REGION_NAMES) regions[r] = plainMeasures(bins[r], ml);
  const air = [...bins.airway].sort((a, b) => a - b);
  const na = air.length;
  const classCount = (vals: number[]) => DEFAULT_HU_CLASSES.map((c) => vals.filter((v) => v > c.loHu && v <= c.hiHu).length);
  return {
    whole: plainMeasures(bins.whole, ml),
    right: plainMeasures(bins.right, ml),
    left: plainMeasures(bins.left, ml),
    regions,
    airwayMedian: na === 0 ? null : na % 2 ? air[(na - 1) / 2] : (air[na / 2 - 1] + air[na / 2]) / 2,
    classVoxels: { whole: classCount(bins.whole), right: classCount(bins.right), left: classCount(bins.left) },
  };
}

const EXACT: Array<keyof DensitometryMeasures> = [
  'voxels', 'volumeMl', 'laa950', 'laa910', 'laa856', 'haa700', 'haa600', 'haa500', 'haa250', 'perc10', 'perc15', 'medianHu',
];
const CLOSE: Array<keyof DensitometryMeasures> = ['meanHu', 'stdHu', 'massG'];

function expectMeasures(got: DensitometryMeasures, want: DensitometryMeasures, where: string): void {
  for (const k of EXACT) expect(got[k], `${where} ${k}`).toBe(want[k]);
  for (const k of CLOSE) {
    const w = want[k];
    const g = got[k];
    if (w === null || g === null) expect(g, `${where} ${k}`).toBe(w);
    else expect(Math.abs(g - w), `${where} ${k}: ${g} vs ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
  }
}

function expectSameAsPlain(got: DensitometryResult, want: PlainResult, where: string): void {
  expectMeasures(got.whole, want.whole, `${where} whole`);
  expectMeasures(got.right, want.right, `${where} right`);
  expectMeasures(got.left, want.left, `${where} left`);
  for (const r of REGION_NAMES) expectMeasures(got.regions[r], want.regions[r], `${where} ${r}`);
  expect(got.airway.medianHu, `${where} airway median`).toBe(want.airwayMedian);
  for (const set of ['whole', 'right', 'left'] as const) {
    expect(got.classes[set].classes.map((c) => c.voxels), `${where} classes ${set}`).toEqual(want.classVoxels[set]);
  }
}

/** A random unit rotation (as direction cosines) from three random angles. */
function randomDirections(r: () => number): [Vec3, Vec3, Vec3] {
  const [a, b, c] = [r() * 2 * Math.PI, r() * 2 * Math.PI, r() * 2 * Math.PI];
  const rx = [[1, 0, 0], [0, Math.cos(a), -Math.sin(a)], [0, Math.sin(a), Math.cos(a)]];
  const ry = [[Math.cos(b), 0, Math.sin(b)], [0, 1, 0], [-Math.sin(b), 0, Math.cos(b)]];
  const rz = [[Math.cos(c), -Math.sin(c), 0], [Math.sin(c), Math.cos(c), 0], [0, 0, 1]];
  const mul = (p: number[][], q: number[][]) => p.map((row) => [0, 1, 2].map((j) => row[0] * q[0][j] + row[1] * q[1][j] + row[2] * q[2][j]));
  const m = mul(rz, mul(ry, rx));
  // Columns of the rotation are the directions of increasing x, y, z index.
  return [0, 1, 2].map((j) => [m[0][j], m[1][j], m[2][j]]) as [Vec3, Vec3, Vec3];
}

function randomCase(seed: number) {
  const r = mulberry32(seed);
  const nx = 3 + Math.floor(r() * 14);
  const ny = 3 + Math.floor(r() * 14);
  const nz = 1 + Math.floor(r() * 12);
  const axisAligned = r() < 0.4;
  const g: VolumeGeometry = {
    nx,
    ny,
    nz,
    spacingMmXyz: [0.3 + r() * 1.2, 0.3 + r() * 1.2, 0.5 + r() * 3],
    originMm: [r() * 400 - 200, r() * 400 - 200, r() * 400 - 200],
    directionXyz: axisAligned ? [[1, 0, 0], [0, 1, 0], [0, 0, 1]] : randomDirections(r),
  };
  const n = nx * ny * nz;
  const hu = new Int16Array(n);
  const wide = r() < 0.2;
  for (let i = 0; i < n; i++) {
    hu[i] = wide ? Math.floor(r() * 65536) - 32768 : Math.floor(r() * 1400) - 1100 + (r() < 0.05 ? 2000 : 0);
  }
  // Labels in blobs (runs of equal labels along rows), 0..4 (4 is not a lung code).
  const labels = new Uint8Array(n);
  const pEmpty = r();
  let cur = 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.3) cur = r() < pEmpty * 0.5 ? 0 : Math.floor(r() * 5);
    labels[i] = cur;
  }
  return { g, hu, labels };
}

describe('densitometry equals a plain voxel loop on random volumes and label maps', () => {
  it('labels, 300 random cases (oblique and axis-aligned grids, full int16 HU range, empty lungs)', () => {
    for (let s = 1; s <= 300; s++) {
      const { g, hu, labels } = randomCase(s);
      expectSameAsPlain(densitometry(hu, g, { labels }), plainDensitometry(hu, g, labels), `seed ${s}`);
    }
  });

  it('runs per label give the same result as the label volume', () => {
    for (let s = 1; s <= 60; s++) {
      const { g, hu, labels } = randomCase(1000 + s);
      const fromLabels = densitometry(hu, g, { labels });
      const fromRuns = densitometry(hu, g, {
        runs: { airway: runsOfValue(labels, g, 1), right: runsOfValue(labels, g, 2), left: runsOfValue(labels, g, 3) },
      });
      expect(fromRuns).toEqual(fromLabels);
    }
  });

  it('labelRunSets: the runs of each code equal runsOfValue, on aligned and unaligned label arrays', () => {
    for (let s = 1; s <= 80; s++) {
      const c = randomCase(3000 + s);
      const g = c.g;
      // Half the cases sparse: long zero spans, so whole zero words end runs.
      const labels = s % 2 ? c.labels : c.labels.map((v, i) => (Math.floor(i / 7) % 3 === 0 ? v : 0));
      const shifted = new Uint8Array(labels.length + 3);
      shifted.set(labels, s % 4);
      const view = shifted.subarray(s % 4, s % 4 + labels.length);
      const codes = s % 4 < 2 ? { right: 2, left: 3, airway: 1 } : { right: 1, left: 4, airway: 3 };
      const sets = labelRunSets(view, g, codes);
      for (const k of ['right', 'left', 'airway'] as const) {
        const want = runsOfValue(labels, g, codes[k]);
        const got = sets[k];
        expect(got.count, `seed ${s} ${k}`).toBe(want.count);
        expect(got.rowStart).toEqual(want.rowStart);
        expect(got.x0.subarray(0, got.count)).toEqual(want.x0.subarray(0, want.count));
        expect(got.x1.subarray(0, got.count)).toEqual(want.x1.subarray(0, want.count));
      }
    }
    const g = randomCase(1).g;
    const zeros = new Uint8Array(g.nx * g.ny * g.nz);
    expect(() => densitometry(new Int16Array(zeros.length), g, { labels: zeros, codes: { right: 1, left: 1, airway: 3 } })).toThrow(/different/);
  });

  it('other label codes (1 right, 2 left, 3 airway)', () => {
    for (let s = 1; s <= 40; s++) {
      const { g, hu, labels } = randomCase(2000 + s);
      const codes = { right: 1, left: 2, airway: 3 };
      expectSameAsPlain(densitometry(hu, g, { labels, codes }), plainDensitometry(hu, g, labels, codes), `seed ${s}`);
    }
  });
});

// ---------------------------------------------------------------------------
// A designed phantom, axial head-first supine (identity directions).

const NX = 20;
const NY = 11;
const NZ = 25;
const AX: VolumeGeometry = {
  nx: NX,
  ny: NY,
  nz: NZ,
  spacingMmXyz: [0.7, 0.7, 1.1],
  originMm: [12.3, -45.6, 78.9],
  directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
};

/**
 * Right lung x 2..9, y 1..8, z 0..24 (1600 voxels) at −850 HU, with 200
 * voxels (12.5 %) at −980 in the top (z 22..24, and 8 in row y 1 of z 21)
 * and 48 (3 %) at −300 in row y 8 of z 0..5. Left lung x 11..18, y 1..9,
 * z 0..24 (1800 voxels) at −800. Airway x 10, y 1..2, z 20..24 at −990.
 * Thirds (h = 24 slices): lower z 0..7, middle 8..15, upper 16..24 (z 16 and
 * z 8 lie on the boundaries and go up). Halves: right ventral y 1..4, dorsal
 * 5..8; left (h = 8 rows) ventral y 1..4, dorsal 5..9 (y 5 on the boundary).
 */
function phantom(airwayHu = -990) {
  const hu = new Int16Array(NX * NY * NZ).fill(40);
  const labels = new Uint8Array(NX * NY * NZ);
  const at = (x: number, y: number, z: number) => x + y * NX + z * NX * NY;
  for (let z = 0; z < NZ; z++) {
    for (let y = 1; y <= 9; y++) {
      for (let x = 2; x <= 18; x++) {
        const i = at(x, y, z);
        if (x <= 9 && y <= 8) {
          labels[i] = 2;
          hu[i] = z >= 22 || (z === 21 && y === 1) ? -980 : y === 8 && z <= 5 ? -300 : -850;
        } else if (x >= 11) {
          labels[i] = 3;
          hu[i] = -800;
        } else if (x === 10 && y <= 2 && z >= 20) {
          labels[i] = 1;
          hu[i] = airwayHu;
        }
      }
    }
  }
  return { hu, labels };
}

/** Measures of a set made of `groups` (count, HU), from the design. */
function designed(groups: Array<[number, number]>, voxelMl: number): DensitometryMeasures {
  const values: number[] = [];
  for (const [c, v] of groups) for (let k = 0; k < c; k++) values.push(v);
  return plainMeasures(values, voxelMl);
}

describe('densitometry on a designed phantom', () => {
  const ml = voxelVolumeMm3(AX) / 1000;
  const { hu, labels } = phantom();
  const axial = densitometry(hu, AX, { labels });

  it('right lung: exactly 12.5 % LAA and 3 % HAA, with the percentiles, classes and mass of the design', () => {
    const right = axial.right;
    expect(right.voxels).toBe(1600);
    expect([right.laa950, right.laa910, right.laa856]).toEqual([12.5, 12.5, 12.5]);
    expect([right.haa700, right.haa600, right.haa500, right.haa250]).toEqual([3, 3, 3, 0]);
    expect(right.perc10).toBe(-980); // rank 159.9 of 1600: inside the 200 at −980
    expect(right.perc15).toBe(-850); // rank 239.85
    expect(right.medianHu).toBe(-850);
    expect(right.meanHu).toBeCloseTo((200 * -980 + 1352 * -850 + 48 * -300) / 1600, 9);
    expect(right.massG).toBeCloseTo((ml * (200 * 20 + 1352 * 150 + 48 * 700)) / 1000, 9);
    const c = axial.classes.right;
    expect(c.classes.map((k) => [k.name, k.voxels])).toEqual([
      ['emphysema', 200], ['inflated', 1352], ['infiltrated', 0], ['collapsed', 48], ['vessels', 0],
    ]);
    expect(c.classes.map((k) => k.percent)).toEqual([12.5, 84.5, 0, 3, 0]);
    expect(c.functionalPercent).toBe(84.5);
    expect(c.affectedPercent).toBe(3);
    expect(c.unclassified.voxels).toBe(0);
    expect(axial.whole.voxels).toBe(3400);
    expect(axial.whole.volumeMl).toBe(3400 * ml);
    expect(axial.airway).toEqual({ voxels: 10, medianHu: -990 });
  });

  it('regions: thirds of the height and halves of the depth, boundary slices and rows going up / back', () => {
    const want: Record<RegionName, Array<[number, number]>> = {
      rightUpper: [[200, -980], [376, -850]], // z 16..24: 9 slices × 64
      rightMiddle: [[512, -850]], // z 8..15
      rightLower: [[464, -850], [48, -300]], // z 0..7
      rightVentral: [[104, -980], [696, -850]], // y 1..4
      rightDorsal: [[96, -980], [656, -850], [48, -300]], // y 5..8
      leftUpper: [[9 * 72, -800]],
      leftMiddle: [[8 * 72, -800]],
      leftLower: [[8 * 72, -800]],
      leftVentral: [[4 * 8 * 25, -800]],
      leftDorsal: [[5 * 8 * 25, -800]], // y 5..9: the boundary row y 5 is dorsal
    };
    for (const r of REGION_NAMES) expectMeasures(axial.regions[r], designed(want[r], ml), r);
    expect(axial.regions.rightLower.haa700).toBe(9.375);
    expect(axial.regions.rightDorsal.haa700).toBe(6);
    expect(axial.regions.rightDorsal.laa950).toBe(12);
  });

  const stacks: Array<[string, ResliceAxes]> = [
    ['feet-first supine', [{ from: 0, flip: true }, { from: 1, flip: false }, { from: 2, flip: true }]],
    ['feet-first prone', [{ from: 0, flip: false }, { from: 1, flip: true }, { from: 2, flip: true }]],
    ['head-first prone', [{ from: 0, flip: true }, { from: 1, flip: true }, { from: 2, flip: false }]],
    ['sagittal', SAGITTAL_DICOM],
    ['coronal', CORONAL_DICOM],
  ];
  for (const [name, axes] of stacks) {
    it(`a ${name} stack of the same chest gets the same regions and numbers`, () => {
      const rs = reslicer(AX, axes);
      const got = densitometry(resliceData(hu, rs), rs.geometry, { labels: resliceData(labels, rs) });
      const { extentsMm: e1, ...a } = axial;
      const { extentsMm: e2, ...b } = got;
      expect(b).toEqual(a);
      for (const lung of ['right', 'left'] as const) {
        for (const k of ['zMin', 'zMax', 'yMin', 'yMax'] as const) expect(e2[lung]?.[k]).toBeCloseTo(e1[lung]?.[k] ?? NaN, 9);
      }
    });
  }

  it('an oblique stack (rotated about the patient z axis) keeps the thirds', () => {
    const ang = Math.PI / 7;
    const g: VolumeGeometry = {
      ...AX,
      directionXyz: [[Math.cos(ang), Math.sin(ang), 0], [-Math.sin(ang), Math.cos(ang), 0], [0, 0, 1]],
    };
    const got = densitometry(hu, g, { labels });
    for (const r of ['rightUpper', 'rightMiddle', 'rightLower', 'leftUpper', 'leftMiddle', 'leftLower'] as const) {
      expect(got.regions[r]).toEqual(axial.regions[r]);
    }
    expectSameAsPlain(got, plainDensitometry(hu, g, labels), 'oblique');
  });
});

describe('densitometry quality checks', () => {
  const { hu, labels } = phantom();
  const codes = (params: Parameters<typeof densitometry>[3]) => densitometry(hu, AX, { labels }, params).qa.map((q) => `${q.level}:${q.code}`);
  const clean = { convolutionKernel: 'B30f', sliceThicknessMm: 1, contrastBolusAgent: '' };

  it('a clean series has no item; missing inputs are notes, not silence', () => {
    expect(codes(clean)).toEqual([]);
    expect(codes({})).toEqual(['note:kernel-unknown', 'note:thickness-unknown']);
  });

  it('tracheal air off by more than 30 HU warns; 30 HU is accepted; no airway is a note', () => {
    const off = phantom(-960);
    const atLimit = phantom(-970);
    expect(densitometry(off.hu, AX, { labels: off.labels }, clean).qa.map((q) => q.code)).toEqual(['trachea-air-off']);
    expect(densitometry(off.hu, AX, { labels: off.labels }, clean).qa[0].message).toContain('-960');
    expect(densitometry(atLimit.hu, AX, { labels: atLimit.labels }, clean).qa).toEqual([]);
    const noAirway = labels.map((l) => (l === 1 ? 0 : l));
    expect(densitometry(hu, AX, { labels: noAirway }, clean).qa.map((q) => q.code)).toEqual(['trachea-missing']);
  });

  it('sharp kernels, thick slices and contrast warn', () => {
    for (const k of ['B60f', 'B70f', 'Br64', 'BONE', 'LUNG', 'FC51', 'B30f\\B70f']) {
      expect(codes({ ...clean, convolutionKernel: k }), k).toEqual(['warning:kernel-sharp']);
    }
    for (const k of ['B30f', 'B45f', 'STANDARD', 'SOFT', 'FC13', 'Br40']) expect(codes({ ...clean, convolutionKernel: k }), k).toEqual([]);
    expect(codes({ ...clean, sliceThicknessMm: 2.5 })).toEqual(['warning:thickness-thick']);
    expect(codes({ ...clean, sliceThicknessMm: 1.5 })).toEqual([]);
    expect(codes({ ...clean, contrastBolusAgent: 'Omnipaque 350' })).toEqual(['warning:contrast']);
    expect(codes({ ...clean, contrastBolusAgent: 'NONE' })).toEqual([]);
  });

  it('HU outside every class is counted as unclassified and named; an empty lung is named', () => {
    const h = hu.slice();
    const lungVoxel = labels.indexOf(2);
    h[lungVoxel] = -1100;
    const got = densitometry(h, AX, { labels }, clean);
    expect(got.classes.right.unclassified.voxels).toBe(1);
    expect(got.qa.map((q) => q.code)).toEqual(['hu-outside-classes']);
    const noLeft = labels.map((l) => (l === 3 ? 0 : l));
    const one = densitometry(hu, AX, { labels: noLeft }, clean);
    expect(one.left.voxels).toBe(0);
    expect(one.left.meanHu).toBeNull();
    expect(one.qa.map((q) => q.message)).toEqual(['No voxels in the left lung.']);
  });

  it('editable classes: (lo, hi] intervals, overlapping ones refused', () => {
    const classes = [{ name: 'low', loHu: -1000, hiHu: -850 }, { name: 'high', loHu: -850, hiHu: 0, role: 'affected' as const }];
    const got = densitometry(hu, AX, { labels }, { ...clean, classes });
    expect(got.classes.right.classes.map((c) => c.voxels)).toEqual([200 + 1352, 48]);
    expect(got.classes.right.affectedPercent).toBe(3);
    expect(() => densitometry(hu, AX, { labels }, { classes: [{ name: 'a', loHu: -1000, hiHu: -800 }, { name: 'b', loHu: -900, hiHu: 0 }] })).toThrow(/overlap/);
  });
});

describe('densitometryCsvRows', () => {
  const { hu, labels } = phantom();
  const result = densitometry(hu, AX, { labels }, { lungMask: 'lung-fill' });

  it('one row per set × measure, classes per lung, tracheal air; values are the result\'s', () => {
    const rows = densitometryCsvRows(result);
    const keyed = new Map(rows.map((r) => [`${r.region}/${r.measure}`, r]));
    expect(keyed.size).toBe(rows.length);
    expect(rows.length).toBe(13 * 15 + 3 * (5 * 2 + 4) + 2);
    expect(keyed.get('right/laa950')).toEqual({ region: 'right', measure: 'laa950', value: 12.5, unit: '%' });
    expect(keyed.get('rightLower/haa700')?.value).toBe(9.375);
    expect(keyed.get('leftDorsal/voxels')).toEqual({ region: 'leftDorsal', measure: 'voxels', value: 1000, unit: 'voxels' });
    expect(keyed.get('whole/volumeMl')?.unit).toBe('mL');
    expect(keyed.get('right/emphysemaPercent')?.value).toBe(12.5);
    expect(keyed.get('right/functionalPercent')?.value).toBe(84.5);
    expect(keyed.get('airway/medianHu')?.value).toBe(-990);
  });

  it('CSV text: header, one line per row, empty for null', () => {
    const noLeft = densitometry(hu, AX, { labels: labels.map((l) => (l === 3 ? 0 : l)) });
    const lines = densitometryCsv(noLeft).trimEnd().split('\n');
    expect(lines[0]).toBe('region,measure,value,unit');
    expect(lines.length).toBe(densitometryCsvRows(noLeft).length + 1);
    expect(lines).toContain('left,meanHu,,HU');
    expect(lines).toContain('right,laa950,12.5,%');
  });
});
