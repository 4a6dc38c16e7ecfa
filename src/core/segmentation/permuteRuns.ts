/**
 * Binary row runs of a grid with its index axes permuted (axis a of the
 * result is axis perm[a] of the source, as in volume/reorient.ts), computed
 * from the runs alone, without a voxel array.
 *
 *   - x keeps its axis: the rows are only reordered, O(runs).
 *   - x changes axis to source axis k (y or z): the source is swept along k;
 *     between two consecutive source rows along k, the x where membership
 *     changes are the symmetric difference of their run lists (merge of the
 *     two sorted boundary lists, parity rule). Each such x opens or closes a
 *     run of the result's row through that x, so every result run is seen
 *     once, in increasing order along its row; a stable counting sort by
 *     result row puts them in raster order. This is the usual scan-line
 *     sweep for rotating a run-length coded binary image by 90°, applied to
 *     the lines of a 3D grid.
 *
 * When x changes axis the result runs are maximal (as runsFromMask makes
 * them) whatever the source; when it keeps its axis they are the source's
 * runs, reordered.
 *
 * Cost: O(source runs + result runs + changes), where "changes" is the
 * number of voxels whose membership differs from their neighbour along the
 * new x axis (the surface of the set along that axis, far fewer than its
 * voxels for a lung mask). Memory: one Int32 "open since" entry per result
 * row, 12 bytes per result run while sorting, 8 bytes per run out.
 */
import type { AxisPermutation } from '../volume/reorient';
import type { RunSet } from './runs';

/** Result runs in the order found, with their result row; growable. */
class RunList {
  row: Int32Array;
  a: Int32Array;
  b: Int32Array;
  count = 0;

  constructor(capacity: number) {
    const cap = Math.max(16, capacity);
    this.row = new Int32Array(cap);
    this.a = new Int32Array(cap);
    this.b = new Int32Array(cap);
  }

  push(row: number, a: number, b: number): void {
    if (this.count === this.row.length) this.grow();
    this.row[this.count] = row;
    this.a[this.count] = a;
    this.b[this.count] = b;
    this.count++;
  }

  private grow(): void {
    const cap = this.row.length * 2;
    const r = new Int32Array(cap);
    r.set(this.row);
    this.row = r;
    const a = new Int32Array(cap);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(cap);
    b.set(this.b);
    this.b = b;
  }
}

function checkPerm(perm: AxisPermutation): void {
  const seen = [false, false, false];
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p > 2 || seen[p]) throw new RangeError(`not an axis permutation: [${perm.join(', ')}]`);
    seen[p] = true;
  }
}

/** Rows reordered (x keeps its axis; perm is [0, 1, 2] or [0, 2, 1]). */
function reorderRows(src: RunSet, swapYz: boolean): RunSet {
  const { nx, ny, nz, rowStart, x0, x1 } = src;
  const my = swapYz ? nz : ny;
  const mz = swapYz ? ny : nz;
  const outStart = new Int32Array(my * mz + 1);
  const o0 = new Int32Array(src.count);
  const o1 = new Int32Array(src.count);
  let n = 0;
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      const r = swapYz ? z + y * ny : y + z * ny;
      const e = rowStart[r + 1];
      for (let k = rowStart[r]; k < e; k++) {
        o0[n] = x0[k];
        o1[n] = x1[k];
        n++;
      }
      outStart[y + z * my + 1] = n;
    }
  }
  return { nx, ny: my, nz: mz, rowStart: outStart, x0: o0, x1: o1, value: null, count: n };
}

/**
 * Sweep along source axis k (1 = y, 2 = z), one step t for each source row
 * position along k plus a last empty one, and record every result run with
 * its result row: rowOfX * x + rowOfU * u for the line at source x and u
 * (u = the source coordinate along the third axis).
 */
