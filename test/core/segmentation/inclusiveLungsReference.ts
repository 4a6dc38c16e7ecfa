/**
 * Reference for the inclusive lung mask (src/core/segmentation/inclusiveLungs.ts):
 * the straightforward implementation it replaced, kept here unchanged so
 * that inclusiveLungsSame.test.ts can require the fast one to give the same
 * runs, counts and notes voxel for voxel. Every refusal is re-tested with
 * its medians, every row with additions re-scanned voxel by voxel, closures
 * and tuples as first written. A deliberate change of the algorithm changes
 * both files. lungsCutByFieldOfViewReference likewise for the field-of-view check.
 */
import type { Volume } from '../../../src/core/volume/volume';
import { labelRuns } from '../../../src/core/segmentation/connectedComponents';
import { RunBuilder, type RunSet } from '../../../src/core/segmentation/runs';
import type { FovCutParams, FovCutResult, InclusiveLungParams, InclusiveLungResult } from '../../../src/core/segmentation/inclusiveLungs';

interface InclusiveOptions {
  onProgress?: (fraction: number, step: string) => void;
  signal?: { readonly aborted: boolean };
}

class InclusiveAbortedError extends Error {
  constructor() {
    super('inclusive lung mask aborted');
    this.name = 'AbortError';
  }
}

/** Diamond angle of (dx, dy) in [0, 4): monotone in the true angle, no trigonometry. */
function diamond(dx: number, dy: number): number {
  if (dy >= 0) return dx >= 0 ? dy / (dx + dy || 1) : 1 - dx / (-dx + dy);
  return dx < 0 ? 2 - dy / (-dx - dy) : 3 + dx / (dx - dy);
}

/** Unit direction of diamond angle p. */
function fromDiamond(p: number): [number, number] {
  let x: number;
  let y: number;
  if (p < 1) [x, y] = [1 - p, p];
  else if (p < 2) [x, y] = [1 - p, 2 - p];
  else if (p < 3) [x, y] = [p - 3, 2 - p];
  else [x, y] = [p - 3, p - 4];
  const n = Math.hypot(x, y);
  return [x / n, y / n];
}

interface Resolved {
  effusion: 'exclude' | 'include';
  maxDepthMm: number;
  wallMarginMm: number;
  boneHu: number;
  airHu: number;
  maxTissueHu: number;
  effusionHu: [number, number];
  medialCos: number;
  maxRibGapMm: number;
  maxRibGapRad: number;
  windowMm: number;
  bins: number;
  minSeedAreaMm2: number;
}

function resolve(p: InclusiveLungParams): Resolved {
  const r: Resolved = {
    effusion: p.effusion ?? 'exclude',
    maxDepthMm: p.maxDepthMm ?? 40,
    wallMarginMm: p.wallMarginMm ?? 2,
    boneHu: p.boneHu ?? 300,
    airHu: p.airHu ?? -900,
    maxTissueHu: p.maxTissueHu ?? 150,
    effusionHu: p.effusionHu ?? [-20, 20],
    medialCos: Math.cos(((p.medialHalfAngleDeg ?? 50) * Math.PI) / 180),
    maxRibGapMm: p.maxRibGapMm ?? 50,
    maxRibGapRad: ((p.maxRibGapDeg ?? 45) * Math.PI) / 180,
    windowMm: p.windowMm ?? 4,
    bins: p.angleBins ?? 360,
    minSeedAreaMm2: p.minSeedAreaMm2 ?? 300,
  };
  if (r.effusion !== 'exclude' && r.effusion !== 'include') throw new RangeError(`effusion must be 'exclude' or 'include'`);
  if (!(r.maxDepthMm > 0) || !(r.wallMarginMm >= 0) || !(r.bins >= 16)) throw new RangeError('inclusive lung parameters out of range');
  return r;
}

/** Per-bin state of one slice and side. */
interface Rays {
  /** Unit direction (mm space) of each bin's centre. */
  ux: Float64Array;
  uy: Float64Array;
  /** True angle of each bin centre (rad, for gaps). */
  theta: Float64Array;
  rL: Float64Array;
  rW: Float64Array;
  /** 0 free, 1 blocked (air, border, medial), 2 met bone, 4 ended on the mediastinum's edge (posterior). */
  state: Uint8Array;
  open: Uint8Array;
  /** Radius where a free ray met air (Infinity: none within reach). */
  rAir: Float64Array;
  /** Wall margin along the ray (mm; grows with the obliquity of the rib line). */
  margin: Float64Array;
}

function makeRays(bins: number): Rays {
  const ux = new Float64Array(bins);
  const uy = new Float64Array(bins);
  const theta = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    const [x, y] = fromDiamond(((b + 0.5) * 4) / bins);
    ux[b] = x;
    uy[b] = y;
    theta[b] = Math.atan2(y, x);
  }
  return { ux, uy, theta, rL: new Float64Array(bins), rW: new Float64Array(bins), state: new Uint8Array(bins), open: new Uint8Array(bins), rAir: new Float64Array(bins), margin: new Float64Array(bins) };
}

/** Angle between bins a and b (rad, 0..π). */
function binGap(rays: Rays, a: number, b: number): number {
  const d = Math.abs(rays.theta[a] - rays.theta[b]);
  return d > Math.PI ? 2 * Math.PI - d : d;
}

