/**
 * Marching cubes on a binary mask at level 0.5: a closed, welded, outward
 * oriented triangle surface in patient millimetres.
 *
 * Variant: Lorensen & Cline (1987) marching cubes with the consistent face
 * rule of marchingCubesTables.ts (ambiguous faces join the 1s, as the
 * asymptotic decider / Lewiner et al. 2003 do on 0/1 data), so every edge of
 * the surface is used by exactly two triangles. For 0/1 data at level 0.5
 * every vertex is an edge midpoint. `stepSize` samples every step-th voxel
 * along each axis, like scikit-image's `step_size`.
 *
 * Borders: by default the grid is padded conceptually by one layer of 0 on
 * every side (nothing is copied), so a mask touching the array border still
 * gets a closed surface; the caps lie half a step outside the border voxels.
 * scikit-image does not pad: with `closeBorders: false` the cubes touching
 * the padding are not triangulated, which reproduces its open surface and
 * its vertex set (see the note on counts below).
 *
 * Counts against scikit-image `marching_cubes(method='lewiner')` (measured on
 * the reference lung masks, exact): with `closeBorders: false` the vertices
 * are the same points (one per edge that crosses the level), except that
 * Lewiner adds a vertex at the centre of each cube whose faces give one
 * 3-point and one 4-point loop (24 configurations) and joins the two loops by
 * a tunnel of 9 triangles around it (we draw the 2 loops, 3 triangles); in
 * the 8 configurations with a 3-point and a 6-point loop (three 1s around a
 * 0 corner) it also draws a 9-triangle tunnel where we draw 5 triangles.
 * Lewiner's tunnels there come from how its interior test breaks the exact
 * tie of 0/1 data; this code keeps the loops as separate disks, which is
 * consistent across faces by construction. So our surfaces have 0.04-0.4 %
 * fewer vertices, 0.1-1.5 % fewer triangles and 0.1-1.5 % less area on the
 * reference masks. With padding (the default) the caps where a mask touches
 * the border are added on top.
 *
 * Speed: one pass over the rows finds each row's first and last 1 (four bytes
 * at a time when the rows are 4-byte aligned); a row of cubes is skipped when
 * its four voxel rows are empty, and only the x range where one of them holds
 * a 1 is visited. Inside that range, when the four rows are word aligned
 * (stepSize 1, nx a multiple of 4), runs of whole 4-voxel words that are all
 * 0 (or all 1) in the four rows, like the current column, are skipped with four
 * 32-bit compares per word. Otherwise the cube index is updated incrementally
 * (one new column of four voxels per step), edge vertex ids live in five
 * slice-sized Int32Array layers (x and y edges of the bottom and top planes,
 * z edges between), and each intersected edge is created once by the first
 * cube that meets it (the cube for which it is the far x, y or z edge), so no
 * look-up or de-duplication is needed. Output capacity is checked once per
 * row of cubes; the first guess is generous (unused tail pages of a fresh
 * typed array are never touched). By default the result arrays are trimmed
 * copies that own exactly their buffers (so a worker can transfer them);
 * with `trim: false` they are views of the used part of the output buffers
 * instead, which saves the copies: a copy touches every output page a second
 * time, and fresh pages are a large part of the cost here. The analysis
 * pipeline's mesh stage uses
 * views.
 *
 * Normals: area-weighted vertex normals (as computeVertexNormals in mesh.ts)
 * accumulated during the sweep. Each table triangle's cross product in cube
 * units is a small integer constant, added to its three vertices (exact in
 * Float32); at the end one pass maps the sums to patient space with the
 * cofactor matrix of the voxel-to-patient map ((Mu) x (Mv) = cof(M)(u x v))
 * and normalises them in place. No second pass over the triangles or
 * positions.
 *
 * Cost: O(voxels / 4) for the row scan plus O(cubes in the row ranges) for
 * the sweep (uniform words cost a quarter); memory 5 * (nx+2) * (ny+2) Int32
 * plus 8 bytes per row plus the output (24 bytes per vertex for positions
 * and normals, 12 per triangle) and, when trimmed, its copies.
 */