function sweep(src: RunSet, k: 1 | 2, rowOfX: number, rowOfU: number, out: RunList): void {
  const { nx, ny, nz, rowStart, x0, x1 } = src;
  const nk = k === 1 ? ny : nz;
  const nu = k === 1 ? nz : ny;
  // stepT / stepU: source row index = t * stepT + u * stepU.
  const stepT = k === 1 ? 1 : ny;
  const stepU = k === 1 ? ny : 1;
  const open = new Int32Array(nx * nu).fill(-1);
  for (let t = 0; t <= nk; t++) {
    for (let u = 0; u < nu; u++) {
      const r = t * stepT + u * stepU;
      // Previous row (t - 1) and current row (t); empty outside 0..nk-1.
      let pa = 0;
      let pe = 0;
      if (t > 0) {
        pa = rowStart[r - stepT];
        pe = rowStart[r - stepT + 1];
      }
      let ca = 0;
      let ce = 0;
      if (t < nk) {
        ca = rowStart[r];
        ce = rowStart[r + 1];
      }
      if (pa === pe && ca === ce) continue;
      const base = u * nx;
      const lineRow = u * rowOfU;
      // Boundaries of each list: 2 per run, x0 then x1; p, q count them.
      const pn = 2 * (pe - pa);
      const cn = 2 * (ce - ca);
      let p = 0;
      let q = 0;
      let inside = false;
      let from = 0;
      while (p < pn || q < cn) {
        const vp = p < pn ? ((p & 1) === 0 ? x0[pa + (p >> 1)] : x1[pa + (p >> 1)]) : 0x7fffffff;
        const vq = q < cn ? ((q & 1) === 0 ? x0[ca + (q >> 1)] : x1[ca + (q >> 1)]) : 0x7fffffff;
        let v: number;
        if (vp <= vq) {
          v = vp;
          p++;
        } else {
          v = vq;
          q++;
        }
        inside = !inside;
        if (inside) {
          from = v;
          continue;
        }
        // Membership changes at t for x in [from, v).
        for (let x = from; x < v; x++) {
          const i = base + x;
          const s = open[i];
          if (s < 0) {
            open[i] = t;
          } else {
            out.push(lineRow + x * rowOfX, s, t);
            open[i] = -1;
          }
        }
      }
    }
  }
}

/** Stable counting sort of the found runs by result row into a RunSet. */
function sortByRow(found: RunList, nx: number, ny: number, nz: number): RunSet {
  const rows = ny * nz;
  const rowStart = new Int32Array(rows + 1);
  const n = found.count;
  const { row, a, b } = found;
  for (let j = 0; j < n; j++) rowStart[row[j] + 1]++;
  for (let r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
  const cursor = rowStart.slice(0, rows);
  const x0 = new Int32Array(n);
  const x1 = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const at = cursor[row[j]]++;
    x0[at] = a[j];
    x1[at] = b[j];
  }
  return { nx, ny, nz, rowStart, x0, x1, value: null, count: n };
}

/**
 * The binary runs `src` on the grid with axes permuted by `perm` (result axis
 * a = source axis perm[a]): the runs of the same voxel set, in the result's
 * raster order. The identity returns `src` itself.
 */
export function permuteRuns(src: RunSet, perm: AxisPermutation): RunSet {
  checkPerm(perm);
  if (src.value !== null) throw new RangeError('permuteRuns takes binary runs');
  if (perm[0] === 0) return perm[1] === 1 ? src : reorderRows(src, true);
  const n = [src.nx, src.ny, src.nz];
  const mx = n[perm[0]];
  const my = n[perm[1]];
  const mz = n[perm[2]];
  const k = perm[0] as 1 | 2;
  // Result row of the line (source x, source u): result axes 1 and 2 are
  // source axis 0 and the third axis, in the order perm gives them.
  const rowOfX = perm[1] === 0 ? 1 : my;
  const rowOfU = perm[1] === 0 ? my : 1;
  const found = new RunList(src.count);
  sweep(src, k, rowOfX, rowOfU, found);
  return sortByRow(found, mx, my, mz);
}