interface SliceCtx {
  volume: Volume;
  p: Resolved;
  /** Slice scratch: 1 filled mask, 2 added. */
  sl: Uint8Array;
  z: number;
  sx: number;
  sy: number;
  rays: Rays;
  effusionExcluded: number;
  added: number;
  /** Most medial x (index) of the side's lung in this slice; rays that cross it are blocked. */
  medialX: number;
  /** x (index) strictly between these is mediastinum in this slice. */
  mediastinum: [number, number];
  /** Per column (x + y*nx): the most inferior slice with lung, -1 none; null when slices are not axial. */
  floor: Int16Array | null;
  /** Unit patient-posterior direction in the slice's (x, y) mm frame. */
  posterior: [number, number];
  /** +1 when the slice index grows towards the head, -1 when towards the feet. */
  upZ: number;
  /** Per side, per ray: the last rib point met (mm in the slice frame) and its slice. */
  ribMemory: Array<{ x: Float64Array; y: Float64Array; z: Int32Array }>;
  /** Scratch of nine HU values. */
  nine: Int16Array;
  /** Added voxels dropped as cut off from the lung. */
  cutOff: number;
  /** This slice's voxels added (x + y*nx; rays, then holes), and their number. */
  addedAt: Int32Array;
  addedCount: number;
  /** Bounding box of this slice's added voxels: x0, x1, y0, y1. */
  box: Int32Array;
}

/** Patient posterior (+y in LPS) as a unit vector in a slice's (x, y) frame ([0, 0] if along z). */
function posteriorInSlice(g: Volume): [number, number] {
  const a = g.directionXyz[0][1];
  const b = g.directionXyz[1][1];
  const n = Math.hypot(a, b);
  return n > 0 ? [a / n, b / n] : [0, 0];
}

/** The most medial seed voxel of each side in slice z: [max x left of splitX, min x right of it]. */
function medialBounds(fill: RunSet, seed: Uint8Array, z: number, splitX: number): [number, number] {
  const { nx, ny, rowStart, x0, x1 } = fill;
  let a = -1;
  let b = nx;
  for (let k = rowStart[z * ny]; k < rowStart[(z + 1) * ny]; k++) {
    if (seed[k] === 0) continue;
    if (x0[k] < splitX) a = Math.max(a, Math.min(x1[k], splitX) - 1);
    if (x1[k] > splitX) b = Math.min(b, Math.max(x0[k], splitX));
  }
  return [a, b];
}

/** rL per bin from the seed voxels of one side; returns the centroid or null. */
function outerLung(ctx: SliceCtx, fill: RunSet, seed: Uint8Array, xFrom: number, xTo: number): [number, number] | null {
  const { ny, rowStart, x0, x1 } = fill;
  const z = ctx.z;
  let n = 0;
  let sxSum = 0;
  let sySum = 0;
  for (let y = 0; y < ny; y++) {
    const r = y + z * ny;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      if (seed[k] === 0) continue;
      const a = Math.max(x0[k], xFrom);
      const e = Math.min(x1[k], xTo);
      if (e <= a) continue;
      n += e - a;
      sxSum += ((a + e - 1) * (e - a)) / 2;
      sySum += y * (e - a);
    }
  }
  const minPixels = ctx.p.minSeedAreaMm2 / (ctx.sx * ctx.sy);
  if (n < minPixels) return null;
  const cx = sxSum / n;
  const cy = sySum / n;
  const { rL } = ctx.rays;
  let lo = Infinity;
  let hi = -Infinity;
  const bins = rL.length;
  const scale = bins / 4;
  rL.fill(0);
  const consider = (x: number, dy: number): void => {
    const dx = (x - cx) * ctx.sx;
    let b = (diamond(dx, dy) * scale) | 0;
    if (b >= bins) b = bins - 1;
    const d2 = dx * dx + dy * dy;
    if (d2 > rL[b]) rL[b] = d2;
  };
  for (let y = 0; y < ny; y++) {
    const r = y + z * ny;
    const dy = (y - cy) * ctx.sy;
    // Rows above and below (runs of the whole mask); a voxel under both is not on the outline.
    const ra = y > 0 ? r - 1 : -1;
    const rb = y < ny - 1 ? r + 1 : -1;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      if (seed[k] === 0) continue;
      const a = Math.max(x0[k], xFrom);
      const e = Math.min(x1[k], xTo);
      if (e <= a) continue;
      if (a < lo) lo = a;
      if (e - 1 > hi) hi = e - 1;
      consider(a, dy);
      if (e - 1 > a) consider(e - 1, dy);
      // Interior voxels a+1 .. e-2 not covered by (above ∩ below).
      let x = a + 1;
      if (ra >= 0 && rb >= 0) {
        let i = rowStart[ra];
        let jb = rowStart[rb];
        const ie = rowStart[ra + 1];
        const je = rowStart[rb + 1];
        while (i < ie && jb < je && x < e - 1) {
          const cLo = Math.max(x0[i], x0[jb]);
          const cHi = Math.min(x1[i], x1[jb]);
          if (cHi > cLo && cHi > x) {
            for (; x < Math.min(cLo, e - 1); x++) consider(x, dy);
            if (cHi > x) x = cHi;
          }
          if (x1[i] < x1[jb]) i++;
          else jb++;
        }
      }
      for (; x < e - 1; x++) consider(x, dy);
    }
  }
  for (let b = 0; b < bins; b++) rL[b] = Math.sqrt(rL[b]);
  // Bins narrower than a voxel near the centroid may hold none: take a neighbour's.
  for (let b = 0; b < bins; b++) {
    if (rL[b] > 0) continue;
    const a = rL[(b + bins - 1) % bins];
    const c = rL[(b + 1) % bins];
    rL[b] = Math.max(a, c, rL[(b + bins - 2) % bins], rL[(b + 2) % bins]);
  }
  ctx.medialX = xFrom === 0 ? hi : lo;
  return [cx, cy];
}