import type { Mask, VolumeGeometry } from '../volume/volume';
import { runBoundaryFaceCount, type RunSet } from '../segmentation/runs';
import { abortError, type CancelSignal, type Mesh, type ProgressCallback } from './mesh';
import { cubeTable, EDGE_CORNERS } from './marchingCubesTables';

export interface MarchingCubesParams {
  /** Sample every step-th voxel along x, y and z (scikit-image `step_size`); integer >= 1, default 1. */
  stepSize?: number;
  /** Pad with 0 outside the array so the surface is closed (default true). */
  closeBorders?: boolean;
  /**
   * true (default): the result arrays own exactly their buffers (trimmed
   * copies); false: they are views of the used part of larger buffers (no
   * copy; their `buffer` is longer than the view, whose unused tail was never
   * touched and holds no memory pages).
   */
  trim?: boolean;
  onProgress?: ProgressCallback;
  signal?: CancelSignal;
}

export interface MarchingCubesResult extends Mesh {
  /** True when a 1 lies on the (sampled) border of the array, i.e. the surface reaches it. */
  touchesBorder: boolean;
}

/** SPREAD[k] puts bits 0..3 of a column code at bits 0, 2, 4, 6 of a cube index. */
const SPREAD = Uint8Array.from({ length: 16 }, (_, k) => (k & 1) | ((k & 2) << 1) | ((k & 4) << 2) | ((k & 8) << 3));

/**
 * First and last sampled x (in steps) holding a nonzero value, per sampled
 * row (y, z) in steps; lo = mx and hi = -1 for an empty row.
 */
function rowExtents(mask: Mask, s: number, mx: number, my: number, mz: number, lo: Int32Array, hi: Int32Array): void {
  const { nx, ny, data } = mask;
  const nxy = nx * ny;
  const words = s === 1 && nx % 4 === 0 && data.byteOffset % 4 === 0
    ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2)
    : null;
  const wn = nx >> 2;
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      const r = y + z * my;
      const off = y * s * nx + z * s * nxy;
      if (words) {
        const w0 = off >> 2;
        let a = 0;
        // Empty rows are the common case: four words per test.
        while (a + 4 <= wn && (words[w0 + a] | words[w0 + a + 1] | words[w0 + a + 2] | words[w0 + a + 3]) === 0) a += 4;
        while (a < wn && words[w0 + a] === 0) a++;
        if (a === wn) {
          lo[r] = mx;
          hi[r] = -1;
          continue;
        }
        let x = a * 4;
        while (data[off + x] === 0) x++;
        lo[r] = x;
        let b = wn - 1;
        while (words[w0 + b] === 0) b--;
        x = b * 4 + 3;
        while (data[off + x] === 0) x--;
        hi[r] = x;
      } else {
        let x = 0;
        while (x < mx && data[off + x * s] === 0) x++;
        if (x === mx) {
          lo[r] = mx;
          hi[r] = -1;
          continue;
        }
        lo[r] = x;
        x = mx - 1;
        while (data[off + x * s] === 0) x--;
        hi[r] = x;
      }
    }
  }
}

function growF32(a: Float32Array, need: number): Float32Array<ArrayBuffer> {
  let cap = a.length;
  while (cap < need) cap = Math.ceil(cap * 1.5);
  const b = new Float32Array(cap);
  b.set(a);
  return b;
}

function growU32(a: Uint32Array, need: number): Uint32Array<ArrayBuffer> {
  let cap = a.length;
  while (cap < need) cap = Math.ceil(cap * 1.5);
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}

/**
 * Cross product (b - a) x (c - a) of each table triangle in doubled cube
 * units (corners at 0/2, edge midpoints at 1), i.e. 4 times the voxel-unit
 * cross product: small exact integers. Entry t..t+2 belongs to the triangle
 * that starts at triEdges[t].
 */
