/**
 * The erosion path of splitAirwayAndLungs (lungs that touch: eroded apart,
 * grown back, leftovers to the nearer lung) against a plain voxel
 * reference written the straightforward way: a full-volume side array,
 * every voxel still to reach tested against its 26 neighbours in every
 * round. Labels voxel for voxel, counts, mL, runs and erosion must agree,
 * on the chest phantom with a thin bridge and on random touching lungs
 * (bumpy ellipsoids joined by a thin bridge, thin fingers that erosion
 * removes whole and growth has to walk back along, small pieces apart,
 * lungs against the grid's border).
 */
import { describe, expect, it } from 'vitest';
import { AIRWAY_LABEL, LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL, splitAirwayAndLungs, splitAirwayAndLungsOfRuns } from '../../../src/core/segmentation/splitAirwayAndLungs';
import { erodeRuns2d, runsFromMask, type RunSet } from '../../../src/core/segmentation/runs';
import { labelRuns } from '../../../src/core/segmentation/connectedComponents';
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type Mask } from '../../../src/core/volume/volume';
import { segmentLungVariants } from '../../../src/core/segmentation/segmentLungs';
import { makeChest } from './chestPhantom';

/** Old-style growth: every round tests all voxels still to reach; a voxel with a side among its 26 neighbours takes the side with more of them (1 on a tie). */
function referenceGrowBack(side: Uint8Array, lung: Uint8Array, nx: number, ny: number, nz: number): void {
  let todo: number[] = [];
  for (let i = 0; i < lung.length; i++) if (lung[i] && side[i] === 0) todo.push(i);
  while (todo.length > 0) {
    const reached: [number, number][] = [];
    const keep: number[] = [];
    for (const i of todo) {
      const x = i % nx;
      const y = Math.floor(i / nx) % ny;
      const z = Math.floor(i / (nx * ny));
      let c1 = 0;
      let c2 = 0;
      for (let dz = -1; dz <= 1; dz++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            const zz = z + dz;
            if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz) continue;
            const v = side[xx + yy * nx + zz * nx * ny];
            if (v === 1) c1++;
            else if (v === 2) c2++;
          }
        }
      }
      if (c1 + c2 > 0) reached.push([i, c2 > c1 ? 2 : 1]);
      else keep.push(i);
    }
    if (reached.length === 0) break;
    for (const [i, v] of reached) side[i] = v;
    todo = keep;
  }
}

/** Voxel count and coordinate sums of the voxels of `runs` per label. */
function runSums(runs: RunSet, labelOf: (k: number) => number, count: number): { n: number[]; s: number[][] } {
  const n = new Array<number>(count).fill(0);
  const s = Array.from({ length: count }, () => [0, 0, 0]);
  for (let z = 0; z < runs.nz; z++) {
    for (let y = 0; y < runs.ny; y++) {
      const r = y + z * runs.ny;
      for (let k = runs.rowStart[r]; k < runs.rowStart[r + 1]; k++) {
        const l = labelOf(k);
        for (let x = runs.x0[k]; x < runs.x1[k]; x++) {
          n[l]++;
          s[l][0] += x;
          s[l][1] += y;
          s[l][2] += z;
        }
      }
    }
  }
  return { n, s };
}

/**
 * The labels the erosion path should give, from the mask and the airway the
 * split found (the airway step is not what this file tests): lungs = mask −
 * airway, eroded in plane until two parts of ≥ 10 % appear, grown back
 * (referenceGrowBack), left = larger patient x of the centroid, pieces
 * never reached to the lung whose centroid is nearer in x.
 */