/** March each ray from rL to the first bone, or block it. */
/** Fat (HU range) and the run of it (mm) along a ray that marks the chest wall. */
const FAT_HU: [number, number] = [-150, -50];
const FAT_MM = 2.5;

/** A ray without a wall in its slice takes the rib line met this many slices before. */
const RIB_MEMORY_SLICES = 3;

/** Largest hole (mm² in a slice) the additions may close. */
const HOLE_MM2 = 100;

/** Thickest lung (mm) passed between the wall and a lesion's flank. */
const LENS_MM = 3;

/** Arc (mm) each side of a bone hit compared with its neighbours, and how much deeper (mm) it may lie. */
const RIB_LINE_MM = 25;
const RIB_STEP_MM = 4;

/** Narrowest run of open rays kept (arc mm): single rays slipping between structures are noise. */
const MIN_OPEN_MM = 3;
const BRIDGE_BINS = 3;

/** Arc (mm) each side over which the rib line takes the smallest bone radius. */
const RIB_END_MM = 4;

function findWall(ctx: SliceCtx, cx: number, cy: number, medialSign: number): void {
  const { volume, p, rays, sx, sy } = ctx;
  const { nx, ny, hu } = volume;
  const plane = ctx.z * nx * ny;
  const step = Math.min(sx, sy);
  const reach = p.maxDepthMm + p.wallMarginMm + 2 * step;
  const bins = rays.rL.length;
  const airAt = rays.margin; // scratch until the margins are set
  for (let b = 0; b < bins; b++) {
    rays.state[b] = 1;
    rays.rW[b] = NaN;
    airAt[b] = Infinity;
    const ux = rays.ux[b];
    const uy = rays.uy[b];
    if (rays.rL[b] <= 0 || ux * medialSign > p.medialCos) continue;
    rays.state[b] = 0;
    const r0 = rays.rL[b];
    let fatRun = 0;
    const kx = ux / sx;
    const ky = uy / sy;
    for (let r = r0 + step; r <= r0 + reach; r += step) {
      const fx = cx + r * kx + 0.5;
      const fy = cy + r * ky + 0.5;
      if (fx < 0 || fy < 0 || fx >= nx || fy >= ny) {
        // Out of the image: like air (the ribs on both sides may still bridge it).
        airAt[b] = r;
        break;
      }
      const x = fx | 0;
      const y = fy | 0;
      if ((x - ctx.medialX) * medialSign > 0) {
        // Into the mediastinum: never between this lung and its ribs. A
        // posterior ray ends there as on a wall (the paravertebral gutter,
        // where dependent lung lies); any other is closed.
        if (ux * ctx.posterior[0] + uy * ctx.posterior[1] > 0.5) {
          rays.state[b] = 4;
          rays.rW[b] = r;
        } else {
          rays.state[b] = 1;
        }
        break;
      }
      const v = hu[plane + x + y * nx];
      // Fat on the way (≥ FAT_MM): the chest wall's own fat planes, so any
      // bone behind them is outside the cavity; handled like air.
      if (v >= FAT_HU[0] && v <= FAT_HU[1]) {
        fatRun += step;
        if (fatRun >= FAT_MM) {
          airAt[b] = r;
          break;
        }
      } else fatRun = 0;
      if (v >= p.boneHu) {
        rays.state[b] = 2;
        rays.rW[b] = r;
        break;
      }
      if (v < p.airHu && ctx.sl[x + y * nx] === 0) {
        // Air: outside the body through an intercostal gap (beyond the
        // bridged rib line, checked below) or gas inside it.
        airAt[b] = r;
        break;
      }
    }
  }
  // A ray that grazes the end of a rib meets its side face, deeper than the
  // rib line: take the smallest bone radius within ±ribEndMm of arc.
  const rB = rays.rAir; // reused as scratch below, restored after
  for (let b = 0; b < bins; b++) rB[b] = rays.rW[b];
  const binRad = (2 * Math.PI) / bins;
  // Bone met far behind the rib line of its neighbours (a scapula or the
  // spine seen through an intercostal gap) is a gap, not the wall.
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] !== 2) continue;
    const w = Math.ceil(RIB_LINE_MM / (binRad * rB[b]));
    for (let k = -w; k <= w; k++) {
      const j = (b + k + bins) % bins;
      if (rays.state[j] !== 2 && rays.state[j] !== 3) continue;
      if (rB[b] > rB[j] + RIB_STEP_MM + 0.6 * Math.abs(k) * binRad * rB[j]) {
        rays.state[b] = 3;
        break;
      }
    }
  }
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] !== 3) continue;
    rays.state[b] = 0;
    rays.rW[b] = NaN;
    rB[b] = Infinity;
  }
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] !== 2) continue;
    const w = Math.ceil(RIB_END_MM / (binRad * rB[b]));
    let m = rB[b];
    if (!(m < Infinity)) continue;
    for (let k = -w; k <= w; k++) {
      const v = rB[(b + k + bins) % bins];
      if (v < m) m = v;
    }
    rays.rW[b] = m;
  }
  for (let b = 0; b < bins; b++) rB[b] = rays.state[b] === 0 ? airAt[b] : Infinity;
  // Bridge intercostal gaps: each run of free rays between two bone rays
  // close enough takes the rib line interpolated in angle.
  let start = 0;
  while (start < bins && rays.state[start] === 0) start++;
  if (start < bins) {
    for (let k = 1; k <= bins; k++) {
      const i = (start + k) % bins;
      if (rays.state[i] !== 0) continue;
      let n = 0;
      while (rays.state[(i + n) % bins] === 0) n++;
      const lo = (i + bins - 1) % bins;
      const hi = (i + n) % bins;
      k += n;
      if (rays.state[lo] !== 2 || rays.state[hi] !== 2) continue;
      const g = binGap(rays, lo, hi);
      if (g > p.maxRibGapRad || g * 0.5 * (rays.rW[lo] + rays.rW[hi]) > p.maxRibGapMm) continue;
      for (let t = 0; t < n; t++) {
        const b = (i + t) % bins;
        const gLo = binGap(rays, b, lo);
        rays.rW[b] = rays.rW[lo] + ((rays.rW[hi] - rays.rW[lo]) * gLo) / g;
      }
    }
  }

  // Rays still without a wall (a slice between two ribs over a wide arc)
  // take the rib line met in the slices just below, as a point in the plane.
  const mem = ctx.ribMemory[medialSign === 1 ? 0 : 1];
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] === 2) {
      mem.x[b] = cx * sx + rays.rW[b] * rays.ux[b];
      mem.y[b] = cy * sy + rays.rW[b] * rays.uy[b];
      mem.z[b] = ctx.z;
    } else if (rays.state[b] === 0 && !(rays.rW[b] > 0) && Math.abs(ctx.z - mem.z[b]) <= RIB_MEMORY_SLICES) {
      const r = (mem.x[b] - cx * sx) * rays.ux[b] + (mem.y[b] - cy * sy) * rays.uy[b];
      if (r > rays.rL[b] && (rays.rAir[b] === Infinity || rays.rAir[b] > r)) rays.rW[b] = r;
    }
  }
  for (let b = 0; b < bins; b++) {
    const rW = rays.rW[b];
    if (rays.rAir[b] < rW) rays.rW[b] = NaN; // air inside the rib line: gas, never bridged
    // The wall is wallMarginMm thick along its normal; along an oblique ray it is longer.
    const a = rays.rW[(b + bins - 1) % bins];
    const c = rays.rW[(b + 1) % bins];
    const dTheta = binGap(rays, (b + bins - 1) % bins, (b + 1) % bins);
    const slope = a > 0 && c > 0 && rW > 0 ? (c - a) / (dTheta * rW) : 0;
    rays.margin[b] = rays.state[b] === 4 ? 0 : p.wallMarginMm * Math.min(3, Math.sqrt(1 + slope * slope));
    rays.open[b] = 0;
    if (rays.state[b] === 1 || !(rays.rW[b] > 0)) continue;
    // Where thick lung begins, seen from the wall: a lens of lung thinner
    // than LENS_MM against the wall (beside a lesion) does not count.
    const rEnd = rays.rW[b] - rays.margin[b];
    let lungRun = 0;
    let rIn = rEnd;
    for (let r = rEnd; r >= Math.max(0, rays.rW[b] - p.maxDepthMm - p.wallMarginMm - LENS_MM); r -= step) {
      const x = Math.round(cx + (r * rays.ux[b]) / sx);
      const y = Math.round(cy + (r * rays.uy[b]) / sy);
      if (x < 0 || y < 0 || x >= nx || y >= ny || ctx.sl[x + y * nx] !== 1) {
        lungRun = 0;
        continue;
      }
      lungRun += step;
      rIn = r + lungRun;
      if (lungRun > LENS_MM) break;
    }
    if (lungRun <= LENS_MM) rIn = Math.min(rIn, rays.rL[b]);
    rays.open[b] = rEnd - rIn > step && rays.rW[b] - rIn <= p.maxDepthMm + p.wallMarginMm ? 1 : 0;
  }
  // Drop runs of open rays narrower than MIN_OPEN_MM of arc; closed gaps of
  // up to BRIDGE_BINS rays inside a run (bins thinner than a voxel) do not split it.
  let b0 = 0;
  while (b0 < bins && rays.open[b0] !== 0) b0++;
  if (b0 === bins) return;
  let k = 1;
  while (k <= bins) {
    const b = (b0 + k) % bins;
    if (rays.open[b] === 0) {
      k++;
      continue;
    }
    // Extend the run while an open ray follows within BRIDGE_BINS.
    let n = 1;
    for (;;) {
      let next = 0;
      for (let g = 1; g <= BRIDGE_BINS && n + g <= bins; g++) {
        if (rays.open[(b + n + g - 1) % bins] !== 0) {
          next = g;
          break;
        }
      }
      if (next === 0) break;
      n += next;
    }
    const arc = n * binRad * rays.rW[(b + (n >> 1)) % bins];
    if (!(arc >= MIN_OPEN_MM)) for (let j2 = b; j2 < b + n; j2++) rays.open[j2 % bins] = 0;
    k += n;
  }
}