function triangleCrosses(triEdges: Uint8Array): Float32Array {
  const mid = new Int32Array(36);
  for (let e = 0; e < 12; e++) {
    const [a, b] = EDGE_CORNERS[e];
    mid[e * 3] = (a & 1) + (b & 1);
    mid[e * 3 + 1] = ((a >> 1) & 1) + ((b >> 1) & 1);
    mid[e * 3 + 2] = ((a >> 2) & 1) + ((b >> 2) & 1);
  }
  const out = new Float32Array(triEdges.length);
  for (let t = 0; t + 2 < triEdges.length; t += 3) {
    const a = triEdges[t] * 3, b = triEdges[t + 1] * 3, c = triEdges[t + 2] * 3;
    const ux = mid[b] - mid[a], uy = mid[b + 1] - mid[a + 1], uz = mid[b + 2] - mid[a + 2];
    const vx = mid[c] - mid[a], vy = mid[c + 1] - mid[a + 1], vz = mid[c + 2] - mid[a + 2];
    out[t] = uy * vz - uz * vy;
    out[t + 1] = uz * vx - ux * vz;
    out[t + 2] = ux * vy - uy * vx;
  }
  return out;
}

/** Inputs and growing output of one sweep (a plain object of fixed shape). */
interface Sweep {
  data: Uint8Array;
  /** The mask as 32-bit words when its rows are word aligned (stepSize 1, nx % 4 == 0), else null. */
  words: Uint32Array | null;
  s: number;
  nx: number;
  nxy: number;
  mx: number;
  my: number;
  mz: number;
  closeBorders: boolean;
  rowLo: Int32Array;
  rowHi: Int32Array;
  /**
   * false: `data` is the whole mask, sampled plane p starts at p*s*nxy.
   * true: `data` holds two planes, sampled plane p in slot p & 1, which
   * `load(p)` fills just before the slab that first reads it.
   */
  ring: boolean;
  load: ((p: number) => void) | null;
  /** Edge id layers over the padded grid (points -1..m), index (y+1)*W + (x+1): [x-edges parity 0 | 1 | y-edges parity 0 | 1 | z-edges]. */
  ids: Int32Array;
  W: number;
  triStart: Uint16Array;
  triEdges: Uint8Array;
  /** Per slab: offset in `ids` of each table entry's edge, relative to the cube's base index. */
  triOff: Int32Array;
  cross: Float32Array;
  maxIds: number;
  o0: number; o1: number; o2: number;
  m00: number; m01: number; m02: number;
  m10: number; m11: number; m12: number;
  m20: number; m21: number; m22: number;
  signal: CancelSignal | null;
  onProgress: ProgressCallback | null;
  /** Positions, per-vertex sums of the triangles' doubled cube-unit cross products, indices. */
  pos: Float32Array;
  nrm: Float32Array;
  idx: Uint32Array;
  nv: number;
  ni: number;
}

/** Grows the output so that `cubes` more cubes fit (at most 3 new vertices and maxIds indices each). */
function reserve(c: Sweep, nv: number, ni: number, cubes: number): void {
  const needPos = (nv + 3 * cubes) * 3;
  if (needPos > c.pos.length) {
    c.pos = growF32(c.pos, needPos);
    c.nrm = growF32(c.nrm, c.pos.length);
  }
  const needIdx = ni + c.maxIds * cubes;
  if (needIdx > c.idx.length) c.idx = growU32(c.idx, needIdx);
}

/**
 * The sweep over all rows of cubes, slab by slab. Only loops: kept apart
 * from the set-up and the finishing so that the code the engine optimises
 * while it runs has been through every path it takes later.
 */