function referenceTouchingSplit(mask: Mask, airway: Uint8Array): { labels: Uint8Array; erosionMm: number; restPieces: number } | null {
  const { nx, ny, nz } = mask;
  let total = 0;
  let sumX = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i]) {
      total++;
      sumX += i % nx;
    }
  }
  const midX = sumX / total;
  const lung = mask.data.map((v, i) => (v && !airway[i] ? 1 : 0));
  const unit = Math.min(mask.spacingMmXyz[0], mask.spacingMmXyz[1]);
  let eroded = runsFromMask(lung, mask);
  let seeds: { runs: RunSet; labelOfRun: Int32Array; big: number[] } | null = null;
  let erosionMm = 0;
  for (let step = 1; step <= Math.max(1, Math.round(10 / unit)); step++) {
    eroded = erodeRuns2d(eroded);
    if (eroded.count === 0) break;
    const el = labelRuns(eroded, 26);
    let t = 0;
    for (let l = 1; l <= el.componentCount; l++) t += el.sizes[l];
    const big: number[] = [];
    for (let l = 1; l <= el.componentCount; l++) if (el.sizes[l] >= 0.1 * t) big.push(l);
    if (big.length === 2) {
      seeds = { runs: eroded, labelOfRun: el.labelOfRun, big };
      erosionMm = step * unit;
      break;
    }
    if (big.length > 2) break;
  }
  if (seeds === null) return null;
  const side = new Uint8Array(nx * ny * nz);
  const sr = seeds.runs;
  for (let r = 0; r < ny * nz; r++) {
    for (let k = sr.rowStart[r]; k < sr.rowStart[r + 1]; k++) {
      const s = seeds.big.indexOf(seeds.labelOfRun[k]) + 1;
      if (s > 0) side.fill(s, r * nx + sr.x0[k], r * nx + sr.x1[k]);
    }
  }
  referenceGrowBack(side, lung, nx, ny, nz);
  const n = [0, 0];
  const c = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < side.length; i++) {
    const s = side[i] - 1;
    if (s < 0) continue;
    n[s]++;
    c[s][0] += i % nx;
    c[s][1] += Math.floor(i / nx) % ny;
    c[s][2] += Math.floor(i / (nx * ny));
  }
  if (n[0] === 0 || n[1] === 0 || (c[0][0] / n[0] - midX) * (c[1][0] / n[1] - midX) >= 0) return null;
  const cen = [0, 1].map((s) => voxelToPatientMm(mask, c[s][0] / n[s], c[s][1] / n[s], c[s][2] / n[s]));
  const leftSide = cen[0][0] > cen[1][0] ? 0 : 1;
  const code = [0, 0];
  code[leftSide] = LEFT_LUNG_LABEL;
  code[1 - leftSide] = RIGHT_LUNG_LABEL;
  const labels = new Uint8Array(nx * ny * nz);
  for (let i = 0; i < labels.length; i++) {
    if (airway[i]) labels[i] = AIRWAY_LABEL;
    else if (side[i]) labels[i] = code[side[i] - 1];
  }
  const restRuns = runsFromMask(lung.map((v, i) => (v && side[i] === 0 ? 1 : 0)), mask);
  const rest = labelRuns(restRuns, 26);
  const rs = runSums(restRuns, (k) => rest.labelOfRun[k], rest.componentCount + 1);
  for (let l = 1; l <= rest.componentCount; l++) {
    const p = voxelToPatientMm(mask, rs.s[l][0] / rs.n[l], rs.s[l][1] / rs.n[l], rs.s[l][2] / rs.n[l]);
    const s = Math.abs(p[0] - cen[0][0]) <= Math.abs(p[0] - cen[1][0]) ? 0 : 1;
    for (let r = 0; r < ny * nz; r++) {
      for (let k = restRuns.rowStart[r]; k < restRuns.rowStart[r + 1]; k++) {
        if (rest.labelOfRun[k] === l) labels.fill(code[s], r * nx + restRuns.x0[k], r * nx + restRuns.x1[k]);
      }
    }
  }
  return { labels, erosionMm, restPieces: rest.componentCount };
}

/** A small deterministic generator (LCG) in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Two bumpy ellipsoids (right at low x, left at high x) joined by a thin
 * bridge, with thin fingers (one voxel wide, so erosion removes them whole),
 * a few small pieces apart from both, some lungs cut by the grid's border,
 * every other one with a trachea.
 */