/**
 * Median HU of the dense (≥ −500 HU) voxels of the 3×3 neighbourhood of
 * (x, y) in slice z (clamped at the border): the edge of a fluid collection
 * against aerated lung or the chest wall still reads as fluid.
 */
function denseMedian3(volume: Volume, z: number, x: number, y: number, buf: Int16Array): number {
  const { nx, ny, hu } = volume;
  const plane = z * nx * ny;
  let n = 0;
  for (let j = -1; j <= 1; j++) {
    const yy = y + j < 0 ? 0 : y + j >= ny ? ny - 1 : y + j;
    for (let i = -1; i <= 1; i++) {
      const xx = x + i < 0 ? 0 : x + i >= nx ? nx - 1 : x + i;
      const v = hu[plane + xx + yy * nx];
      if (v < -500) continue;
      // Insertion into the sorted prefix.
      let k = n++;
      while (k > 0 && buf[k - 1] > v) {
        buf[k] = buf[k - 1];
        k--;
      }
      buf[k] = v;
    }
  }
  return n > 0 ? buf[n >> 1] : -1000;
}

/**
 * Whether the voxel (x, y) of the slice may be added: tissue (not air, not
 * bone), not in the mediastinum (between the two lungs' most medial
 * voxels), not below the lung's floor in its column (under the diaphragm),
 * not fat (3×3 median), and not effusion when effusion is excluded.
 */