function sweep(c: Sweep): void {
  const { data, words, s, nx, nxy, mx, my, mz, closeBorders, rowLo, rowHi, ring, load, ids, W, triStart, triEdges, triOff, cross, signal, onProgress } = c;
  const { o0, o1, o2, m00, m01, m02, m10, m11, m12, m20, m21, m22 } = c;
  const plane = W * (my + 2);
  const wordsPerRow = nx >> 2;
  const ALL_ONES = 0x01010101;
  const FULL = SPREAD[15];
  const cLo = -1;
  const cxHi = mx - 1;
  const emitXLo = closeBorders ? -1 : 0;
  const emitXHi = closeBorders ? mx - 1 : mx - 2;
  const eo = EO;
  let pos = c.pos;
  let nrm = c.nrm;
  let idx = c.idx;
  let nv = c.nv;
  let ni = c.ni;

  for (let cz = cLo; cz <= mz - 1; cz++) {
    if (signal !== null && signal.aborted) throw abortError();
    if (load !== null && cz + 1 < mz) load(cz + 1);
    // Start of the low and high voxel planes in `data` (only read when they exist).
    const zb0 = ring ? (cz & 1) * nxy : cz * s * nxy;
    const zb1 = ring ? ((cz + 1) & 1) * nxy : (cz + 1) * s * nxy;
    const lowLayer = (cz + 1) & 1; // parity of padded layer cz
    const highLayer = (cz + 2) & 1; // parity of padded layer cz + 1
    const xL = lowLayer * plane, xH = highLayer * plane;
    const yL = (2 + lowLayer) * plane, yH = (2 + highLayer) * plane;
    const zM = 4 * plane;
    eo[0] = xL; eo[1] = xL + W; eo[2] = xH; eo[3] = xH + W;
    eo[4] = yL; eo[5] = yL + 1; eo[6] = yH; eo[7] = yH + 1;
    eo[8] = zM; eo[9] = zM + 1; eo[10] = zM + W; eo[11] = zM + W + 1;
    const e3 = eo[3], e7 = eo[7], e11 = eo[11];
    for (let t = 0; t < triOff.length; t++) triOff[t] = eo[triEdges[t]];
    const z0ok = cz >= 0, z1ok = cz + 1 < mz;
    const slabEmits = closeBorders || (cz >= 0 && cz <= mz - 2);
    const zEdgesReal = slabEmits;
    const fz1 = (cz + 1) * s; // voxel z of the high plane
    const fzm = (cz + 0.5) * s; // voxel z of z-edge midpoints

    for (let cy = cLo; cy <= my - 1; cy++) {
      const y0ok = cy >= 0, y1ok = cy + 1 < my;
      // The four voxel rows of this row of cubes; missing (padding) rows are empty.
      let lo = mx, hi = -1;
      let o00 = 0, o10 = 0, o01 = 0, o11 = 0;
      let k00 = 0, k10 = 0, k01 = 0, k11 = 0; // 1 when the row exists
      if (y0ok && z0ok) {
        const r = cy + cz * my;
        if (rowHi[r] >= 0) { k00 = 1; o00 = cy * s * nx + zb0; if (rowLo[r] < lo) lo = rowLo[r]; if (rowHi[r] > hi) hi = rowHi[r]; }
      }
      if (y1ok && z0ok) {
        const r = cy + 1 + cz * my;
        if (rowHi[r] >= 0) { k10 = 1; o10 = (cy + 1) * s * nx + zb0; if (rowLo[r] < lo) lo = rowLo[r]; if (rowHi[r] > hi) hi = rowHi[r]; }
      }
      if (y0ok && z1ok) {
        const r = cy + (cz + 1) * my;
        if (rowHi[r] >= 0) { k01 = 1; o01 = cy * s * nx + zb1; if (rowLo[r] < lo) lo = rowLo[r]; if (rowHi[r] > hi) hi = rowHi[r]; }
      }
      if (y1ok && z1ok) {
        const r = cy + 1 + (cz + 1) * my;
        if (rowHi[r] >= 0) { k11 = 1; o11 = (cy + 1) * s * nx + zb1; if (rowLo[r] < lo) lo = rowLo[r]; if (rowHi[r] > hi) hi = rowHi[r]; }
      }
      if (hi < 0) continue;
      const rowEmits = slabEmits && (closeBorders || (cy >= 0 && cy <= my - 2));
      // Without padding, no vertex goes on an edge that reaches the padding.
      const yEdgesReal = closeBorders || (cy >= 0 && cy <= my - 2);
      const cxStart = lo - 1 < cLo ? cLo : lo - 1;
      const cxEnd = hi > cxHi ? cxHi : hi;
      const rowBase = (cy + 1) * W + 1;
      const fy1 = (cy + 1) * s;
      const fym = (cy + 0.5) * s;
      // Patient position of this row's edge midpoints less the x term: far x edges, y edges, z edges.
      const px0 = o0 + m01 * fy1 + m02 * fz1, px1 = o1 + m11 * fy1 + m12 * fz1, px2 = o2 + m21 * fy1 + m22 * fz1;
      const py0 = o0 + m01 * fym + m02 * fz1, py1 = o1 + m11 * fym + m12 * fz1, py2 = o2 + m21 * fym + m22 * fz1;
      const pz0 = o0 + m01 * fy1 + m02 * fzm, pz1 = o1 + m11 * fy1 + m12 * fzm, pz2 = o2 + m21 * fy1 + m22 * fzm;

      // Room for this row's output (every row goes through the call, so the
      // optimised code has seen it; growing is rare).
      reserve(c, nv, ni, cxEnd - cxStart + 1);
      pos = c.pos;
      nrm = c.nrm;
      idx = c.idx;
      // Word bases and masks of the four rows (a missing row reads as 0).
      const w00 = o00 >> 2, w10 = o10 >> 2, w01 = o01 >> 2, w11 = o11 >> 2;
      const mk00 = -k00, mk10 = -k10, mk01 = -k01, mk11 = -k11;

      // Column code of the first cube's left column (x = cxStart).
      let left = 0;
      if (cxStart >= 0) {
        const xs = cxStart * s;
        left = SPREAD[
          (((data[o00 + xs] + 255) >> 8) & k00) |
          ((((data[o10 + xs] + 255) >> 8) & k10) << 1) |
          ((((data[o01 + xs] + 255) >> 8) & k01) << 2) |
          ((((data[o11 + xs] + 255) >> 8) & k11) << 3)
        ];
      }
      for (let cx = cxStart; cx <= cxEnd; cx++) {
        let xr = cx + 1;
        if (words !== null && (xr & 3) === 0 && (left === 0 || left === FULL)) {
          // Skip whole words in which all four rows keep the left column's value:
          // those cubes are all 0 or all 1. (One loop for both: when the left
          // column is all 1, all four rows exist and every mask is all bits.)
          const fw = left === 0 ? 0 : ALL_ONES;
          let w = xr >> 2;
          while (w < wordsPerRow &&
            (((words[w00 + w] ^ fw) & mk00) | ((words[w10 + w] ^ fw) & mk10) | ((words[w01 + w] ^ fw) & mk01) | ((words[w11 + w] ^ fw) & mk11)) === 0) w++;
          if (w !== xr >> 2) {
            cx = 4 * w - 1;
            if (cx > cxEnd) break;
            xr = cx + 1;
          }
        }
        let right = 0;
        if (xr < mx) {
          const xs = xr * s;
          right = SPREAD[
            (((data[o00 + xs] + 255) >> 8) & k00) |
            ((((data[o10 + xs] + 255) >> 8) & k10) << 1) |
            ((((data[o01 + xs] + 255) >> 8) & k01) << 2) |
            ((((data[o11 + xs] + 255) >> 8) & k11) << 3)
          ];
        }
        const cfg = left | (right << 1);
        left = right;
        if (cfg === 0 || cfg === 255) continue;

        const b = rowBase + cx;
        const c7 = cfg >> 7;
        // Far x edge (corners 6-7), far y edge (5-7), far z edge (3-7): created here.
        if (((cfg >> 6) & 1) !== c7 && (closeBorders || (cx >= 0 && cx < mx - 1))) {
          const fx = (cx + 0.5) * s;
          ids[b + e3] = nv;
          const p = nv * 3;
          pos[p] = px0 + m00 * fx;
          pos[p + 1] = px1 + m10 * fx;
          pos[p + 2] = px2 + m20 * fx;
          nv++;
        }
        if (((cfg >> 5) & 1) !== c7 && yEdgesReal) {
          const fx = xr * s;
          ids[b + e7] = nv;
          const p = nv * 3;
          pos[p] = py0 + m00 * fx;
          pos[p + 1] = py1 + m10 * fx;
          pos[p + 2] = py2 + m20 * fx;
          nv++;
        }
        if (((cfg >> 3) & 1) !== c7 && zEdgesReal) {
          const fx = xr * s;
          ids[b + e11] = nv;
          const p = nv * 3;
          pos[p] = pz0 + m00 * fx;
          pos[p + 1] = pz1 + m10 * fx;
          pos[p + 2] = pz2 + m20 * fx;
          nv++;
        }
        if (!rowEmits || cx < emitXLo || cx > emitXHi) continue;

        const t1 = triStart[cfg + 1];
        for (let t = triStart[cfg]; t < t1; t += 3) {
          const va = ids[b + triOff[t]], vb = ids[b + triOff[t + 1]], vc = ids[b + triOff[t + 2]];
          idx[ni] = va; idx[ni + 1] = vb; idx[ni + 2] = vc;
          ni += 3;
          const nx0 = cross[t], ny0 = cross[t + 1], nz0 = cross[t + 2];
          let q = va * 3;
          nrm[q] += nx0; nrm[q + 1] += ny0; nrm[q + 2] += nz0;
          q = vb * 3;
          nrm[q] += nx0; nrm[q + 1] += ny0; nrm[q + 2] += nz0;
          q = vc * 3;
          nrm[q] += nx0; nrm[q + 1] += ny0; nrm[q + 2] += nz0;
        }
      }
    }
    c.nv = nv;
    c.ni = ni;
    if (onProgress !== null) onProgress((cz + 2) / (mz + 1));
  }

}

