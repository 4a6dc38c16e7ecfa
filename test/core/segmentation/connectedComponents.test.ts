import { describe, expect, it } from 'vitest';
import { labelRuns, type Connectivity } from '../../../src/core/segmentation/connectedComponents';
import { labelAt, labelComponents, labelComponents2d, largestComponentMask, largestLabel } from '../../reference/connectedComponents';
import { runsFromMask, runsFromValues, type GridDims } from '../../../src/core/segmentation/runs';
import { bfsLabels } from './naiveReference';
import { mulberry32 } from '../../../src/core/random/mulberry32';

const rng = mulberry32;

/** Random volume; `blobby` makes runs by repeating the previous voxel with probability 0.8. */
function randomVolume(d: GridDims, density: number, seed: number, blobby: boolean, values = 2): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(d.nx * d.ny * d.nz);
  for (let i = 0; i < out.length; i++) {
    if (blobby && i % d.nx !== 0 && r() < 0.8) out[i] = out[i - 1];
    else if (values === 2) out[i] = r() < density ? 1 : 0;
    else out[i] = Math.floor(r() * values);
  }
  return out;
}

/** Same partition up to renumbering: a one-to-one map between label sets. */
function samePartition(a: Int32Array, b: Int32Array): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if ((x === 0) !== (y === 0)) return false;
    const m = ab.get(x);
    if (m === undefined) ab.set(x, y);
    else if (m !== y) return false;
    const n = ba.get(y);
    if (n === undefined) ba.set(y, x);
    else if (n !== x) return false;
  }
  return true;
}

const sizes3d: GridDims[] = [
  { nx: 1, ny: 1, nz: 1 },
  { nx: 7, ny: 5, nz: 4 },
  { nx: 16, ny: 13, nz: 9 },
  { nx: 41, ny: 33, nz: 17 },
];
const densities = [0.05, 0.3, 0.5, 0.7, 0.95];

describe('labelComponents matches a BFS flood-fill labeller', () => {
  for (const connectivity of [6, 18, 26] as const) {
    it(`gives the same labels and sizes in 3D with ${connectivity}-connectivity on random volumes`, () => {
      let seed = connectivity * 1000;
      for (const d of sizes3d) {
        for (const density of densities) {
          for (const blobby of [false, true]) {
            const data = randomVolume(d, density, ++seed, blobby);
            const ref = bfsLabels(data, d, connectivity, false);
            const got = labelComponents(data, d, { connectivity });
            expect(samePartition(got.labels, ref.labels)).toBe(true);
            // Numbering is raster order of each component's first voxel, as skimage.
            expect(Array.from(got.labels)).toEqual(Array.from(ref.labels));
            expect(got.componentCount).toBe(ref.count);
            expect(Array.from(got.sizes)).toEqual(ref.sizes);
          }
        }
      }
    });
  }

  for (const connectivity of [4, 8] as const) {
    it(`gives the same labels and sizes in 2D with ${connectivity}-connectivity, also slice by slice on a volume`, () => {
      let seed = connectivity * 777;
      for (const d of [{ nx: 1, ny: 1, nz: 1 }, { nx: 9, ny: 6, nz: 1 }, { nx: 64, ny: 48, nz: 1 }, { nx: 23, ny: 19, nz: 5 }]) {
        for (const density of densities) {
          for (const blobby of [false, true]) {
            const data = randomVolume(d, density, ++seed, blobby);
            const ref = bfsLabels(data, d, connectivity, false);
            const got = d.nz === 1 ? labelComponents2d(data, d.nx, d.ny, connectivity) : labelComponents(data, d, { connectivity });
            expect(Array.from(got.labels)).toEqual(Array.from(ref.labels));
            expect(Array.from(got.sizes)).toEqual(ref.sizes);
          }
        }
      }
    });
  }

  for (const connectivity of [4, 8, 6, 18, 26] as const) {
    it(`labels every value with ${connectivity}-connectivity when there is no background (allValues)`, () => {
      let seed = 5000 + connectivity;
      const dims = connectivity <= 8 ? [{ nx: 30, ny: 20, nz: 1 }, { nx: 12, ny: 11, nz: 3 }] : [{ nx: 7, ny: 6, nz: 5 }, { nx: 20, ny: 17, nz: 11 }];
      for (const d of dims) {
        for (const values of [2, 3]) {
          for (const density of [0.2, 0.5, 0.8]) {
            for (const blobby of [false, true]) {
              const data = randomVolume(d, density, ++seed, blobby, values);
              const ref = bfsLabels(data, d, connectivity, true);
              const got = labelComponents(data, d, { connectivity, mode: 'allValues' });
              expect(Array.from(got.labels)).toEqual(Array.from(ref.labels));
              expect(Array.from(got.sizes)).toEqual(ref.sizes);
              for (let i = 0; i < data.length; i++) {
                if (got.componentValue![got.labels[i]] !== data[i]) throw new Error(`component value differs at ${i}`);
              }
            }
          }
        }
      }
    });
  }

  it('allValues on a 0/1 volume is the union of labelling each value as foreground', () => {
    const d = { nx: 25, ny: 21, nz: 9 };
    const data = randomVolume(d, 0.55, 99, true);
    const all = labelComponents(data, d, { connectivity: 26, mode: 'allValues' });
    const fg = labelComponents(data, d, { connectivity: 26 });
    const inv = data.map((v) => 1 - v);
    const bg = labelComponents(inv, d, { connectivity: 26 });
    const combined = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) combined[i] = data[i] ? fg.labels[i] : bg.labels[i] + fg.componentCount;
    expect(samePartition(all.labels, combined)).toBe(true);
    expect(all.componentCount).toBe(fg.componentCount + bg.componentCount);
  });
});