function randomTouchingLungs(seed: number): Mask {
  const rnd = random(seed);
  const nx = 52;
  const ny = 40;
  const nz = 18;
  const data = new Uint8Array(nx * ny * nz);
  const inside = (x: number, y: number, z: number) => x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz;
  const set = (x: number, y: number, z: number) => {
    if (inside(x, y, z)) data[x + y * nx + z * nx * ny] = 1;
  };
  const lungs = [0, 1].map((s) => ({
    cx: s === 0 ? 6 + rnd() * 8 : 39 + rnd() * 7,
    cy: 16 + rnd() * 8,
    cz: 2 + rnd() * 14,
    rx: 7 + rnd() * 3,
    ry: 10 + rnd() * 5,
    rz: 6 + rnd() * 6,
  }));
  for (const l of lungs) {
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const d = ((x - l.cx) / l.rx) ** 2 + ((y - l.cy) / l.ry) ** 2 + ((z - l.cz) / l.rz) ** 2;
          if (d <= 1 + 0.3 * (rnd() - 0.5)) set(x, y, z);
        }
      }
    }
  }
  // The bridge: 1 to 3 voxels wide in y, 1 to 3 slices, across the gap between the lungs.
  const by = Math.round(16 + rnd() * 8);
  const bz = Math.round(Math.min(lungs[0].cz, lungs[1].cz) + rnd() * Math.abs(lungs[0].cz - lungs[1].cz));
  const bw = 1 + Math.floor(rnd() * 3);
  const bh = 1 + Math.floor(rnd() * 3);
  for (let x = Math.floor(lungs[0].cx); x <= Math.ceil(lungs[1].cx); x++) {
    for (let dy = 0; dy < bw; dy++) for (let dz = 0; dz < bh; dz++) set(x, by + dy, bz + dz);
  }
  // Fingers: one voxel wide along x or y, from a voxel of the lung outwards.
  for (let f = 0; f < 8; f++) {
    const l = lungs[f % 2];
    const z = Math.round(l.cz + (rnd() - 0.5) * l.rz);
    const alongX = rnd() < 0.5;
    const dir = rnd() < 0.5 ? -1 : 1;
    const len = 3 + Math.floor(rnd() * 10);
    let x = Math.round(l.cx);
    let y = Math.round(l.cy + (rnd() - 0.5) * l.ry);
    for (let t = 0; t < 40 + len; t++) {
      set(x, y, z);
      if (t > 4 && inside(x, y, z) && !data[x + (alongX ? 0 : dir) + (y + (alongX ? dir : 0)) * nx + z * nx * ny]) break;
      if (alongX) y += dir;
      else x += dir;
    }
    for (let t = 0; t < len; t++) {
      if (alongX) y += dir;
      else x += dir;
      set(x, y, z);
    }
  }
  // Small pieces apart from the lungs (a voxel, a pair, a diagonal pair).
  for (let p = 0; p < 3; p++) {
    const x = Math.floor(rnd() * nx);
    const y = rnd() < 0.5 ? 1 + Math.floor(rnd() * 2) : ny - 2 - Math.floor(rnd() * 2);
    const z = Math.floor(rnd() * nz);
    set(x, y, z);
    if (p === 1) set(x + 1, y, z);
    if (p === 2) set(x + 1, y + 1, z + 1);
  }
  // Every other case a trachea: a 3 × 3 tube down the midline from the top slice.
  if (seed % 2 === 0) for (let z = nz - 9; z < nz; z++) for (let y = 19; y < 22; y++) for (let x = 25; x < 28; x++) set(x, y, z);
  const flip = seed % 3 === 0;
  return {
    nx,
    ny,
    nz,
    spacingMmXyz: [2.5, 2.5, 2.5],
    originMm: [0, 0, 0],
    directionXyz: flip ? [[-1, 0, 0], [0, -1, 0], [0, 0, 1]] : [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    data,
  };
}

/** The runs of `runs` as [row, x0, x1] triples (only the first `count` entries are runs). */
function runList(runs: RunSet): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < runs.ny * runs.nz; r++) for (let k = runs.rowStart[r]; k < runs.rowStart[r + 1]; k++) out.push([r, runs.x0[k], runs.x1[k]]);
  return out;
}