/** Per slab: offset of each cube edge relative to the cube's base index (scratch of sweep). */
const EO = new Int32Array(12);

/** Sampled points along an axis of n voxels with step s. */
function sampled(n: number, s: number): number {
  return n > 0 ? Math.floor((n - 1) / s) + 1 : 0;
}

function checkStep(params: MarchingCubesParams): number {
  const s = params.stepSize ?? 1;
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`stepSize must be an integer >= 1, got ${s}`);
  return s;
}

function emptyResult(): MarchingCubesResult {
  return { positionsMm: new Float32Array(0), indices: new Uint32Array(0), normals: new Float32Array(0), touchesBorder: false };
}

/** Whether a sampled row holding a 1 lies on the border of the sampled grid. */
function touchesBorderOf(rowLo: Int32Array, rowHi: Int32Array, mx: number, my: number, mz: number): boolean {
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      const r = y + z * my;
      if (rowHi[r] < 0) continue;
      if (z === 0 || z === mz - 1 || y === 0 || y === my - 1 || rowLo[r] === 0 || rowHi[r] === mx - 1) return true;
    }
  }
  return false;
}

/**
 * The sweep's set-up and finishing, shared by the voxel and the run-length
 * input: geometry, tables, output arrays of `guessVertices` / `guessIndices`
 * (grown when short), the sweep, the normals.
 */