describe('labelComponents hand-made cases', () => {
  const vol = (d: GridDims, on: Array<[number, number, number]>): Uint8Array => {
    const a = new Uint8Array(d.nx * d.ny * d.nz);
    for (const [x, y, z] of on) a[x + y * d.nx + z * d.nx * d.ny] = 1;
    return a;
  };
  const count = (data: Uint8Array, d: GridDims, c: Connectivity) => labelComponents(data, d, { connectivity: c }).componentCount;

  it('joins in-plane diagonal neighbours with 8/18/26 but not with 4/6', () => {
    const d = { nx: 3, ny: 3, nz: 1 };
    const a = vol(d, [[0, 0, 0], [1, 1, 0]]);
    expect(count(a, d, 4)).toBe(2);
    expect(count(a, d, 8)).toBe(1);
    expect(count(a, d, 6)).toBe(2);
    expect(count(a, d, 18)).toBe(1);
    expect(count(a, d, 26)).toBe(1);
    // anti-diagonal
    const b = vol(d, [[2, 0, 0], [1, 1, 0]]);
    expect(count(b, d, 4)).toBe(2);
    expect(count(b, d, 8)).toBe(1);
  });

  it('joins x-z and y-z edge neighbours with 18 and corner neighbours only with 26', () => {
    const d = { nx: 3, ny: 3, nz: 2 };
    expect(count(vol(d, [[0, 0, 0], [1, 0, 1]]), d, 6)).toBe(2);
    expect(count(vol(d, [[0, 0, 0], [1, 0, 1]]), d, 18)).toBe(1);
    expect(count(vol(d, [[0, 0, 0], [0, 1, 1]]), d, 18)).toBe(1);
    expect(count(vol(d, [[0, 2, 0], [0, 1, 1]]), d, 18)).toBe(1);
    expect(count(vol(d, [[0, 0, 0], [1, 1, 1]]), d, 18)).toBe(2);
    expect(count(vol(d, [[0, 0, 0], [1, 1, 1]]), d, 26)).toBe(1);
    expect(count(vol(d, [[2, 2, 0], [1, 1, 1]]), d, 26)).toBe(1);
    expect(count(vol(d, [[0, 0, 0], [0, 0, 1]]), d, 6)).toBe(1);
    // 2D connectivities never cross slices.
    expect(count(vol(d, [[0, 0, 0], [0, 0, 1]]), d, 8)).toBe(2);
  });

  it('does not wrap around at row ends or slice ends', () => {
    const d = { nx: 4, ny: 3, nz: 2 };
    // Last voxel of a row and first voxel of the next row are adjacent in memory only.
    for (const c of [4, 8, 6, 18, 26] as const) {
      expect(count(vol(d, [[3, 0, 0], [0, 1, 0]]), d, c)).toBe(2);
      // Last row of slice 0 and first row of slice 1.
      expect(count(vol(d, [[1, 2, 0], [1, 0, 1]]), d, c)).toBe(2);
    }
    // x = nx-1 and x = 0 one row apart diagonally in the "next" sense.
    expect(count(vol(d, [[3, 0, 0], [0, 1, 1]]), d, 26)).toBe(2);
  });

  it('handles a single voxel, an empty and a full volume', () => {
    const d = { nx: 5, ny: 4, nz: 3 };
    const one = labelComponents(vol(d, [[2, 1, 1]]), d, { connectivity: 26 });
    expect(one.componentCount).toBe(1);
    expect(one.sizes[1]).toBe(1);
    expect(one.labels[2 + 5 + 20]).toBe(1);
    const empty = labelComponents(new Uint8Array(60), d, { connectivity: 26 });
    expect(empty.componentCount).toBe(0);
    expect(empty.labels.every((v) => v === 0)).toBe(true);
    for (const c of [4, 8, 6, 18, 26] as const) {
      const full = labelComponents(new Uint8Array(60).fill(1), d, { connectivity: c });
      expect(full.componentCount).toBe(c === 4 || c === 8 ? 3 : 1);
      expect(full.labels.every((v) => v >= 1)).toBe(true);
    }
    const fullAll = labelComponents(new Uint8Array(60).fill(7), d, { connectivity: 26, mode: 'allValues' });
    expect(fullAll.componentCount).toBe(1);
    expect(fullAll.componentValue![1]).toBe(7);
    const emptyGrid = labelComponents(new Uint8Array(0), { nx: 0, ny: 0, nz: 0 }, { connectivity: 6 });
    expect(emptyGrid.componentCount).toBe(0);
  });

  it('checkerboard: 8-connectivity joins each colour, 4-connectivity isolates every pixel', () => {
    const nx = 6;
    const ny = 5;
    const a = new Uint8Array(nx * ny);
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) a[x + y * nx] = (x + y) & 1;
    expect(labelComponents2d(a, nx, ny, 8, 'allValues').componentCount).toBe(2);
    expect(labelComponents2d(a, nx, ny, 4, 'allValues').componentCount).toBe(nx * ny);
    expect(labelComponents2d(a, nx, ny, 8).componentCount).toBe(1);
    expect(labelComponents2d(a, nx, ny, 4).componentCount).toBe(15);
  });

  it('rejects data whose length does not match the grid', () => {
    expect(() => labelComponents(new Uint8Array(10), { nx: 3, ny: 3, nz: 1 }, { connectivity: 8 })).toThrow(RangeError);
  });
});

