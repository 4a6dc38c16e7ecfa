import { describe, expect, it } from 'vitest';
import { marchingCubes, marchingCubesOfRuns } from '../../../src/core/mesh/marchingCubes';
import { runBoundaryFaceCount, runsFromMask } from '../../../src/core/segmentation/runs';
import type { Mask } from '../../../src/core/volume/volume';
import { CLOSED, comparisonMasks, crossingEdges, makeMask, maskFrom, rng, topology } from './meshChecks';

const runsOf = (m: Mask) => runsFromMask(m.data, m);

/** Both surfaces, array for array (same sweep, same vertex and triangle order). */
function expectSameSurface(mask: Mask, step: number, closeBorders: boolean): void {
  const dense = marchingCubes(mask, { stepSize: step, closeBorders });
  const fromRuns = marchingCubesOfRuns(runsOf(mask), mask, { stepSize: step, closeBorders });
  expect(fromRuns.positionsMm).toEqual(dense.positionsMm);
  expect(fromRuns.indices).toEqual(dense.indices);
  expect(fromRuns.normals).toEqual(dense.normals);
  expect(fromRuns.touchesBorder).toBe(dense.touchesBorder);
}

describe('runBoundaryFaceCount', () => {
  it('counts the faces between set and unset voxels, the grid outside unset', () => {
    expect(runBoundaryFaceCount(runsOf(maskFrom(5, 4, 3, () => false)))).toBe(0);
    expect(runBoundaryFaceCount(runsOf(maskFrom(5, 4, 3, (x, y, z) => x === 2 && y === 1 && z === 1)))).toBe(6);
    // A full 5 x 4 x 3 box: its surface, 2 (5*4 + 5*3 + 4*3) faces.
    expect(runBoundaryFaceCount(runsOf(maskFrom(5, 4, 3, () => true)))).toBe(2 * (20 + 15 + 12));
    // Two voxels side by side in x, in y, in z: 10 faces each.
    for (const pair of [[0, 1], [1, 0]] as const) {
      expect(runBoundaryFaceCount(runsOf(maskFrom(4, 4, 4, (x, y, z) => z === 1 && ((x === 1 && y === 1) || (x === 1 + pair[0] && y === 1 + pair[1])))))).toBe(10);
    }
    expect(runBoundaryFaceCount(runsOf(maskFrom(4, 4, 4, (x, y, z) => x === 1 && y === 1 && (z === 1 || z === 2))))).toBe(10);
  });

  it('equals the number of grid edges marching cubes puts a vertex on, for random masks', () => {
    const r = rng(5);
    for (const density of [0.05, 0.3, 0.6, 0.95]) {
      const mask = maskFrom(29, 17, 13, (x) => (x % 7 === 0 ? r() < 0.5 : r() < density));
      expect(runBoundaryFaceCount(runsOf(mask))).toBe(crossingEdges(mask));
      expect(runBoundaryFaceCount(runsOf(mask))).toBe(marchingCubes(mask).positionsMm.length / 3);
    }
  });
});

describe('marchingCubesOfRuns', () => {
  it('gives the surface marching cubes gives on the painted mask: steps 1-3, open or closed, oblique geometry', () => {
    const r = rng(4);
    // Word-aligned rows (nx % 4 == 0) with solid slabs: the whole-word skips.
    const slabs = maskFrom(40, 12, 9, (x, y, z) => ((x >= 4 && x < 22) || x >= 30 || (x < 2 && y > 6)) && (y < 10 || z > 5) && r() < 0.97);
    const full = maskFrom(12, 8, 7, () => true);
    const one = maskFrom(1, 1, 1, () => true);
    for (const mask of [...comparisonMasks(3), slabs, full, one]) {
      for (const step of [1, 2, 3]) {
        for (const closeBorders of [true, false]) expectSameSurface(mask, step, closeBorders);
      }
    }
  });

  it('closes noise of every density, sizing its vertex arrays exactly at step 1', () => {
    const r = rng(19);
    for (const density of [0.02, 0.5, 0.98]) {
      const mask = maskFrom(24, 20, 15, () => r() < density);
      const mesh = marchingCubesOfRuns(runsOf(mask), mask, { trim: false });
      expect(topology(mesh)).toEqual(CLOSED);
      // Views of the output buffers: positions fill theirs but for the room kept for one row of cubes.
      expect(mesh.positionsMm.buffer.byteLength - mesh.positionsMm.byteLength).toBe(3 * (24 + 2) * 12);
    }
  });

  it('grows its index array when a surface has many handles (more than 2 triangles per vertex)', () => {
    // A lattice of bars: a surface of high genus, 2 (V - chi) triangles with chi very negative.
    const lattice = maskFrom(33, 33, 33, (x, y, z) => [x % 4 === 0, y % 4 === 0, z % 4 === 0].filter(Boolean).length >= 2);
    const mesh = marchingCubesOfRuns(runsOf(lattice), lattice);
    expect(mesh.indices.length / 3).toBeGreaterThan(2.06 * (mesh.positionsMm.length / 3));
    expect(topology(mesh)).toEqual(CLOSED);
    expect(mesh.indices).toEqual(marchingCubes(lattice).indices);
  });

  it('rejects runs of another grid and handles empty grids', () => {
    const mask = maskFrom(6, 5, 4, (x) => x > 2);
    expect(() => marchingCubesOfRuns(runsOf(mask), { ...mask, nz: 5 })).toThrow(RangeError);
    const empty = makeMask(6, 5, 4, new Uint8Array(120));
    expect(marchingCubesOfRuns(runsOf(empty), empty).indices.length).toBe(0);
  });

  it('reports progress and stops when the signal is aborted', () => {
    const mask = maskFrom(20, 20, 20, (x, y, z) => (x - 10) ** 2 + (y - 10) ** 2 + (z - 10) ** 2 < 60);
    const seen: number[] = [];
    marchingCubesOfRuns(runsOf(mask), mask, { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    const signal = { aborted: false };
    expect(() =>
      marchingCubesOfRuns(runsOf(mask), mask, { signal, onProgress: (f) => { if (f > 0.3) signal.aborted = true; } }),
    ).toThrow(/abort|cancel/i);
  });
});