function run(
  g: VolumeGeometry, s: number, mx: number, my: number, mz: number,
  input: { data: Uint8Array; ring: boolean; load: ((p: number) => void) | null },
  rowLo: Int32Array, rowHi: Int32Array, guessVertices: number, guessIndices: number,
  params: MarchingCubesParams,
): MarchingCubesResult {
  const closeBorders = params.closeBorders ?? true;
  const touchesBorder = touchesBorderOf(rowLo, rowHi, mx, my, mz);

  // Voxel index -> patient mm: p = origin + M * (x, y, z), M columns = direction * spacing.
  const [sx, sy, sz] = g.spacingMmXyz;
  const [dx, dy, dz] = g.directionXyz;
  const [o0, o1, o2] = g.originMm;
  const m00 = dx[0] * sx, m01 = dy[0] * sy, m02 = dz[0] * sz;
  const m10 = dx[1] * sx, m11 = dy[1] * sy, m12 = dz[1] * sz;
  const m20 = dx[2] * sx, m21 = dy[2] * sy, m22 = dz[2] * sz;
  const det = m00 * (m11 * m22 - m12 * m21) - m01 * (m10 * m22 - m12 * m20) + m02 * (m10 * m21 - m11 * m20);
  const table = cubeTable(det < 0);
  const triStart = table.triStart;
  const triEdges = table.triEdges;
  const cross = triangleCrosses(triEdges);

  // Whole 4-voxel words of a row can be compared at once when rows are word aligned.
  const { data } = input;
  const nx = g.nx;
  const words = s === 1 && nx % 4 === 0 && data.byteOffset % 4 === 0
    ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2)
    : null;
  // reserve() wants room for a whole row of cubes before each row: that much on top of the guess.
  const rowRoom = mx + 2;

  const sw: Sweep = {
    data, words, s, nx, nxy: nx * g.ny, mx, my, mz, closeBorders, rowLo, rowHi,
    ring: input.ring, load: input.load,
    ids: new Int32Array(5 * (mx + 2) * (my + 2)),
    W: mx + 2,
    triStart, triEdges,
    triOff: new Int32Array(triEdges.length),
    cross,
    maxIds: table.maxIdsPerCube,
    o0, o1, o2, m00, m01, m02, m10, m11, m12, m20, m21, m22,
    signal: params.signal ?? null,
    onProgress: params.onProgress ?? null,
    pos: new Float32Array((guessVertices + 3 * rowRoom) * 3),
    nrm: new Float32Array((guessVertices + 3 * rowRoom) * 3),
    idx: new Uint32Array(guessIndices + table.maxIdsPerCube * rowRoom),
    nv: 0,
    ni: 0,
  };
  sweep(sw);
  const { pos, nrm, idx, nv, ni } = sw;

  // The normals are made in place; the used part of each buffer is returned
  // as a view or as a trimmed copy.
  finishNormals(nrm, nv, m00, m01, m02, m10, m11, m12, m20, m21, m22);
  const trim = params.trim ?? true;
  return {
    positionsMm: trim ? pos.slice(0, nv * 3) : pos.subarray(0, nv * 3),
    indices: trim ? idx.slice(0, ni) : idx.subarray(0, ni),
    normals: trim ? nrm.slice(0, nv * 3) : nrm.subarray(0, nv * 3),
    touchesBorder,
  };
}