function takes(ctx: SliceCtx, x: number, y: number): boolean {
  const { volume, p } = ctx;
  const { nx, ny, hu } = volume;
  if (x > ctx.mediastinum[0] && x < ctx.mediastinum[1]) return false;
  const q = x + y * nx;
  const v = hu[ctx.z * nx * ny + q];
  if (v < p.airHu || v > p.maxTissueHu) return false;
  const f = ctx.floor;
  if (f !== null && (f[q] < 0 || (ctx.upZ > 0 ? ctx.z < f[q] : ctx.z > f[q]))) return false;
  if (v >= FAT_HU[0] - 50 && v <= FAT_HU[1] + 50) {
    // Fat (retrosternal, extrapleural, mediastinal) is never lung.
    const m = denseMedian3(volume, ctx.z, x, y, ctx.nine);
    if (m >= FAT_HU[0] && m <= FAT_HU[1]) return false;
  }
  if (p.effusion === 'exclude' && v >= p.effusionHu[0] - 15 && v < p.effusionHu[1] + 15) {
    const m = denseMedian3(volume, ctx.z, x, y, ctx.nine);
    if (m >= p.effusionHu[0] && m < p.effusionHu[1]) {
      ctx.effusionExcluded++;
      return false;
    }
  }
  return true;
}

/** Fill the open rays (and their windows) with sub-rays; marks 2 in the slice scratch. */
function fillOpen(ctx: SliceCtx, cx: number, cy: number): void {
  const { volume, p, rays, sx, sy, sl } = ctx;
  const { nx, ny } = volume;
  const bins = rays.rL.length;
  const step = 0.7 * Math.min(sx, sy);
  const binRad = (2 * Math.PI) / bins;
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] === 1 || !(rays.rW[b] > 0)) continue;
    const w = Math.max(1, Math.ceil(p.windowMm / (binRad * Math.max(rays.rL[b], 1))));
    let any = false;
    let rStart = rays.rL[b];
    for (let k = -w; k <= w; k++) {
      const j = (b + k + bins) % bins;
      if (rays.open[j] === 1) any = true;
      if (rays.state[j] !== 1 && rays.rL[j] > 0 && rays.rL[j] < rStart) rStart = rays.rL[j];
    }
    if (!any) continue;
    const rEnd = rays.rW[b] - rays.margin[b];
    if (rEnd <= rStart) continue;
    // Sub-rays spaced at most half a pixel apart at rEnd.
    const pa = (b * 4) / bins;
    const pb = ((b + 1) * 4) / bins;
    const sub = Math.max(1, Math.ceil((binRad * rEnd) / step));
    const rMin = Math.max(0, rStart - step);
    for (let s = 0; s < sub; s++) {
      const [ux, uy] = fromDiamond(pa + ((s + 0.5) * (pb - pa)) / sub);
      // From the rib line inwards to the first lung voxel: only what lies
      // between the lung and the wall, never a structure the lung wraps.
      let lungRun = 0;
      for (let r = rEnd; r >= rMin; r -= step) {
        const x = Math.round(cx + (r * ux) / sx);
        const y = Math.round(cy + (r * uy) / sy);
        if (x < 0 || y < 0 || x >= nx || y >= ny) continue;
        const q = x + y * nx;
        const t = sl[q];
        if (t === 1) {
          // A lens of lung thinner than LENS_MM between a lesion's flank and the wall is passed.
          lungRun += step;
          if (lungRun > LENS_MM) break;
          continue;
        }
        lungRun = 0;
        if (t !== 0) continue;
        if (!takes(ctx, x, y)) {
          sl[q] = 4; // looked at and refused; cleared with the slice
          continue;
        }
        sl[q] = 2;
        ctx.added++;
        ctx.addedAt[ctx.addedCount++] = q;
        if (x < ctx.box[0]) ctx.box[0] = x;
        if (x > ctx.box[1]) ctx.box[1] = x;
        if (y < ctx.box[2]) ctx.box[2] = y;
        if (y > ctx.box[3]) ctx.box[3] = y;
      }
    }
  }
}

/** Marks the voxels of the image's outer ring that are outside the mask as open outside (5). */
function markRing(sl: Uint8Array, nx: number, ny: number): void {
  const last = (ny - 1) * nx;
  for (let x = 0; x < nx; x++) {
    if (sl[x] === 0) sl[x] = 5;
    if (sl[last + x] === 0) sl[last + x] = 5;
  }
  for (let y = 1; y < ny - 1; y++) {
    if (sl[y * nx] === 0) sl[y * nx] = 5;
    if (sl[y * nx + nx - 1] === 0) sl[y * nx + nx - 1] = 5;
  }
}