describe('component helpers', () => {
  it('largestLabel picks the biggest component, the lowest label on ties, 0 when empty', () => {
    expect(largestLabel(new Float64Array([0, 3, 5, 5, 1]))).toBe(2);
    expect(largestLabel(new Float64Array([0]))).toBe(0);
  });

  it('labelAt finds the component of a voxel through the runs', () => {
    const d = { nx: 20, ny: 15, nz: 6 };
    const data = randomVolume(d, 0.5, 4242, true);
    const runs = runsFromMask(data, d);
    const rl = labelRuns(runs, 26);
    const vox = labelComponents(data, d, { connectivity: 26 }).labels;
    for (let z = 0; z < d.nz; z++) for (let y = 0; y < d.ny; y++) for (let x = 0; x < d.nx; x++) {
      expect(labelAt(runs, rl, x, y, z)).toBe(vox[x + y * d.nx + z * d.nx * d.ny]);
    }
    expect(labelAt(runs, rl, -1, 0, 0)).toBe(0);
  });

  it('largestComponentMask keeps exactly the voxels of the largest component', () => {
    const d = { nx: 30, ny: 22, nz: 8 };
    const data = randomVolume(d, 0.35, 31, false);
    const ref = bfsLabels(data, d, 6, false);
    let best = 1;
    for (let l = 2; l <= ref.count; l++) if (ref.sizes[l] > ref.sizes[best]) best = l;
    const m = largestComponentMask(data, d, 6);
    for (let i = 0; i < data.length; i++) expect(m[i]).toBe(ref.labels[i] === best ? 1 : 0);
  });

  it('valued runs cover every voxel and the labeller does not modify its input', () => {
    const d = { nx: 11, ny: 7, nz: 3 };
    const data = randomVolume(d, 0.5, 8, true, 3);
    const copy = data.slice();
    const runs = runsFromValues(data, d);
    let n = 0;
    for (let k = 0; k < runs.count; k++) n += runs.x1[k] - runs.x0[k];
    expect(n).toBe(data.length);
    labelComponents(data, d, { connectivity: 18, mode: 'allValues' });
    expect(data).toEqual(copy);
  });
});