/** Surface of the 1-voxels of a mask (level 0.5) as an indexed mesh in patient mm. */
export function marchingCubes(mask: Mask, params: MarchingCubesParams = {}): MarchingCubesResult {
  const s = checkStep(params);
  const { nx, ny, nz, data } = mask;
  if (data.length !== nx * ny * nz) throw new RangeError(`mask data has ${data.length} values, expected ${nx * ny * nz}`);
  const mx = sampled(nx, s), my = sampled(ny, s), mz = sampled(nz, s);
  if (mx === 0 || my === 0 || mz === 0) return emptyResult();
  if (params.closeBorders === false && (mx < 2 || my < 2 || mz < 2)) return emptyResult();

  const rows = my * mz;
  const rowLo = new Int32Array(rows);
  const rowHi = new Int32Array(rows);
  rowExtents(mask, s, mx, my, mz, rowLo, rowHi);

  // Initial size from the number of non-empty rows: the reference masks give
  // 21-46 vertices per such row (lungs and internal structures); a closed
  // surface has about 2 triangles per vertex. Generous, so the arrays rarely
  // grow (the unused tail of a fresh typed array is never touched and takes
  // no memory pages), but below 32 MB for a 512 x 512 x 134 lung mask, a size
  // the C allocator recycles instead of mapping fresh pages each time.
  let busyRows = 0;
  for (let r = 0; r < rows; r++) if (rowHi[r] >= 0) busyRows++;
  const guess = Math.min(1 << 22, Math.max(64, busyRows * 48));
  return run(mask, s, mx, my, mz, { data, ring: false, load: null }, rowLo, rowHi, guess, guess * 6, params);
}

/**
 * The same surface from the mask's row runs (segmentation/runs.ts) instead of
 * its voxels: the sweep reads two voxel planes at a time, painted from the
 * runs into a buffer of 2 * nx * ny bytes just before it needs them (and
 * cleared again through the same runs), so no voxel mask of the whole grid
 * is ever made. Same vertices, triangles and order as `marchingCubes` on the
 * painted mask (tests compare them).
 *
 * Output size: at stepSize 1 the vertex count is known before the sweep (one
 * vertex per boundary face of the voxel set, runs.ts runBoundaryFaceCount,
 * O(runs)), so the position and normal arrays are made at their final size
 * (plus room for one row of cubes) and `trim: false` views cost no unused
 * memory. The index array is sized at 2 triangles per vertex (a closed
 * surface of Euler characteristic chi has 2 * (V - chi) triangles) plus
 * 1 %, and grows by half when a surface with many handles needs more
 * (1.01-1.06 x the used size on the reference lung and internal masks). At
 * larger steps the size is guessed from the runs of the sampled rows.
 *
 * Speed: the same as painting the mask and sweeping it (within +-10 % on the
 * reference masks); memory: 2 * nx * ny bytes of planes instead of
 * nx * ny * nz.
 */