/**
 * Holes the additions close (the flank of a round lesion behind a thin lens
 * of lung): starting beside each added voxel, the 4-connected region of
 * voxels outside the mask is grown up to HOLE_MM2; a region that stays
 * smaller and never meets the image border or a region already found open
 * is a hole, and its tissue (not air, bone, fat) is added. Every voxel is
 * visited at most once per slice.
 */
function fillNewHoles(ctx: SliceCtx, stack: Int32Array, region: Int32Array): void {
  const { volume, sl, addedAt } = ctx;
  const { nx, ny } = volume;
  const cap = Math.max(4, Math.round(HOLE_MM2 / (ctx.sx * ctx.sy)));
  const n = ctx.addedCount;
  for (let a = 0; a < n; a++) {
    const q0 = addedAt[a];
    const x0 = q0 % nx;
    for (let d = 0; d < 4; d++) {
      const s0 = d === 0 ? (x0 > 0 ? q0 - 1 : -1) : d === 1 ? (x0 < nx - 1 ? q0 + 1 : -1) : d === 2 ? (q0 >= nx ? q0 - nx : -1) : q0 + nx < nx * ny ? q0 + nx : -1;
      if (s0 < 0) continue;
      const t0 = sl[s0];
      if (t0 !== 0 && t0 !== 4) continue;
      let top = 0;
      let rc = 0;
      let open = false;
      sl[s0] = 6;
      stack[top++] = s0;
      while (top > 0 && !open) {
        const q = stack[--top];
        region[rc++] = q;
        if (rc > cap) {
          open = true;
          break;
        }
        // The image's outer ring is marked open (5) with the slice, so q ± 1, q ± nx stay inside.
        for (let d = 0; d < 4; d++) {
          const nq = d === 0 ? q - 1 : d === 1 ? q + 1 : d === 2 ? q - nx : q + nx;
          const t = sl[nq];
          if (t === 0 || t === 4) {
            sl[nq] = 6;
            stack[top++] = nq;
          } else if (t === 5) {
            open = true;
          }
        }
      }
      if (open) {
        for (let k = 0; k < rc; k++) sl[region[k]] = 5;
        for (let k = 0; k < top; k++) sl[stack[k]] = 5;
        continue;
      }
      for (let k = 0; k < rc; k++) {
        const q = region[k];
        const x = q % nx;
        const y = (q - x) / nx;
        if (takes(ctx, x, y)) {
          sl[q] = 2;
          ctx.added++;
          addedAt[ctx.addedCount++] = q;
          if (x < ctx.box[0]) ctx.box[0] = x;
          if (x > ctx.box[1]) ctx.box[1] = x;
          if (y < ctx.box[2]) ctx.box[2] = y;
          if (y > ctx.box[3]) ctx.box[3] = y;
        } else {
          sl[q] = 4;
        }
      }
    }
  }
}

/**
 * Keeps only the added voxels joined to the lung in the slice (4-connected
 * through added voxels): a fragment cut off by refused voxels (fat,
 * effusion) is not lung. Visits the added voxels once.
 */
function keepJoined(ctx: SliceCtx, stack: Int32Array): void {
  const { volume, sl, addedAt } = ctx;
  const { nx } = volume;
  const n = ctx.addedCount;
  let top = 0;
  for (let a = 0; a < n; a++) {
    const q = addedAt[a];
    if (sl[q] === 2 && (sl[q - 1] === 1 || sl[q + 1] === 1 || sl[q - nx] === 1 || sl[q + nx] === 1)) {
      sl[q] = 7;
      stack[top++] = q;
    }
  }
  while (top > 0) {
    const q = stack[--top];
    for (let d = 0; d < 4; d++) {
      const nq = d === 0 ? q - 1 : d === 1 ? q + 1 : d === 2 ? q - nx : q + nx;
      if (sl[nq] === 2) {
        sl[nq] = 7;
        stack[top++] = nq;
      }
    }
  }
  for (let a = 0; a < n; a++) {
    const q = addedAt[a];
    if (sl[q] === 7) sl[q] = 2;
    else if (sl[q] === 2) {
      sl[q] = 4;
      ctx.added--;
      ctx.cutOff++;
    }
  }
}

/** Runs of the filled mask plus the voxels marked 2 in the slice scratch, slice z. */
function emitSlice(out: RunBuilder, fill: RunSet, sl: Uint8Array, z: number, box: Int32Array | null): void {
  const { nx, ny, rowStart, x0, x1 } = fill;
  for (let y = 0; y < ny; y++) {
    const r = y + z * ny;
    if (box === null || y < box[2] || y > box[3]) {
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) out.push(x0[k], x1[k]);
    } else {
      const base = y * nx;
      const a = rowStart[r];
      const e = rowStart[r + 1];
      let x = a < e ? Math.min(x0[a], box[0]) : box[0];
      const end = a < e ? Math.max(x1[e - 1], box[1] + 1) : box[1] + 1;
      while (x < end) {
        while (x < end && (sl[base + x] === 0 || sl[base + x] > 2)) x++;
        if (x >= end) break;
        const from = x;
        while (x < end && (sl[base + x] === 1 || sl[base + x] === 2)) x++;
        out.push(from, x);
      }
    }
    out.endRow(r);
  }
}

/**
 * The inclusive lung mask from the HU volume and the filled mask's runs
 * (segmentStage's `runs.fill`), as runs on the volume's grid. Slices are the
 * volume's z planes (axial for axial series).
 */
