/**
 * Marching-cubes case tables for binary (0/1) data at level 0.5, built from
 * rules at run time instead of a hand-typed 256-row table.
 *
 * Variant: for each of the 256 corner configurations of a cube, the contour
 * segments on its six faces are traced into closed loops, and each loop is
 * triangulated. Topology follows the marching-cubes family of Lorensen &
 * Cline (1987) with the face ambiguity resolved as in Nielson & Hamann's
 * asymptotic decider (1991) / Lewiner et al. (2003) "Efficient implementation
 * of marching cubes' cases with topological guarantees": for 0/1 data the
 * bilinear saddle of an ambiguous face (two 1s on one diagonal, two 0s on the
 * other) lies exactly at 0.5, and the tie is broken the same way everywhere:
 * the two 1s are JOINED across the face (the two 0 corners are cut off).
 * That is the face decision scikit-image's Lewiner code takes on 0/1 data.
 * Because the decision depends only on the four values of a face, the two
 * cubes sharing a face draw the same segments on it, so the surface has no
 * cracks. Inside a cube the loops are never joined by tunnels, so each loop
 * bounds its own disk. (Lewiner adds tunnels in 32 configurations, see
 * marchingCubes.ts. In 8 of them, three 1s around a 0 corner, the trilinear
 * interpolant at a level just below 0.5 does have a tunnel; any interior
 * choice keeps the surface closed, and the disks are the simpler one.)
 *
 * Each loop is oriented so that its triangles face from the 1 side to the 0
 * side, and is split into triangles by dynamic programming over the polygon:
 * the triangulation chosen is the one that lies closest to the level set of
 * the trilinear interpolant of the cube (least squares of f - 0.5 at four
 * points per triangle, weighted by the triangle's area; all in voxel units,
 * where the interpolant lives, so one table serves every spacing). It never uses
 * a diagonal whose two ends lie on one cube face (such a diagonal could also
 * be drawn by the neighbouring cube and make an edge with four triangles).
 * This gives the same area as Lewiner's table in 198 of the 222
 * configurations where both draw the same loops. (Plain minimum area cuts
 * across non-planar loops instead of following the level set; it gave
 * lung-mask surfaces up to 2.2 % smaller than Lewiner's.)
 *
 * Corner b of a cube sits at (b & 1, (b >> 1) & 1, (b >> 2) & 1); bit b of a
 * configuration is the value at corner b. Edges: 0-3 run along x (at
 * (y,z) = (0,0), (1,0), (0,1), (1,1)), 4-7 along y (at (x,z) = (0,0), (1,0),
 * (0,1), (1,1)), 8-11 along z (at (x,y) = (0,0), (1,0), (0,1), (1,1)).
 *
 * Cost: built once per process on first use (256 configurations, loops of
 * at most 7 points); memory a few kB.
 */

/** The two corners of each of the 12 cube edges (lower corner first). */
export const EDGE_CORNERS: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [2, 3], [4, 5], [6, 7],
  [0, 2], [1, 3], [4, 6], [5, 7],
  [0, 4], [1, 5], [2, 6], [3, 7],
];

function cornerPos(b: number): [number, number, number] {
  return [b & 1, (b >> 1) & 1, (b >> 2) & 1];
}

/** Midpoint of an edge in cube units. */
function edgeMid(e: number): [number, number, number] {
  const [a, b] = EDGE_CORNERS[e];
  const pa = cornerPos(a);
  const pb = cornerPos(b);
  return [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2];
}

function edgeOf(a: number, b: number): number {
  for (let e = 0; e < 12; e++) {
    const [p, q] = EDGE_CORNERS[e];
    if ((p === a && q === b) || (p === b && q === a)) return e;
  }
  throw new Error(`corners ${a} and ${b} are not joined by a cube edge`);
}

interface Face {
  /** The four corners in cyclic order. */
  corners: [number, number, number, number];
  /** Outward normal of the face (unit axis vector). */
  normal: [number, number, number];
}

/** The six cube faces: axis k at side 0 or 1. */
const FACES: Face[] = (() => {
  const faces: Face[] = [];
  for (let k = 0; k < 3; k++) {
    const u = k === 0 ? 1 : 0;
    const v = k === 2 ? 1 : 2;
    for (let s = 0; s < 2; s++) {
      const cyc: Array<[number, number]> = [[0, 0], [1, 0], [1, 1], [0, 1]];
      const corners = cyc.map(([a, b]) => (s << k) | (a << u) | (b << v)) as Face['corners'];
      const normal: [number, number, number] = [0, 0, 0];
      normal[k] = s === 1 ? 1 : -1;
      faces.push({ corners, normal });
    }
  }
  return faces;
})();