export function marchingCubesOfRuns(runs: RunSet, geometry: VolumeGeometry, params: MarchingCubesParams = {}): MarchingCubesResult {
  const s = checkStep(params);
  const { nx, ny, nz } = geometry;
  if (runs.nx !== nx || runs.ny !== ny || runs.nz !== nz) throw new RangeError('the runs are not on the grid of the geometry');
  const mx = sampled(nx, s), my = sampled(ny, s), mz = sampled(nz, s);
  if (mx === 0 || my === 0 || mz === 0) return emptyResult();
  if (params.closeBorders === false && (mx < 2 || my < 2 || mz < 2)) return emptyResult();

  const { rowStart, x0, x1 } = runs;
  const rows = my * mz;
  const rowLo = new Int32Array(rows);
  const rowHi = new Int32Array(rows);
  let sampledRuns = 0;
  for (let z = 0; z < mz; z++) {
    for (let y = 0; y < my; y++) {
      const r = y + z * my;
      const vr = y * s + z * s * ny;
      let lo = mx, hi = -1;
      for (let k = rowStart[vr]; k < rowStart[vr + 1]; k++) {
        // Sampled points a..b (x = a*s .. b*s) inside [x0, x1).
        const a = Math.ceil(x0[k] / s);
        const b = Math.floor((x1[k] - 1) / s);
        if (a > b) continue;
        sampledRuns++;
        if (a < lo) lo = a;
        if (b > hi) hi = b;
      }
      rowLo[r] = lo;
      rowHi[r] = hi;
    }
  }

  const nxy = nx * ny;
  const planes = new Uint8Array(2 * nxy);
  const paintPlane = (z: number, base: number, v: number): void => {
    for (let y = 0; y < ny; y++) {
      const vr = y + z * ny;
      const end = rowStart[vr + 1];
      const o = base + y * nx;
      for (let k = rowStart[vr]; k < end; k++) {
        for (let x = o + x0[k], e = o + x1[k]; x < e; x++) planes[x] = v;
      }
    }
  };
  const load = (p: number): void => {
    const base = (p & 1) * nxy;
    if (p >= 2) paintPlane((p - 2) * s, base, 0);
    paintPlane(p * s, base, 1);
  };

  let vertices: number;
  let indices: number;
  if (s === 1) {
    vertices = runBoundaryFaceCount(runs);
    indices = 6 * vertices + Math.ceil(vertices * 0.06);
  } else {
    // 7-10 vertices per run on the reference masks at stepSize 1; grown when short.
    vertices = Math.max(64, sampledRuns * 10);
    indices = vertices * 6;
  }
  return run(geometry, s, mx, my, mz, { data: planes, ring: true, load }, rowLo, rowHi, vertices, indices, params);
}

/**
 * Turns the per-vertex sums of cube-unit cross products in `nrm` into unit
 * area-weighted normals in patient space, in place: a linear map M sends the
 * cross product w of two cube-unit vectors to w0 (c1 x c2) + w1 (c2 x c0) +
 * w2 (c0 x c1), c = the columns of M.
 */
function finishNormals(
  nrm: Float32Array, nv: number,
  m00: number, m01: number, m02: number, m10: number, m11: number, m12: number, m20: number, m21: number, m22: number,
): void {
  const a00 = m11 * m22 - m21 * m12, a01 = m21 * m02 - m01 * m22, a02 = m01 * m12 - m11 * m02; // c1 x c2
  const a10 = m12 * m20 - m22 * m10, a11 = m22 * m00 - m02 * m20, a12 = m02 * m10 - m12 * m00; // c2 x c0
  const a20 = m10 * m21 - m20 * m11, a21 = m20 * m01 - m00 * m21, a22 = m00 * m11 - m10 * m01; // c0 x c1
  for (let p = 0; p < nv * 3; p += 3) {
    const w0 = nrm[p], w1 = nrm[p + 1], w2 = nrm[p + 2];
    const x = w0 * a00 + w1 * a10 + w2 * a20;
    const y = w0 * a01 + w1 * a11 + w2 * a21;
    const z = w0 * a02 + w1 * a12 + w2 * a22;
    const len = Math.sqrt(x * x + y * y + z * z);
    if (len > 0) {
      const inv = 1 / len;
      nrm[p] = x * inv; nrm[p + 1] = y * inv; nrm[p + 2] = z * inv;
    } else {
      nrm[p] = 0; nrm[p + 1] = 0; nrm[p + 2] = 0;
    }
  }
}