export function inclusiveLungRunsReference(volume: Volume, fill: RunSet, params: InclusiveLungParams = {}, opts: InclusiveOptions = {}): InclusiveLungResult {
  const p = resolve(params);
  const { nx, ny, nz } = volume;
  if (fill.nx !== nx || fill.ny !== ny || fill.nz !== nz) throw new RangeError('mask runs and volume are on different grids');
  const [sx, sy] = volume.spacingMmXyz;
  const report = opts.onProgress;
  const check = (): void => {
    if (opts.signal?.aborted) throw new InclusiveAbortedError();
  };
  check();
  report?.(0, 'lung components per slice');
  // Seeds: runs of 2D components of at least minSeedAreaMm2.
  const lab = labelRuns(fill, 8);
  const minPixels = p.minSeedAreaMm2 / (sx * sy);
  const seed = new Uint8Array(fill.count);
  let fillVoxels = 0;
  let xSum = 0;
  for (let k = 0; k < fill.count; k++) {
    const len = fill.x1[k] - fill.x0[k];
    fillVoxels += len;
    xSum += ((fill.x0[k] + fill.x1[k] - 1) * len) / 2;
    seed[k] = lab.sizes[lab.labelOfRun[k]] >= minPixels ? 1 : 0;
  }
  const midX = fillVoxels > 0 ? xSum / fillVoxels : nx / 2;
  const out = new RunBuilder(fill, false, fill.count + 16);
  const addedPerSlice = new Int32Array(nz);
  const splitX = Math.round(midX);
  // Column floors: the most inferior lung voxel under each (x, y), for axial slices.
  const upDir = volume.directionXyz[2][2];
  const upZ = upDir >= 0 ? 1 : -1;
  let floor: Int16Array | null = null;
  if (Math.abs(upDir) > 0.5 && nz < 32768) {
    floor = new Int16Array(nx * ny).fill(-1);
    // From the head down, each slice overwrites: what stays is the most inferior.
    for (let zi = 0; zi < nz; zi++) {
      const z = upZ > 0 ? nz - 1 - zi : zi;
      for (let y = 0; y < ny; y++) {
        const r = y + z * ny;
        for (let k = fill.rowStart[r]; k < fill.rowStart[r + 1]; k++) {
          if (seed[k] !== 0) floor.fill(z, y * nx + fill.x0[k], y * nx + fill.x1[k]);
        }
      }
    }
  }
  const ctx: SliceCtx = {
    volume, p, sl: new Uint8Array(nx * ny), z: 0, sx, sy, rays: makeRays(p.bins), effusionExcluded: 0, added: 0, medialX: 0, box: new Int32Array(4),
    mediastinum: [-1, nx], floor, upZ, posterior: posteriorInSlice(volume), nine: new Int16Array(9),
    addedAt: new Int32Array(nx * ny), addedCount: 0, cutOff: 0,
    ribMemory: [0, 1].map(() => ({ x: new Float64Array(p.bins), y: new Float64Array(p.bins), z: new Int32Array(p.bins).fill(-1e6) })),
  };
  const stack = new Int32Array(nx * ny);
  const region = new Int32Array(nx * ny);
  for (let z = 0; z < nz; z++) {
    if ((z & 7) === 0) {
      check();
      report?.(z / nz, 'inclusive lung mask');
    }
    ctx.z = z;
    const before = ctx.added;
    const hasLung = fill.rowStart[z * ny] !== fill.rowStart[(z + 1) * ny];
    if (hasLung) {
      const { sl } = ctx;
      sl.fill(0);
      ctx.box.set([nx, -1, ny, -1]);
      ctx.addedCount = 0;
      for (let y = 0; y < ny; y++) {
        const r = y + z * ny;
        for (let k = fill.rowStart[r]; k < fill.rowStart[r + 1]; k++) sl.fill(1, y * nx + fill.x0[k], y * nx + fill.x1[k]);
      }
      markRing(sl, nx, ny);
      ctx.mediastinum = medialBounds(fill, seed, z, splitX);
      for (let side = 0; side < 2; side++) {
        const c = side === 0 ? outerLung(ctx, fill, seed, 0, splitX) : outerLung(ctx, fill, seed, splitX, nx);
        if (c === null) continue;
        // The midline lies towards +x (index) from side 0 and towards -x from side 1.
        findWall(ctx, c[0], c[1], side === 0 ? 1 : -1);
        fillOpen(ctx, c[0], c[1]);
      }
      if (ctx.added > before) {
        fillNewHoles(ctx, stack, region);
        keepJoined(ctx, stack);
      }
    }
    addedPerSlice[z] = ctx.added - before;
    emitSlice(out, fill, ctx.sl, z, addedPerSlice[z] > 0 ? ctx.box : null);
  }
  report?.(1, 'inclusive lung mask');
  const notes: string[] = [
    'the mediastinal side of each lung is not grown: a lesion fused with the heart, great vessels, hilum or spine is not recovered',
    p.effusion === 'exclude'
      ? `pleural effusion is left out by HU (3×3 median in [${p.effusionHu[0]}, ${p.effusionHu[1]}) HU); consolidation of that density is left out too`
      : 'pleural effusion is counted as lung',
  ];
  if (ctx.effusionExcluded > 0) notes.push(`${ctx.effusionExcluded} voxels of effusion density between lung and ribs left out`);
  return {
    runs: out.finish(),
    voxels: { fill: fillVoxels, added: ctx.added, inclusive: fillVoxels + ctx.added, effusionExcluded: ctx.effusionExcluded },
    addedPerSlice,
    notes,
  };
}