/** For each edge, a bit set of the faces (0..5) it lies on. */
const EDGE_FACES: number[] = (() => {
  const out = new Array<number>(12).fill(0);
  FACES.forEach((f, fi) => {
    for (let i = 0; i < 4; i++) out[edgeOf(f.corners[i], f.corners[(i + 1) & 3])] |= 1 << fi;
  });
  return out;
})();

/** True when the two edges lie on a common cube face. */
function edgesShareFace(e1: number, e2: number): boolean {
  return (EDGE_FACES[e1] & EDGE_FACES[e2]) !== 0;
}

/**
 * Oriented loops of edge ids for one configuration. Walking a loop in order
 * goes counter-clockwise seen from the 0 side (right-hand rule: the normal of
 * the loop points from the 1 corners to the 0 corners).
 */
export function cubeLoops(config: number): number[][] {
  const val = (b: number) => (config >> b) & 1;
  const next = new Array<number>(12).fill(-1);
  for (const f of FACES) {
    const cut: number[] = []; // positions i whose face edge (i, i+1) is intersected
    for (let i = 0; i < 4; i++) if (val(f.corners[i]) !== val(f.corners[(i + 1) & 3])) cut.push(i);
    const segs: Array<[number, number]> = [];
    if (cut.length === 2) {
      segs.push([cut[0], cut[1]]);
    } else if (cut.length === 4) {
      // Ambiguous face: join the 1s, i.e. cut off each 0 corner by a segment
      // between its two face edges (i-1, i) and (i, i+1).
      for (let i = 0; i < 4; i++) if (val(f.corners[i]) === 0) segs.push([(i + 3) & 3, i]);
    }
    for (const [i, j] of segs) {
      let p = edgeOf(f.corners[i], f.corners[(i + 1) & 3]);
      let q = edgeOf(f.corners[j], f.corners[(j + 1) & 3]);
      const [a, b] = EDGE_CORNERS[p];
      const one = val(a) === 1 ? a : b; // a 1 corner on the 1 side of the segment
      const mp = edgeMid(p);
      const mq = edgeMid(q);
      const c = cornerPos(one);
      const d = [mq[0] - mp[0], mq[1] - mp[1], mq[2] - mp[2]];
      const n = f.normal;
      // t = n x d lies in the face, perpendicular to the segment; it must point to the 0 side.
      const t = [n[1] * d[2] - n[2] * d[1], n[2] * d[0] - n[0] * d[2], n[0] * d[1] - n[1] * d[0]];
      const side = t[0] * (c[0] - mp[0]) + t[1] * (c[1] - mp[1]) + t[2] * (c[2] - mp[2]);
      if (side > 0) [p, q] = [q, p];
      if (next[p] !== -1) throw new Error(`configuration ${config}: edge ${p} starts two segments`);
      next[p] = q;
    }
  }
  const loops: number[][] = [];
  const seen = new Array<boolean>(12).fill(false);
  for (let s = 0; s < 12; s++) {
    if (next[s] === -1 || seen[s]) continue;
    const loop: number[] = [];
    let e = s;
    do {
      loop.push(e);
      seen[e] = true;
      e = next[e];
      if (e === -1) throw new Error(`configuration ${config}: open loop`);
    } while (e !== s);
    loops.push(loop);
  }
  return loops;
}

function triArea(a: number[], b: number[], c: number[]): number {
  const ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
  const vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
  const cx = uy * vz - uz * vy, cy = uz * vx - ux * vz, cz = ux * vy - uy * vx;
  return 0.5 * Math.sqrt(cx * cx + cy * cy + cz * cz);
}

/** Trilinear interpolant of a configuration's corner values at (x, y, z) in cube units. */
export function trilinear(config: number, x: number, y: number, z: number): number {
  const v = (b: number) => (config >> b) & 1;
  const x00 = v(0) + (v(1) - v(0)) * x, x10 = v(2) + (v(3) - v(2)) * x;
  const x01 = v(4) + (v(5) - v(4)) * x, x11 = v(6) + (v(7) - v(6)) * x;
  const y0 = x00 + (x10 - x00) * y, y1 = x01 + (x11 - x01) * y;
  return y0 + (y1 - y0) * z;
}