/** The split of `mask` (labels and runs, and numbers only) against the reference; the number of pieces never reached. */
function expectSameAsReference(mask: Mask): number {
  const maskRuns = runsFromMask(mask.data, mask);
  const r = splitAirwayAndLungsOfRuns(maskRuns, geometryOf(mask), { withRuns: true });
  if (!r.ok || !r.runs) throw new Error(r.ok ? 'no runs' : r.reason);
  expect(r.erosionMm).toBeGreaterThan(0);
  const want = referenceTouchingSplit(mask, r.labels.map((v) => (v === AIRWAY_LABEL ? 1 : 0)));
  if (want === null) throw new Error('the reference did not split the lungs');
  let diff = 0;
  for (let i = 0; i < want.labels.length; i++) if (r.labels[i] !== want.labels[i]) diff++;
  expect(diff).toBe(0);
  const count = (code: number) => want.labels.reduce((n, v) => n + (v === code ? 1 : 0), 0);
  const voxelMl = voxelVolumeMm3(mask) / 1000;
  expect([r.rightLungVoxels, r.leftLungVoxels, r.airwayVoxels]).toEqual([count(RIGHT_LUNG_LABEL), count(LEFT_LUNG_LABEL), count(AIRWAY_LABEL)]);
  expect([r.rightLungMl, r.leftLungMl]).toEqual([count(RIGHT_LUNG_LABEL) * voxelMl, count(LEFT_LUNG_LABEL) * voxelMl]);
  expect(r.erosionMm).toBe(want.erosionMm);
  expect(r.notes.some((n) => n.startsWith(`${want.restPieces} small piece(s) of lung not connected`))).toBe(want.restPieces > 0);
  // Runs per label: the maximal runs of the reference's labels.
  const of = (code: number) => runList(runsFromMask(want.labels.map((v) => (v === code ? 1 : 0)), mask));
  expect(runList(r.runs.right)).toEqual(of(RIGHT_LUNG_LABEL));
  expect(runList(r.runs.left)).toEqual(of(LEFT_LUNG_LABEL));
  expect(runList(r.runs.airway)).toEqual(of(AIRWAY_LABEL));
  // The same without labels, without runs, and from the voxel mask.
  const numbers = splitAirwayAndLungsOfRuns(maskRuns, geometryOf(mask), { withLabels: false });
  expect({ ...numbers, labels: null }).toEqual({ ...r, labels: null, runs: null });
  expect(splitAirwayAndLungs(mask)).toEqual({ ...r, runs: null });
  return want.restPieces;
}

describe('splitAirwayAndLungs, lungs eroded apart and grown back', () => {
  it('gives the reference labels on the chest phantom with a thin bridge', () => {
    const { volume } = makeChest({ bridge: 'thin' });
    expectSameAsReference(segmentLungVariants(volume).fill);
  });

  it('gives runs per label that are the maximal runs of its labels when the lungs are apart too', () => {
    for (const flipXY of [false, true]) {
      const { fill } = segmentLungVariants(makeChest({ flipXY }).volume);
      const r = splitAirwayAndLungsOfRuns(runsFromMask(fill.data, fill), geometryOf(fill), { withRuns: true });
      if (!r.ok || !r.runs) throw new Error(r.ok ? 'no runs' : r.reason);
      expect(r.erosionMm).toBe(0);
      const of = (code: number) => runList(runsFromMask(r.labels.map((v) => (v === code ? 1 : 0)), fill));
      expect(runList(r.runs.right)).toEqual(of(RIGHT_LUNG_LABEL));
      expect(runList(r.runs.left)).toEqual(of(LEFT_LUNG_LABEL));
      expect(runList(r.runs.airway)).toEqual(of(AIRWAY_LABEL));
      expect(r.runs.right.count).toBeGreaterThan(0);
    }
  });

  it('gives the reference labels, counts and runs on random touching lungs', () => {
    let withRest = 0;
    for (let seed = 1; seed <= 12; seed++) withRest += expectSameAsReference(randomTouchingLungs(seed)) > 0 ? 1 : 0;
    // Pieces never reached are among the cases, as are lungs that reach the grid's border.
    expect(withRest).toBeGreaterThan(0);
  });
});