// ---------------------------------------------------------------------------
// lungs cut by the field of view
// ---------------------------------------------------------------------------

/** Mean HU of the body along the border beside a cut lung: soft tissue, not an arm's bone. */
const FLANK_HU: [number, number] = [-200, 250];

/**
 * Whether the lungs touch the image border over a large area (small field
 * of view, one-sided reconstruction), so a host does not show a clean lung
 * volume. Pure: the HU volume and the filled mask's runs (its lung voxels on
 * the border count directly). Along each border of each slice, a run of air
 * (< airHu) bounded by body (≥ airHu, at least minWallMm long) at both ends
 * and still air minDepthMm inwards is a lung cut open by the border (air
 * around the patient reaches a corner; the shells of a table or cushion
 * are thinner than a chest wall). O(nz * (nx + ny)) reads plus
 * the runs on border rows.
 */
export function lungsCutByFieldOfViewReference(volume: Volume, fill: RunSet | null, params: FovCutParams = {}): FovCutResult {
  const minArea = params.minAreaMm2 ?? 5000;
  const airHu = params.airHu ?? -500;
  const minDepth = params.minDepthMm ?? 20;
  const minWallMm = params.minWallMm ?? 10;
  const maxOutsideHu = params.maxOutsideHu ?? -960;
  const { nx, ny, nz, hu } = volume;
  const [sx, sy, sz] = volume.spacingMmXyz;
  let area = 0;
  let slices = 0;
  // Four borders: start index, step along the border, step inwards, count, pixel length (mm), inward pixel (mm).
  const borders: Array<[number, number, number, number, number, number]> = [
    [0, 1, nx, nx, sx, sy],
    [(ny - 1) * nx, 1, -nx, nx, sx, sy],
    [0, nx, 1, ny, sy, sx],
    [nx - 1, nx, -1, ny, sy, sx],
  ];
  for (let z = 0; z < nz; z++) {
    const plane = z * nx * ny;
    let sliceArea = 0;
    if (fill) {
      for (const y of [0, ny - 1]) {
        const r = y + z * ny;
        for (let k = fill.rowStart[r]; k < fill.rowStart[r + 1]; k++) sliceArea += (fill.x1[k] - fill.x0[k]) * sx * sz;
      }
      for (let y = 1; y < ny - 1; y++) {
        const r = y + z * ny;
        const a = fill.rowStart[r];
        const e = fill.rowStart[r + 1];
        if (a < e && fill.x0[a] === 0) sliceArea += sy * sz;
        if (a < e && fill.x1[e - 1] === nx) sliceArea += sy * sz;
      }
    }
    for (const [start, along, inward, count, lenMm, inMm] of borders) {
      const depth = Math.min(Math.round(minDepth / inMm), (inward === 1 || inward === -1 ? nx : ny) - 1);
      // Runs along the border: air (< airHu, vessels thinner than the wall
      // merged in) and dense stretches at least minWallMm long.
      const wall = Math.ceil(minWallMm / lenMm);
      const at = (t: number): number => hu[plane + start + t * along];
      let i = 0;
      let prev = -1; // mean HU of the dense stretch before, -1: none long enough
      while (i < count) {
        if (at(i) >= airHu) {
          const a = i;
          let sum = 0;
          while (i < count && at(i) >= airHu) sum += at(i++);
          prev = i - a >= wall ? sum / (i - a) : prev;
          continue;
        }
        const a = i;
        // Extend over dense gaps shorter than the wall.
        let e = i;
        while (e < count) {
          while (e < count && at(e) < airHu) e++;
          let g = e;
          while (g < count && g - e < wall && at(g) >= airHu) g++;
          if (g < count && g - e < wall) e = g;
          else break;
        }
        i = e;
        const flankBefore = prev;
        prev = -1;
        if (a === 0 || e === count || flankBefore === -1) continue; // a corner, or no chest wall before
        let g = e;
        let fsum = 0;
        while (g < count && g - e < wall && at(g) >= airHu) fsum += at(g++);
        if (g - e < wall) continue;
        // A chest wall on both sides (soft tissue, not an arm's bone or a table).
        if (!(flankBefore >= FLANK_HU[0] && flankBefore <= FLANK_HU[1]) || !(fsum / wall >= FLANK_HU[0] && fsum / wall <= FLANK_HU[1])) continue;
        // Lung, not air: mean HU over the run and the line minDepthMm inwards above maxOutsideHu.
        let deep = 0;
        let sum = 0;
        for (let t = a; t < e; t++) {
          const v = hu[plane + start + t * along + depth * inward];
          if (v < airHu) deep++;
          sum += v + at(t);
        }
        if (deep * 2 < e - a || sum / (2 * (e - a)) <= maxOutsideHu) continue;
        // The chest wall is thick: body also minDepthMm inwards of both
        // flanks (a table's or cushion's shell crosses the border thin).
        let solid = 0;
        for (let t = a - wall; t < a; t++) if (hu[plane + start + t * along + depth * inward] >= airHu) solid++;
        for (let t = e; t < e + wall; t++) if (hu[plane + start + t * along + depth * inward] >= airHu) solid++;
        if (solid >= wall) sliceArea += (e - a) * lenMm * sz;
      }
    }
    if (sliceArea > 0) {
      area += sliceArea;
      slices++;
    }
  }
  const cut = area >= minArea;
  return {
    cut,
    reason: cut ? `lungs cut by the field of view: ${Math.round(area)} mm² of lung on the image border in ${slices} slices` : null,
    borderAreaMm2: area,
    slices,
  };
}