/** How far a triangle (corners a, b, c in cube units) lies from the level 0.5 of the interpolant, times its area. */
function fitCost(config: number, a: number[], b: number[], c: number[]): number {
  // Squared deviation at the centroid and at the three points halfway between it and the corners.
  let sum = 0;
  for (let s = 0; s < 4; s++) {
    const wa = s === 1 ? 2 / 3 : s === 0 ? 1 / 3 : 1 / 6;
    const wb = s === 2 ? 2 / 3 : s === 0 ? 1 / 3 : 1 / 6;
    const wc = 1 - wa - wb;
    const f = trilinear(
      config,
      wa * a[0] + wb * b[0] + wc * c[0],
      wa * a[1] + wb * b[1] + wc * c[1],
      wa * a[2] + wb * b[2] + wc * c[2],
    );
    sum += (f - 0.5) * (f - 0.5);
  }
  // The small area term breaks ties between equally good fits.
  return triArea(a, b, c) * (sum + 1e-6);
}

/**
 * Triangulation of one oriented loop (edge ids) of `config` that best fits
 * the trilinear level set, keeping the loop's orientation, without diagonals
 * between two edges of one face.
 */
function triangulateLoop(config: number, loop: readonly number[]): number[] {
  const n = loop.length;
  const unit = loop.map((e) => edgeMid(e));
  const allowed = (i: number, j: number) => j - i === 1 || (i === 0 && j === n - 1) || !edgesShareFace(loop[i], loop[j]);
  const cost: number[][] = [];
  const split: number[][] = [];
  for (let i = 0; i < n; i++) {
    cost.push(new Array<number>(n).fill(Infinity));
    split.push(new Array<number>(n).fill(-1));
    if (i + 1 < n) cost[i][i + 1] = 0;
  }
  for (let len = 2; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      if (!allowed(i, j)) continue;
      for (let k = i + 1; k < j; k++) {
        if (!allowed(i, k) || !allowed(k, j)) continue;
        const t = fitCost(config, unit[i], unit[k], unit[j]);
        const c = cost[i][k] + cost[k][j] + t;
        if (c < cost[i][j] * (1 - 1e-12)) {
          cost[i][j] = c;
          split[i][j] = k;
        }
      }
    }
  }
  if (!Number.isFinite(cost[0][n - 1])) throw new Error(`no valid triangulation for loop ${loop.join(',')}`);
  const out: number[] = [];
  const emit = (i: number, j: number) => {
    if (j - i < 2) return;
    const k = split[i][j];
    out.push(loop[i], loop[k], loop[j]);
    emit(i, k);
    emit(k, j);
  };
  emit(0, n - 1);
  return out;
}

export interface CubeTable {
  /** Triangles of configuration c are edge ids triEdges[triStart[c] .. triStart[c+1]), 3 per triangle. */
  triStart: Uint16Array;
  triEdges: Uint8Array;
  /** Bit e set when edge e is intersected in configuration c. */
  edgeMask: Uint16Array;
  /** Largest number of edge ids (3 per triangle) of any configuration. */
  maxIdsPerCube: number;
}

const tables: Array<CubeTable | null> = [null, null];

/**
 * The triangle table (built on first use). With `flip` the winding of every
 * triangle is reversed (used when the voxel-to-patient map is a reflection,
 * so the faces still point outward in patient space).
 */
export function cubeTable(flip = false): CubeTable {
  const hit = tables[flip ? 1 : 0];
  if (hit) return hit;
  const triStart = new Uint16Array(257);
  const edgeMask = new Uint16Array(256);
  const all: number[] = [];
  let maxIds = 0;
  for (let c = 0; c < 256; c++) {
    triStart[c] = all.length;
    for (let e = 0; e < 12; e++) {
      const [a, b] = EDGE_CORNERS[e];
      if (((c >> a) & 1) !== ((c >> b) & 1)) edgeMask[c] |= 1 << e;
    }
    if (c === 0 || c === 255) continue;
    for (const loop of cubeLoops(c)) {
      const tris = triangulateLoop(c, loop);
      for (let t = 0; t < tris.length; t += 3) {
        if (flip) all.push(tris[t], tris[t + 2], tris[t + 1]);
        else all.push(tris[t], tris[t + 1], tris[t + 2]);
      }
    }
    maxIds = Math.max(maxIds, all.length - triStart[c]);
  }
  triStart[256] = all.length;
  const table: CubeTable = { triStart, triEdges: Uint8Array.from(all), edgeMask, maxIdsPerCube: maxIds };
  tables[flip ? 1 : 0] = table;
  return table;
}
