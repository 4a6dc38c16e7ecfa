/**
 * The inclusive lung mask: the lungs as a chest physician counts them. The
 * tutorial's mask (segmentLungs.ts) keeps aerated lung only (HU below the
 * threshold, plus what a slice encloses), so consolidation, atelectasis,
 * dense dependent lung, ground glass and nodules or masses against the chest
 * wall fall out. This adds them back without a learned model.
 *
 * What: starting from the filled mask's runs, each slice and each side of
 * the lungs' midline (centroid x of the mask) is looked at from the centroid
 * of its lung (2D components of at least minSeedAreaMm2) along angleBins
 * rays (bins of the "diamond angle", a pseudo-angle without trigonometry).
 * Per ray: rL, the outermost lung voxel (only outline voxels are looked
 * at), and rW, the inner surface of the rib cage: the first bone voxel
 * (≥ boneHu) within maxDepthMm beyond rL. The rib line is cleaned: a hit
 * more than RIB_STEP_MM deeper than bone hits within ±RIB_LINE_MM of arc
 * (a scapula or the far side of a rib seen through a gap) is not the wall,
 * and a hit takes the smallest radius within ±RIB_END_MM (a ray grazing a
 * rib end meets its side). Rays that meet air (< airHu), ≥ FAT_MM of fat or
 * the image border first, and such non-wall hits, are "free"; a run of free
 * rays between two bone rays takes rW interpolated in angle (intercostal
 * gaps up to maxRibGapMm of arc and maxRibGapDeg); a ray still without a
 * wall (a slice that passes between two ribs over a wide arc) takes the rib
 * point met on its bin up to RIB_MEMORY_SLICES slices before, else it stays
 * closed (air inside the rib line, e.g. bowel gas, is never bridged).
 * A ray is open when, walking in from rW − margin (wallMarginMm along the
 * wall's normal, longer for an oblique ray) and passing a lens of lung up to
 * LENS_MM thick, there is tissue before thick lung, and the lung lies at
 * most maxDepthMm from the ribs. Runs of open rays narrower than
 * MIN_OPEN_MM of arc are dropped (a single ray slipping past the heart).
 * Each open ray opens ±windowMm of arc around it; sub-rays 0.7 voxel
 * apart walk in from the wall and add every voxel up to the first thick
 * lung that is tissue (HU in [airHu, maxTissueHu]) and passes the checks
 * below. Then the small holes (≤ HOLE_MM2) the additions close (the flank
 * of a round lesion behind a thin lens of lung) are added too, and last
 * added voxels not joined to the lung in the slice through added voxels
 * (a fragment beyond refused fat or effusion) are dropped.
 * Checks on every added voxel: not in the mediastinum (strictly between the
 * two lungs' most medial voxels in the slice), not below the lung's floor
 * in its column (the most inferior slice where the filled mask has lung
 * under this (x, y): keeps liver, spleen, diaphragm and the chest wall
 * outside the lung's footprint out; axial-like stacks only), not fat
 * (3×3 median in [FAT_LO, FAT_HI]), and not effusion when it is excluded.
 *
 * Variant, and why: the "fill concavities against the rib cage" family
 * (Armato & Sensakovic, "Automated lung segmentation for thoracic CT:
 * impact on computer-aided diagnosis", Acad Radiol 11(9), 2004: rolling
 * ball along the costal surface; Hu, Hoffman & Reinhardt, IEEE TMI 20(6),
 * 2001), done as a polar gap fill bounded by the ribs rather than a closing
 * or a hull. A dense layer along a convex chest wall (posterior
 * consolidation, dependent lung) leaves no concavity in the aerated lung, so
 * a per-slice convex hull of each lung misses it entirely, and a closing
 * with a disc large enough for 25 mm also bridges into the chest wall
 * muscles and the heart. Measured on the pathology phantom
 * (io/pathologyPhantom.ts) this keeps ≥ 97 % of every lesion kind and adds
 * nothing outside the lung; on the three real series it grows the filled
 * mask by 1.2–2.5 %.
 * Not grown (listed in the result's notes):
 *   - the mediastinal side: rays within medialHalfAngleDeg of the direction
 *     to the midline are closed and rays that cross the lung's most medial
 *     x are closed too, except posterior ones (within 60° of patient
 *     posterior), which end there as on a wall: the paravertebral gutter,
 *     where dependent lung lies. The heart, great vessels, hilum and
 *     mediastinal fat are not entered; a mass fused with the mediastinum is
 *     not recovered (an enclosed hilar mass is, by the tutorial's filling).
 *   - below the lung's floor: dense lung at the very base (on the
 *     diaphragm) is left out with the liver and spleen under it.
 *   - pleural effusion: `effusion: 'exclude'` (the default) leaves out
 *     voxels whose 3×3 median HU (of the dense ones) lies in effusionHu
 *     ([−20, 20) HU: water). Effusion is fluid outside the lung, and
 *     densitometry must not count it as lung tissue (lungmask includes it
 *     by design; we do not). 'include' takes it like any other tissue
 *     between lung and ribs. By HU alone, consolidation below 20 HU or
 *     effusion above it is misclassified.
 * The airway stays in the mask as the filled mask has it (the split labels
 * it; "lung volume" excludes it). Slices are the volume's z planes;
 * inclusiveLungRunsAnyOrientation works on sagittal and coronal stacks in
 * axial index order.
 *
 * Field of view: lungsCutByFieldOfView (pure, separate) reports lungs cut by
 * the image border: lung voxels of the mask on the border rows/columns, and
 * stretches of air along the border (vessels thinner than minWallMm merged
 * in) bounded on both ends by at least minWallMm of soft tissue that is also
 * body minDepthMm inwards (a chest wall, not a table's shell or an arm's
 * bone), still air minDepthMm inwards and with a mean HU above
 * maxOutsideHu. With the default 'border' background the segmentation drops
 * a lung open to the border entirely, so the mask alone cannot tell.
 *
 * Cost: labelling the filled runs in 2D, O(runs); the column floors, one
 * fill per run; per slice and side the outline voxels (a division each),
 * angleBins rays of at most (maxDepthMm + wallMarginMm) / voxel samples,
 * O(angleBins) for the rib line and the gap runs, and the open sub-rays;
 * the holes visit each voxel beside the additions once (a hole's refused
 * voxels again when a later region takes them in); a voxel's verdict (and
 * its 3×3 medians) is worked out once per slice: a refused voxel keeps why
 * in the slice scratch, which is reset per slice (nx*ny bytes memset).
 * Output runs: rows without additions are copied, rows with additions
 * merged from the filled runs and the kept added voxels, sorted
 * (O(runs + added · log added) per slice, no voxel scan). No closures,
 * tuples or per-voxel allocations in the loops (one state object of
 * numbers and typed arrays), and each hot loop (a ray's march, a sub-ray,
 * a hole) a small function of its own, optimised early in a fresh
 * process. Memory: nx*ny bytes of slice scratch, 2 bytes per
 * column of floors, three nx*ny Int32 lists (added voxels, stack, hole),
 * the 2D labels (4 bytes per run) and the output runs.
 */
import { axialOrderOf, toAxialVolume } from '../volume/reorient';
import type { Volume } from '../volume/volume';
import { labelRuns } from './connectedComponents';
import { permuteRuns } from './permuteRuns';
import { RunBuilder, type RunSet } from './runs';

export interface InclusiveLungParams {
  /** Pleural effusion: left out (default) or counted as lung. */
  effusion?: 'exclude' | 'include';
  /** Largest thickness (mm) of tissue between the aerated lung and the ribs that is filled. Default 40. */
  maxDepthMm?: number;
  /** Chest wall inside the ribs (intercostal muscle, pleura) never filled (mm). Default 3. */
  wallMarginMm?: number;
  /** Bone at or above this (HU). Default 300. */
  boneHu?: number;
  /** Air below this (HU) blocks a ray and is never filled. Default −900. */
  airHu?: number;
  /** Densest tissue filled (HU). Default 150. */
  maxTissueHu?: number;
  /** 3×3 median HU range [lo, hi) taken for effusion. Default [−20, 20]. */
  effusionHu?: [number, number];
  /** Rays within this angle of the direction to the midline are not grown (deg). Default 50. */
  medialHalfAngleDeg?: number;
  /** Largest gap between ribs bridged (arc mm). Default 50. */
  maxRibGapMm?: number;
  /** Largest gap between ribs bridged (deg). Default 45. */
  maxRibGapDeg?: number;
  /** Arc (mm) each side of an open ray that is opened too. Default 4. */
  windowMm?: number;
  /** Rays per slice and side. Default 360. */
  angleBins?: number;
  /** Smallest 2D lung component (mm²) that seeds a slice. Default 300. */
  minSeedAreaMm2?: number;
}

export interface InclusiveLungResult {
  /** Runs of the inclusive mask (the filled mask plus the added voxels). */
  runs: RunSet;
  voxels: { fill: number; added: number; inclusive: number; effusionExcluded: number };
  /** Per slice: voxels added. */
  addedPerSlice: Int32Array;
  /** Where the result is unsure. */
  notes: string[];
}

export interface InclusiveOptions {
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

/*
 * Codes of the slice scratch, one byte per voxel of the slice:
 *   0 outside the filled mask, not looked at    1 the filled mask
 *   2 added                                      3 refused as effusion
 *   4 refused (or added and cut off)             5 outside, open to the image border
 *   6, 8, 9 in the hole being grown (was 0, 4, 3)  7 added and joined to the lung
 * A refused voxel keeps why (3 or 4): met again in a hole it takes the
 * same verdict without the medians being read again.
 */

/** Per slice and run state; one object, its fields numbers and typed arrays. */
class SliceCtx {
  readonly hu: Int16Array;
  readonly nx: number;
  readonly ny: number;
  readonly sx: number;
  readonly sy: number;
  readonly p: Resolved;
  readonly fill: RunSet;
  /** Per run of the filled mask: 1 when its 2D component seeds a slice. */
  readonly seed: Uint8Array;
  readonly splitX: number;
  /** Slice scratch (codes above). */
  readonly sl: Uint8Array;
  readonly rays: Rays;
  /** Per column (x + y*nx): the most inferior slice with lung, -1 none; null when slices are not axial. */
  readonly floor: Int16Array | null;
  /** +1 when the slice index grows towards the head, -1 when towards the feet. */
  readonly upZ: number;
  /** Unit patient-posterior direction in the slice's (x, y) mm frame. */
  readonly postX: number;
  readonly postY: number;
  /** Per side, per ray: the last rib point met (mm in the slice frame) and its slice. */
  readonly ribMemory: Array<{ x: Float64Array; y: Float64Array; z: Int32Array }>;
  /** This slice's voxels added (x + y*nx; rays, then holes); after keepJoined the kept ones, sorted. */
  readonly addedAt: Int32Array;
  /** Flood stack and hole region of fillNewHoles (nx*ny each). */
  readonly stack: Int32Array;
  readonly region: Int32Array;
  readonly exclude: boolean;
  readonly effLo: number;
  readonly effHi: number;
  readonly airHu: number;
  readonly maxTissueHu: number;
  z = 0;
  /** z * nx * ny. */
  plane = 0;
  effusionExcluded = 0;
  added = 0;
  /** Added voxels dropped as cut off from the lung. */
  cutOff = 0;
  addedCount = 0;
  /** Most medial x (index) of the side's lung in this slice; rays that cross it are blocked. */
  medialX = 0;
  /** x (index) strictly between these is mediastinum in this slice. */
  mediaLo = -1;
  mediaHi = 0;
  /** The side's lung in this slice: its x extent (index) and centroid (index). */
  outLo = 0;
  outHi = 0;
  cx = 0;
  cy = 0;
  /** Bounding box of this slice's added voxels. */
  boxX0 = 0;
  boxX1 = 0;
  boxY0 = 0;
  boxY1 = 0;

  constructor(volume: Volume, p: Resolved, fill: RunSet, seed: Uint8Array, splitX: number, floor: Int16Array | null, upZ: number) {
    const { nx, ny } = volume;
    this.hu = volume.hu;
    this.nx = nx;
    this.ny = ny;
    this.sx = volume.spacingMmXyz[0];
    this.sy = volume.spacingMmXyz[1];
    this.p = p;
    this.fill = fill;
    this.seed = seed;
    this.splitX = splitX;
    this.sl = new Uint8Array(nx * ny);
    this.rays = makeRays(p.bins);
    this.floor = floor;
    this.upZ = upZ;
    const post = posteriorInSlice(volume);
    this.postX = post[0];
    this.postY = post[1];
    this.ribMemory = [0, 1].map(() => ({ x: new Float64Array(p.bins), y: new Float64Array(p.bins), z: new Int32Array(p.bins).fill(-1e6) }));
    this.addedAt = new Int32Array(nx * ny);
    this.stack = new Int32Array(nx * ny);
    this.region = new Int32Array(nx * ny);
    this.exclude = p.effusion === 'exclude';
    this.effLo = p.effusionHu[0];
    this.effHi = p.effusionHu[1];
    this.airHu = p.airHu;
    this.maxTissueHu = p.maxTissueHu;
  }
}

/** Patient posterior (+y in LPS) as a unit vector in a slice's (x, y) frame ([0, 0] if along z). */
function posteriorInSlice(g: Volume): [number, number] {
  const a = g.directionXyz[0][1];
  const b = g.directionXyz[1][1];
  const n = Math.hypot(a, b);
  return n > 0 ? [a / n, b / n] : [0, 0];
}

/** The most medial seed voxel of each side in slice z: mediaLo = max x left of splitX, mediaHi = min x right of it. */
function medialBounds(c: SliceCtx): void {
  const { fill, seed, splitX } = c;
  const { rowStart, x0, x1 } = fill;
  let a = -1;
  let b = c.nx;
  for (let k = rowStart[c.z * c.ny], e = rowStart[(c.z + 1) * c.ny]; k < e; k++) {
    if (seed[k] === 0) continue;
    if (x0[k] < splitX) a = Math.max(a, Math.min(x1[k], splitX) - 1);
    if (x1[k] > splitX) b = Math.min(b, Math.max(x0[k], splitX));
  }
  c.mediaLo = a;
  c.mediaHi = b;
}

/** Widens rL's bin of the outline voxel at (dx, dy) mm from the centroid to its squared distance. */
function consider(rL: Float64Array, scale: number, dx: number, dy: number): void {
  const bins = rL.length;
  let b = (diamond(dx, dy) * scale) | 0;
  if (b >= bins) b = bins - 1;
  const d2 = dx * dx + dy * dy;
  if (d2 > rL[b]) rL[b] = d2;
}

/** rL per bin from the seed voxels of one side; false when the side has no lung large enough, else the centroid in c.cx, c.cy. */
function outerLung(c: SliceCtx, xFrom: number, xTo: number): boolean {
  if (!sideCentroid(c, xFrom, xTo)) return false;
  const { rL } = c.rays;
  const bins = rL.length;
  rL.fill(0);
  c.outLo = Infinity;
  c.outHi = -Infinity;
  const r0 = c.z * c.ny;
  for (let y = 0; y < c.ny; y++) outlineRow(c, r0 + y, y, xFrom, xTo);
  for (let b = 0; b < bins; b++) rL[b] = Math.sqrt(rL[b]);
  // Bins narrower than a voxel near the centroid may hold none: take a neighbour's.
  for (let b = 0; b < bins; b++) {
    if (rL[b] > 0) continue;
    const a = rL[(b + bins - 1) % bins];
    const d = rL[(b + 1) % bins];
    rL[b] = Math.max(a, d, rL[(b + bins - 2) % bins], rL[(b + 2) % bins]);
  }
  c.medialX = xFrom === 0 ? c.outHi : c.outLo;
  return true;
}

/** The centroid (c.cx, c.cy) of the seed voxels of slice c.z in x [xFrom, xTo); false when fewer than minSeedAreaMm2. */
function sideCentroid(c: SliceCtx, xFrom: number, xTo: number): boolean {
  const { fill, seed, ny, sx, sy } = c;
  const { rowStart, x0, x1 } = fill;
  const z = c.z;
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
  const minPixels = c.p.minSeedAreaMm2 / (sx * sy);
  if (n < minPixels) return false;
  c.cx = sxSum / n;
  c.cy = sySum / n;
  return true;
}

/** The outline voxels of row r (= y of slice c.z) in x [xFrom, xTo) into rL (squared), and the side's x extent into c.outLo, c.outHi. */
function outlineRow(c: SliceCtx, r: number, y: number, xFrom: number, xTo: number): void {
  const { fill, seed, ny, sx } = c;
  const { rowStart, x0, x1 } = fill;
  const { rL } = c.rays;
  const scale = rL.length / 4;
  const cx = c.cx;
  const dy = (y - c.cy) * c.sy;
  // Rows above and below (runs of the whole mask); a voxel under both is not on the outline.
  const ra = y > 0 ? r - 1 : -1;
  const rb = y < ny - 1 ? r + 1 : -1;
  for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
    if (seed[k] === 0) continue;
    const a = Math.max(x0[k], xFrom);
    const e = Math.min(x1[k], xTo);
    if (e <= a) continue;
    if (a < c.outLo) c.outLo = a;
    if (e - 1 > c.outHi) c.outHi = e - 1;
    consider(rL, scale, (a - cx) * sx, dy);
    if (e - 1 > a) consider(rL, scale, (e - 1 - cx) * sx, dy);
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
          for (; x < Math.min(cLo, e - 1); x++) consider(rL, scale, (x - cx) * sx, dy);
          if (cHi > x) x = cHi;
        }
        if (x1[i] < x1[jb]) i++;
        else jb++;
      }
    }
    for (; x < e - 1; x++) consider(rL, scale, (x - cx) * sx, dy);
  }
}

/** Mean HU of the body along the border beside a cut lung: soft tissue, not an arm's bone. */
const FLANK_HU: [number, number] = [-200, 250];

/** Fat (HU range) and the run of it (mm) along a ray that marks the chest wall. */
const FAT_LO = -150;
const FAT_HI = -50;
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

/**
 * The wall of each ray of one side (rW, state, rAir, margin) and which rays
 * are open: march each ray from rL outwards to the first bone, or block it;
 * clean and bridge the rib line; look in from the wall. Each step is a
 * function of its own (small functions are optimised early in a fresh
 * process).
 */
function findWall(c: SliceCtx, medialSign: number): void {
  const { p, rays } = c;
  const bins = rays.rL.length;
  const step = Math.min(c.sx, c.sy);
  const reach = p.maxDepthMm + p.wallMarginMm + 2 * step;
  // rays.margin is the scratch of where a ray met air until the margins are set.
  for (let b = 0; b < bins; b++) marchRay(c, b, medialSign, step, reach);
  cleanRibLine(rays);
  bridgeRibGaps(rays, p);
  rememberRibs(c, medialSign);
  const maxReach = p.maxDepthMm + p.wallMarginMm;
  for (let b = 0; b < bins; b++) setMarginAndOpen(c, b, maxReach, step);
  dropNarrowOpen(rays);
}

/** Ray b from rL outwards: state 2 and rW at the first bone, 4 at the mediastinum's edge (posterior), 1 closed, 0 free (rays.margin[b]: where it met air, fat or the border). */
function marchRay(c: SliceCtx, b: number, medialSign: number, step: number, reach: number): void {
  const { rays, p } = c;
  const ux = rays.ux[b];
  const uy = rays.uy[b];
  const r0 = rays.rL[b];
  let state = 1;
  let rW = NaN;
  let airAt = Infinity;
  if (r0 > 0 && !(ux * medialSign > p.medialCos)) {
    // What the march met (the loop only reads): 0 nothing, 1 air (or fat, the border), 2 bone, 3 the mediastinum.
    const { hu, sl, nx, ny, sx, sy } = c;
    const cx = c.cx;
    const cy = c.cy;
    const plane = c.plane;
    const medialX = c.medialX;
    const boneHu = p.boneHu;
    const airHu = p.airHu;
    let fatRun = 0;
    let met = 0;
    let r = r0 + step;
    const kx = ux / sx;
    const ky = uy / sy;
    for (; r <= r0 + reach; r += step) {
      const fx = cx + r * kx + 0.5;
      const fy = cy + r * ky + 0.5;
      // Out of the image: like air (the ribs on both sides may still bridge it).
      if (fx < 0 || fy < 0 || fx >= nx || fy >= ny) {
        met = 1;
        break;
      }
      const x = fx | 0;
      const y = fy | 0;
      if ((x - medialX) * medialSign > 0) {
        met = 3;
        break;
      }
      const q = x + y * nx;
      const v = hu[plane + q];
      // Fat on the way (≥ FAT_MM): the chest wall's own fat planes, so any
      // bone behind them is outside the cavity; handled like air.
      if (v >= FAT_LO && v <= FAT_HI) {
        fatRun += step;
        if (fatRun >= FAT_MM) {
          met = 1;
          break;
        }
      } else fatRun = 0;
      if (v >= boneHu) {
        met = 2;
        break;
      }
      // Air: outside the body through an intercostal gap (beyond the
      // bridged rib line, checked later) or gas inside it.
      if (v < airHu && sl[q] === 0) {
        met = 1;
        break;
      }
    }
    state = 0;
    if (met === 1) airAt = r;
    else if (met === 2) {
      state = 2;
      rW = r;
    } else if (met === 3) {
      // Into the mediastinum: never between this lung and its ribs. A
      // posterior ray ends there as on a wall (the paravertebral gutter,
      // where dependent lung lies); any other is closed.
      if (ux * c.postX + uy * c.postY > 0.5) {
        state = 4;
        rW = r;
      } else state = 1;
    }
  }
  rays.state[b] = state;
  rays.rW[b] = rW;
  rays.margin[b] = airAt;
}

/**
 * Bone met far behind the rib line of its neighbours (a scapula or the
 * spine seen through an intercostal gap) is a gap, not the wall; a ray that
 * grazes the end of a rib meets its side face, deeper than the rib line:
 * it takes the smallest bone radius within ±RIB_END_MM of arc. Leaves
 * rAir: where a free ray met air (Infinity for the others).
 */
function cleanRibLine(rays: Rays): void {
  const { state, rW: rWs } = rays;
  const rB = rays.rAir; // scratch: the bone radius as met
  const airAt = rays.margin;
  const bins = state.length;
  for (let b = 0; b < bins; b++) rB[b] = rWs[b];
  const binRad = (2 * Math.PI) / bins;
  for (let b = 0; b < bins; b++) {
    if (state[b] !== 2) continue;
    const w = Math.ceil(RIB_LINE_MM / (binRad * rB[b]));
    for (let k = -w; k <= w; k++) {
      const j = (b + k + bins) % bins;
      if (state[j] !== 2 && state[j] !== 3) continue;
      if (rB[b] > rB[j] + RIB_STEP_MM + 0.6 * Math.abs(k) * binRad * rB[j]) {
        state[b] = 3;
        break;
      }
    }
  }
  for (let b = 0; b < bins; b++) {
    if (state[b] !== 3) continue;
    state[b] = 0;
    rWs[b] = NaN;
    rB[b] = Infinity;
  }
  for (let b = 0; b < bins; b++) {
    if (state[b] !== 2) continue;
    const w = Math.ceil(RIB_END_MM / (binRad * rB[b]));
    let m = rB[b];
    if (!(m < Infinity)) continue;
    for (let k = -w; k <= w; k++) {
      const v = rB[(b + k + bins) % bins];
      if (v < m) m = v;
    }
    rWs[b] = m;
  }
  for (let b = 0; b < bins; b++) rB[b] = state[b] === 0 ? airAt[b] : Infinity;
}

/** Bridge intercostal gaps: each run of free rays between two bone rays close enough takes the rib line interpolated in angle. */
function bridgeRibGaps(rays: Rays, p: Resolved): void {
  const { state, rW: rWs } = rays;
  const bins = state.length;
  let start = 0;
  while (start < bins && state[start] === 0) start++;
  if (start === bins) return;
  for (let k = 1; k <= bins; k++) {
    const i = (start + k) % bins;
    if (state[i] !== 0) continue;
    let n = 0;
    while (state[(i + n) % bins] === 0) n++;
    const lo = (i + bins - 1) % bins;
    const hi = (i + n) % bins;
    k += n;
    if (state[lo] !== 2 || state[hi] !== 2) continue;
    const g = binGap(rays, lo, hi);
    if (g > p.maxRibGapRad || g * 0.5 * (rWs[lo] + rWs[hi]) > p.maxRibGapMm) continue;
    for (let t = 0; t < n; t++) {
      const b = (i + t) % bins;
      const gLo = binGap(rays, b, lo);
      rWs[b] = rWs[lo] + ((rWs[hi] - rWs[lo]) * gLo) / g;
    }
  }
}

/** Rays still without a wall (a slice between two ribs over a wide arc) take the rib line met in the slices just below, as a point in the plane. */
function rememberRibs(c: SliceCtx, medialSign: number): void {
  const { rays, sx, sy } = c;
  const { state, rW: rWs, rL, rAir, ux, uy } = rays;
  const cx = c.cx;
  const cy = c.cy;
  const z = c.z;
  const mem = c.ribMemory[medialSign === 1 ? 0 : 1];
  const bins = state.length;
  for (let b = 0; b < bins; b++) {
    if (state[b] === 2) {
      mem.x[b] = cx * sx + rWs[b] * ux[b];
      mem.y[b] = cy * sy + rWs[b] * uy[b];
      mem.z[b] = z;
    } else if (state[b] === 0 && !(rWs[b] > 0) && Math.abs(z - mem.z[b]) <= RIB_MEMORY_SLICES) {
      const r = (mem.x[b] - cx * sx) * ux[b] + (mem.y[b] - cy * sy) * uy[b];
      if (r > rL[b] && (rAir[b] === Infinity || rAir[b] > r)) rWs[b] = r;
    }
  }
}

/**
 * Ray b's wall margin (wallMarginMm along the wall's normal, longer along
 * an oblique ray) and whether it is open; air inside the rib line (gas)
 * leaves it without a wall. In bin order: a ray's margin reads the walls of
 * its neighbours as this pass leaves them.
 */
function setMarginAndOpen(c: SliceCtx, b: number, maxReach: number, step: number): void {
  const { rays, p } = c;
  const { rW: rWs, margin, open, state } = rays;
  const bins = state.length;
  const rW = rWs[b];
  if (rays.rAir[b] < rW) rWs[b] = NaN; // air inside the rib line: gas, never bridged
  const a = rWs[(b + bins - 1) % bins];
  const d = rWs[(b + 1) % bins];
  const dTheta = binGap(rays, (b + bins - 1) % bins, (b + 1) % bins);
  const slope = a > 0 && d > 0 && rW > 0 ? (d - a) / (dTheta * rW) : 0;
  margin[b] = state[b] === 4 ? 0 : p.wallMarginMm * Math.min(3, Math.sqrt(1 + slope * slope));
  open[b] = 0;
  if (state[b] === 1 || !(rWs[b] > 0)) return;
  open[b] = lensOpen(c, b, maxReach, step);
}

/** Drop runs of open rays narrower than MIN_OPEN_MM of arc; closed gaps of up to BRIDGE_BINS rays inside a run (bins thinner than a voxel) do not split it. */
function dropNarrowOpen(rays: Rays): void {
  const { open, rW: rWs } = rays;
  const bins = open.length;
  const binRad = (2 * Math.PI) / bins;
  let b0 = 0;
  while (b0 < bins && open[b0] !== 0) b0++;
  if (b0 === bins) return;
  let k = 1;
  while (k <= bins) {
    const b = (b0 + k) % bins;
    if (open[b] === 0) {
      k++;
      continue;
    }
    // Extend the run while an open ray follows within BRIDGE_BINS.
    let n = 1;
    for (;;) {
      let next = 0;
      for (let g = 1; g <= BRIDGE_BINS && n + g <= bins; g++) {
        if (open[(b + n + g - 1) % bins] !== 0) {
          next = g;
          break;
        }
      }
      if (next === 0) break;
      n += next;
    }
    const arc = n * binRad * rWs[(b + (n >> 1)) % bins];
    if (!(arc >= MIN_OPEN_MM)) for (let j2 = b; j2 < b + n; j2++) open[j2 % bins] = 0;
    k += n;
  }
}

/**
 * Whether ray b is open: walking in from its wall (rW − margin), past a
 * lens of lung up to LENS_MM thick, there is tissue before thick lung, and
 * the lung lies at most maxDepthMm + wallMarginMm from the ribs. 1 or 0.
 */
function lensOpen(c: SliceCtx, b: number, maxReach: number, step: number): number {
  const { rays, sl, nx, ny, sx, sy } = c;
  const cx = c.cx;
  const cy = c.cy;
  const rWb = rays.rW[b];
  const ux = rays.ux[b];
  const uy = rays.uy[b];
  // Where thick lung begins, seen from the wall: a lens of lung thinner
  // than LENS_MM against the wall (beside a lesion) does not count.
  const rEnd = rWb - rays.margin[b];
  let lungRun = 0;
  let rIn = rEnd;
  const rLow = Math.max(0, rWb - c.p.maxDepthMm - c.p.wallMarginMm - LENS_MM);
  for (let r = rEnd; r >= rLow; r -= step) {
    const x = Math.round(cx + (r * ux) / sx);
    const y = Math.round(cy + (r * uy) / sy);
    if (x < 0 || y < 0 || x >= nx || y >= ny || sl[x + y * nx] !== 1) {
      lungRun = 0;
      continue;
    }
    lungRun += step;
    rIn = r + lungRun;
    if (lungRun > LENS_MM) break;
  }
  if (lungRun <= LENS_MM) rIn = Math.min(rIn, rays.rL[b]);
  return rEnd - rIn > step && rWb - rIn <= maxReach ? 1 : 0;
}

/** Scratch of nine HU values for the medians. */
const NINE = new Int16Array(9);

/**
 * Median HU of the dense (≥ −500 HU) voxels of the 3×3 neighbourhood of
 * (x, y) in the slice at `plane` (clamped at the border): the edge of a
 * fluid collection against aerated lung or the chest wall still reads as
 * fluid.
 */
function denseMedian3(hu: Int16Array, plane: number, nx: number, ny: number, x: number, y: number): number {
  let n = 0;
  if (x > 0 && y > 0 && x < nx - 1 && y < ny - 1) {
    for (let row = plane + x - 1 + (y - 1) * nx, j = 0; j < 3; j++, row += nx) {
      for (let i = row; i < row + 3; i++) n = insertDense(hu[i], n);
    }
  } else {
    for (let j = -1; j <= 1; j++) {
      const yy = y + j < 0 ? 0 : y + j >= ny ? ny - 1 : y + j;
      for (let i = -1; i <= 1; i++) {
        const xx = x + i < 0 ? 0 : x + i >= nx ? nx - 1 : x + i;
        n = insertDense(hu[plane + xx + yy * nx], n);
      }
    }
  }
  return n > 0 ? NINE[n >> 1] : -1000;
}

/** Inserts v into the sorted NINE[0 .. n) when dense (≥ −500 HU); returns the new length. */
function insertDense(v: number, n: number): number {
  if (v < -500) return n;
  const buf = NINE;
  let k = n;
  while (k > 0 && buf[k - 1] > v) {
    buf[k] = buf[k - 1];
    k--;
  }
  buf[k] = v;
  return n + 1;
}

/**
 * Whether the voxel (x, y) = q of the slice may be added: tissue (not air,
 * not bone), not in the mediastinum (between the two lungs' most medial
 * voxels), not below the lung's floor in its column (under the diaphragm),
 * not fat (3×3 median), and not effusion when effusion is excluded.
 * Returns its code: 2 taken, 3 refused as effusion (counted), 4 refused.
 */
function verdict(c: SliceCtx, x: number, y: number, q: number): number {
  if (x > c.mediaLo && x < c.mediaHi) return 4;
  const v = c.hu[c.plane + q];
  if (v < c.airHu || v > c.maxTissueHu) return 4;
  const f = c.floor;
  if (f !== null) {
    const fz = f[q];
    if (fz < 0 || (c.upZ > 0 ? c.z < fz : c.z > fz)) return 4;
  }
  let m = 0;
  let haveMedian = false;
  if (v >= FAT_LO - 50 && v <= FAT_HI + 50) {
    // Fat (retrosternal, extrapleural, mediastinal) is never lung.
    m = denseMedian3(c.hu, c.plane, c.nx, c.ny, x, y);
    haveMedian = true;
    if (m >= FAT_LO && m <= FAT_HI) return 4;
  }
  if (c.exclude && v >= c.effLo - 15 && v < c.effHi + 15) {
    if (!haveMedian) m = denseMedian3(c.hu, c.plane, c.nx, c.ny, x, y);
    if (m >= c.effLo && m < c.effHi) {
      c.effusionExcluded++;
      return 3;
    }
  }
  return 2;
}

/** Records voxel q = (x, y) as added (marked 2 by the caller). */
function addVoxel(c: SliceCtx, q: number, x: number, y: number): void {
  c.added++;
  c.addedAt[c.addedCount++] = q;
  if (x < c.boxX0) c.boxX0 = x;
  if (x > c.boxX1) c.boxX1 = x;
  if (y < c.boxY0) c.boxY0 = y;
  if (y > c.boxY1) c.boxY1 = y;
}

/** Fill the open rays (and their windows) with sub-rays; marks 2 (or 3, 4) in the slice scratch. */
function fillOpen(c: SliceCtx): void {
  const { rays, sx, sy } = c;
  const bins = rays.rL.length;
  const step = 0.7 * Math.min(sx, sy);
  const binRad = (2 * Math.PI) / bins;
  for (let b = 0; b < bins; b++) {
    if (rays.state[b] === 1 || !(rays.rW[b] > 0)) continue;
    fillBin(c, b, step, binRad);
  }
}

/** Bin b when an open ray lies within ±windowMm of arc: its sub-rays, spaced at most half a pixel apart at the wall. */
function fillBin(c: SliceCtx, b: number, step: number, binRad: number): void {
  const { rL, rW, state, open, margin } = c.rays;
  const bins = rL.length;
  const w = Math.max(1, Math.ceil(c.p.windowMm / (binRad * Math.max(rL[b], 1))));
  let any = false;
  let rStart = rL[b];
  for (let k = -w; k <= w; k++) {
    const j = (b + k + bins) % bins;
    if (open[j] === 1) any = true;
    if (state[j] !== 1 && rL[j] > 0 && rL[j] < rStart) rStart = rL[j];
  }
  if (!any) return;
  const rEnd = rW[b] - margin[b];
  if (rEnd <= rStart) return;
  const pa = (b * 4) / bins;
  const pb = ((b + 1) * 4) / bins;
  const sub = Math.max(1, Math.ceil((binRad * rEnd) / step));
  const rMin = Math.max(0, rStart - step);
  for (let s = 0; s < sub; s++) {
    // The unit direction of diamond angle d (fromDiamond, written out).
    const d = pa + ((s + 0.5) * (pb - pa)) / sub;
    let dx: number;
    let dy: number;
    if (d < 1) {
      dx = 1 - d;
      dy = d;
    } else if (d < 2) {
      dx = 1 - d;
      dy = 2 - d;
    } else if (d < 3) {
      dx = d - 3;
      dy = 2 - d;
    } else {
      dx = d - 3;
      dy = d - 4;
    }
    const len = Math.hypot(dx, dy);
    walkIn(c, dx / len, dy / len, rEnd, rMin, step);
  }
}

/**
 * One sub-ray from the rib line (rEnd) inwards to the first thick lung:
 * only what lies between the lung and the wall, never a structure the lung
 * wraps. Each voxel outside the mask met for the first time gets its
 * verdict (2 added, 3 or 4 refused).
 */
function walkIn(c: SliceCtx, ux: number, uy: number, rEnd: number, rMin: number, step: number): void {
  const { sl, nx, ny, sx, sy } = c;
  const cx = c.cx;
  const cy = c.cy;
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
      if (lungRun > LENS_MM) return;
      continue;
    }
    lungRun = 0;
    if (t !== 0) continue;
    const v = verdict(c, x, y, q);
    sl[q] = v;
    if (v === 2) addVoxel(c, q, x, y);
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

/** Code of a voxel joining the hole being grown (0 → 6, 4 → 8, 3 → 9), 0 if it cannot join. */
function holeCode(t: number): number {
  return t === 0 ? 6 : t === 4 ? 8 : t === 3 ? 9 : 0;
}

/**
 * Holes the additions close (the flank of a round lesion behind a thin lens
 * of lung): starting beside each added voxel, the 4-connected region of
 * voxels outside the mask is grown up to HOLE_MM2; a region that stays
 * smaller and never meets the image border or a region already found open
 * is a hole, and its tissue (not air, bone, fat) is added. Every voxel is
 * visited at most once per slice, except refused voxels of a hole, which a
 * later region may take in again (they keep their verdict, the effusion
 * among them counted again).
 */
function fillNewHoles(c: SliceCtx): void {
  const { sl, addedAt, nx, ny } = c;
  const cap = Math.max(4, Math.round(HOLE_MM2 / (c.sx * c.sy)));
  const n = c.addedCount;
  for (let a = 0; a < n; a++) {
    const q0 = addedAt[a];
    const x0 = q0 % nx;
    for (let d = 0; d < 4; d++) {
      const s0 = d === 0 ? (x0 > 0 ? q0 - 1 : -1) : d === 1 ? (x0 < nx - 1 ? q0 + 1 : -1) : d === 2 ? (q0 >= nx ? q0 - nx : -1) : q0 + nx < nx * ny ? q0 + nx : -1;
      if (s0 >= 0 && holeCode(sl[s0]) !== 0) growHole(c, s0, cap);
    }
  }
}

/** The region of voxels outside the mask 4-connected to s0: open (5) when larger than cap or meeting an open voxel, else a hole whose voxels get their verdict. */
function growHole(c: SliceCtx, s0: number, cap: number): void {
  const { sl, stack, region, nx } = c;
  let top = 0;
  let rc = 0;
  let isOpen = false;
  sl[s0] = holeCode(sl[s0]);
  stack[top++] = s0;
  while (top > 0 && !isOpen) {
    const q = stack[--top];
    region[rc++] = q;
    if (rc > cap) {
      isOpen = true;
      break;
    }
    // The image's outer ring is marked open (5) with the slice, so q ± 1, q ± nx stay inside.
    for (let e = 0; e < 4; e++) {
      const nq = e === 0 ? q - 1 : e === 1 ? q + 1 : e === 2 ? q - nx : q + nx;
      const t = sl[nq];
      if (t === 5) isOpen = true;
      else {
        const h = holeCode(t);
        if (h !== 0) {
          sl[nq] = h;
          stack[top++] = nq;
        }
      }
    }
  }
  if (isOpen) {
    for (let k = 0; k < rc; k++) sl[region[k]] = 5;
    for (let k = 0; k < top; k++) sl[stack[k]] = 5;
    return;
  }
  for (let k = 0; k < rc; k++) {
    const q = region[k];
    const h = sl[q];
    if (h === 8) sl[q] = 4;
    else if (h === 9) {
      sl[q] = 3;
      c.effusionExcluded++;
    } else {
      const x = q % nx;
      const y = (q - x) / nx;
      const v = verdict(c, x, y, q);
      sl[q] = v;
      if (v === 2) addVoxel(c, q, x, y);
    }
  }
}

/**
 * Keeps only the added voxels joined to the lung in the slice (4-connected
 * through added voxels): a fragment cut off by refused voxels (fat,
 * effusion) is not lung. Visits the added voxels once, and leaves the kept
 * ones first in addedAt, sorted (raster order); returns their number.
 */
function keepJoined(c: SliceCtx): number {
  const { sl, addedAt, stack, nx } = c;
  const n = c.addedCount;
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
  let kept = 0;
  for (let a = 0; a < n; a++) {
    const q = addedAt[a];
    if (sl[q] === 7) {
      sl[q] = 2;
      addedAt[kept++] = q;
    } else if (sl[q] === 2) {
      sl[q] = 4;
      c.added--;
      c.cutOff++;
    }
  }
  if (kept > 1) addedAt.subarray(0, kept).sort();
  return kept;
}

/**
 * Runs of slice z: the filled mask's runs, and in the rows y0..y1 (the
 * additions' extent) the maximal runs of the filled mask and the `kept`
 * added voxels (added[0 .. kept), sorted), merged.
 */
function emitSlice(out: RunBuilder, fill: RunSet, z: number, added: Int32Array, kept: number, y0: number, y1: number): void {
  const r0 = z * fill.ny;
  if (kept === 0) {
    copyRows(out, fill, r0, r0 + fill.ny);
    return;
  }
  copyRows(out, fill, r0, r0 + y0);
  mergeRows(out, fill, r0 + y0, r0 + y1 + 1, added, kept, fill.nx * y0);
  copyRows(out, fill, r0 + y1 + 1, r0 + fill.ny);
}

/** Rows r0 .. r1-1 of the filled mask as they are. */
function copyRows(out: RunBuilder, fill: RunSet, r0: number, r1: number): void {
  const { rowStart, x0, x1 } = fill;
  for (let r = r0; r < r1; r++) {
    for (let k = rowStart[r], ke = rowStart[r + 1]; k < ke; k++) out.push(x0[k], x1[k]);
    out.endRow(r);
  }
}

/** Rows r0 .. r1-1 (slice index of row r0 starting at `base`): the maximal runs of the filled runs and the added voxels. */
function mergeRows(out: RunBuilder, fill: RunSet, r0: number, r1: number, added: Int32Array, kept: number, base: number): void {
  const { nx, rowStart, x0, x1 } = fill;
  let a = 0;
  for (let r = r0; r < r1; r++, base += nx) {
    const rowEnd = base + nx;
    let k = rowStart[r];
    const ke = rowStart[r + 1];
    let from = 0;
    let to = -1;
    for (;;) {
      // The next interval by its start: a fill run or an added voxel.
      let s: number;
      let e: number;
      const ax = a < kept && added[a] < rowEnd ? added[a] - base : nx;
      if (k < ke && x0[k] < ax) {
        s = x0[k];
        e = x1[k];
        k++;
        if (e <= s) continue;
      } else if (ax < nx) {
        s = ax;
        e = ax + 1;
        a++;
      } else break;
      if (s <= to) {
        if (e > to) to = e;
      } else {
        if (to >= 0) out.push(from, to);
        from = s;
        to = e;
      }
    }
    if (to >= 0) out.push(from, to);
    out.endRow(r);
  }
}

/** The slice scratch: 1 on the filled runs of slice z, 0 elsewhere. */
function paintSlice(sl: Uint8Array, fill: RunSet, z: number): void {
  const { nx, ny, rowStart, x0, x1 } = fill;
  sl.fill(0);
  for (let y = 0, base = 0; y < ny; y++, base += nx) {
    const r = y + z * ny;
    for (let k = rowStart[r], ke = rowStart[r + 1]; k < ke; k++) sl.fill(1, base + x0[k], base + x1[k]);
  }
}

/** One slice with lung: the additions of both sides, their holes, what stays joined; returns the kept added voxels' number. */
function inclusiveSlice(c: SliceCtx): number {
  const { sl, nx, ny } = c;
  c.boxX0 = nx;
  c.boxX1 = -1;
  c.boxY0 = ny;
  c.boxY1 = -1;
  c.addedCount = 0;
  paintSlice(sl, c.fill, c.z);
  markRing(sl, nx, ny);
  medialBounds(c);
  for (let side = 0; side < 2; side++) {
    if (!(side === 0 ? outerLung(c, 0, c.splitX) : outerLung(c, c.splitX, nx))) continue;
    // The midline lies towards +x (index) from side 0 and towards -x from side 1.
    findWall(c, side === 0 ? 1 : -1);
    fillOpen(c);
  }
  if (c.addedCount === 0) return 0;
  fillNewHoles(c);
  return keepJoined(c);
}

/** Marks the runs of components of at least minPixels in `seed`; returns [voxels, sum of x] of all runs. */
function seedRuns(fill: RunSet, labelOfRun: Int32Array, sizes: Float64Array, minPixels: number, seed: Uint8Array): [number, number] {
  const { x0, x1 } = fill;
  let voxels = 0;
  let xSum = 0;
  for (let k = 0; k < fill.count; k++) {
    const len = x1[k] - x0[k];
    voxels += len;
    xSum += ((x0[k] + x1[k] - 1) * len) / 2;
    seed[k] = sizes[labelOfRun[k]] >= minPixels ? 1 : 0;
  }
  return [voxels, xSum];
}

/** Per column (x + y*nx): the most inferior slice whose seed runs cover it, -1 none. */
function columnFloors(fill: RunSet, seed: Uint8Array, upZ: number): Int16Array {
  const { nx, ny, nz, rowStart, x0, x1 } = fill;
  const floor = new Int16Array(nx * ny).fill(-1);
  // From the head down, each slice overwrites: what stays is the most inferior.
  for (let zi = 0; zi < nz; zi++) {
    const z = upZ > 0 ? nz - 1 - zi : zi;
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      for (let k = rowStart[r], ke = rowStart[r + 1]; k < ke; k++) {
        if (seed[k] !== 0) floor.fill(z, y * nx + x0[k], y * nx + x1[k]);
      }
    }
  }
  return floor;
}

/**
 * The inclusive lung mask from the HU volume and the filled mask's runs
 * (segmentStage's `runs.fill`), as runs on the volume's grid. Slices are the
 * volume's z planes (axial for axial series).
 */
export function inclusiveLungRuns(volume: Volume, fill: RunSet, params: InclusiveLungParams = {}, opts: InclusiveOptions = {}): InclusiveLungResult {
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
  const seed = new Uint8Array(fill.count);
  const sums = seedRuns(fill, lab.labelOfRun, lab.sizes, p.minSeedAreaMm2 / (sx * sy), seed);
  const fillVoxels = sums[0];
  const midX = fillVoxels > 0 ? sums[1] / fillVoxels : nx / 2;
  const out = new RunBuilder(fill, false, fill.count + 16);
  const addedPerSlice = new Int32Array(nz);
  const splitX = Math.round(midX);
  // Column floors: the most inferior lung voxel under each (x, y), for axial slices.
  const upDir = volume.directionXyz[2][2];
  const upZ = upDir >= 0 ? 1 : -1;
  const floor = Math.abs(upDir) > 0.5 && nz < 32768 ? columnFloors(fill, seed, upZ) : null;
  const c = new SliceCtx(volume, p, fill, seed, splitX, floor, upZ);
  for (let z = 0; z < nz; z++) {
    if ((z & 7) === 0) {
      check();
      report?.(z / nz, 'inclusive lung mask');
    }
    c.z = z;
    c.plane = z * nx * ny;
    const before = c.added;
    const kept = fill.rowStart[z * ny] !== fill.rowStart[(z + 1) * ny] ? inclusiveSlice(c) : 0;
    addedPerSlice[z] = c.added - before;
    emitSlice(out, fill, z, c.addedAt, kept, c.boxY0, c.boxY1);
  }
  report?.(1, 'inclusive lung mask');
  const notes: string[] = [
    'the mediastinal side of each lung is not grown: a lesion fused with the heart, great vessels, hilum or spine is not recovered',
    p.effusion === 'exclude'
      ? `pleural effusion is left out by HU (3×3 median in [${p.effusionHu[0]}, ${p.effusionHu[1]}) HU); consolidation of that density is left out too`
      : 'pleural effusion is counted as lung',
  ];
  if (c.effusionExcluded > 0) notes.push(`${c.effusionExcluded} voxels of effusion density between lung and ribs left out`);
  return {
    runs: out.finish(),
    voxels: { fill: fillVoxels, added: c.added, inclusive: fillVoxels + c.added, effusionExcluded: c.effusionExcluded },
    addedPerSlice,
    notes,
  };
}

// ---------------------------------------------------------------------------
// lungs cut by the field of view
// ---------------------------------------------------------------------------

export interface FovCutParams {
  /** Lung on the border over at least this area (mm², summed over slices) counts as cut. Default 5000. */
  minAreaMm2?: number;
  /** Air/lung below this HU. Default −500. */
  airHu?: number;
  /** An enclosed air run on the border must reach this deep into the image (mm). Default 20. */
  minDepthMm?: number;
  /** ... and be bounded along the border by body at least this long (mm) on both ends (not a table's shell). Default 10. */
  minWallMm?: number;
  /** ... and have a mean HU above this (lung, not the air outside the patient). Default −960. */
  maxOutsideHu?: number;
}

export interface FovCutResult {
  cut: boolean;
  /** "lungs cut by the field of view: …", or null. */
  reason: string | null;
  /** Area (mm²) of lung, or air enclosed by the body, on the image border. */
  borderAreaMm2: number;
  /** Slices where it was found. */
  slices: number;
}

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
export function lungsCutByFieldOfView(volume: Volume, fill: RunSet | null, params: FovCutParams = {}): FovCutResult {
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
  const scans = borders.map(([start, along, inward, count, lenMm, inMm]): BorderScan => ({
    start, along, inward, count, lenMm,
    depth: Math.min(Math.round(minDepth / inMm), (inward === 1 || inward === -1 ? nx : ny) - 1),
    wall: Math.ceil(minWallMm / lenMm),
    airHu, maxOutsideHu, sz,
  }));
  for (let z = 0; z < nz; z++) {
    const plane = z * nx * ny;
    let sliceArea = fill ? fillOnBorder(fill, z, sx, sy, sz) : 0;
    for (let b = 0; b < 4; b++) sliceArea = borderCut(hu, plane, scans[b], sliceArea);
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

/** Area (mm², times the slice spacing) of slice z's filled mask on the image border rows and columns. */
function fillOnBorder(fill: RunSet, z: number, sx: number, sy: number, sz: number): number {
  const { nx, ny, rowStart, x0, x1 } = fill;
  let sliceArea = 0;
  for (let t = 0; t < 2; t++) {
    const r = (t === 0 ? 0 : ny - 1) + z * ny;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) sliceArea += (x1[k] - x0[k]) * sx * sz;
  }
  for (let y = 1; y < ny - 1; y++) {
    const r = y + z * ny;
    const a = rowStart[r];
    const e = rowStart[r + 1];
    if (a < e && x0[a] === 0) sliceArea += sy * sz;
    if (a < e && x1[e - 1] === nx) sliceArea += sy * sz;
  }
  return sliceArea;
}

/** One border of a slice: where it starts, its steps along and inwards, and the thresholds. */
interface BorderScan {
  start: number;
  along: number;
  inward: number;
  count: number;
  lenMm: number;
  /** Pixels inwards that are minDepthMm, and pixels along that are minWallMm. */
  depth: number;
  wall: number;
  airHu: number;
  maxOutsideHu: number;
  sz: number;
}

/**
 * sliceArea plus the area of lung cut by one border of the slice at
 * `plane`: runs along the border of air (< airHu, vessels thinner than the
 * wall merged in) between dense stretches at least minWallMm long.
 */
function borderCut(hu: Int16Array, plane: number, s: BorderScan, sliceArea: number): number {
  const { along, inward, count, lenMm, depth, wall, airHu, maxOutsideHu, sz } = s;
  const o = plane + s.start;
  let i = 0;
  let prev = -1; // mean HU of the dense stretch before, -1: none long enough
  while (i < count) {
    if (hu[o + i * along] >= airHu) {
      const a = i;
      let sum = 0;
      while (i < count && hu[o + i * along] >= airHu) sum += hu[o + i++ * along];
      prev = i - a >= wall ? sum / (i - a) : prev;
      continue;
    }
    const a = i;
    // Extend over dense gaps shorter than the wall.
    let e = i;
    while (e < count) {
      while (e < count && hu[o + e * along] < airHu) e++;
      let g = e;
      while (g < count && g - e < wall && hu[o + g * along] >= airHu) g++;
      if (g < count && g - e < wall) e = g;
      else break;
    }
    i = e;
    const flankBefore = prev;
    prev = -1;
    if (a === 0 || e === count || flankBefore === -1) continue; // a corner, or no chest wall before
    let g = e;
    let fsum = 0;
    while (g < count && g - e < wall && hu[o + g * along] >= airHu) fsum += hu[o + g++ * along];
    if (g - e < wall) continue;
    // A chest wall on both sides (soft tissue, not an arm's bone or a table).
    if (!(flankBefore >= FLANK_HU[0] && flankBefore <= FLANK_HU[1]) || !(fsum / wall >= FLANK_HU[0] && fsum / wall <= FLANK_HU[1])) continue;
    // Lung, not air: mean HU over the run and the line minDepthMm inwards above maxOutsideHu.
    let deep = 0;
    let sum = 0;
    for (let t = a; t < e; t++) {
      const v = hu[o + t * along + depth * inward];
      if (v < airHu) deep++;
      sum += v + hu[o + t * along];
    }
    if (deep * 2 < e - a || sum / (2 * (e - a)) <= maxOutsideHu) continue;
    // The chest wall is thick: body also minDepthMm inwards of both
    // flanks (a table's or cushion's shell crosses the border thin).
    let solid = 0;
    for (let t = a - wall; t < a; t++) if (hu[o + t * along + depth * inward] >= airHu) solid++;
    for (let t = e; t < e + wall; t++) if (hu[o + t * along + depth * inward] >= airHu) solid++;
    if (solid >= wall) sliceArea += (e - a) * lenMm * sz;
  }
  return sliceArea;
}

/**
 * inclusiveLungRuns and lungsCutByFieldOfView for a stack of any
 * orientation: a sagittal or coronal stack is copied into axial index order
 * (volume/reorient.ts, 2 B/voxel, O(voxels)), its filled runs permuted
 * (permuteRuns.ts), the mask made there and its runs permuted back onto the
 * volume's own grid. An axial stack goes straight through. `addedPerSlice`
 * is per axial slice (the grid's head–feet axis).
 */
export function inclusiveLungRunsAnyOrientation(
  volume: Volume,
  fill: RunSet,
  params: InclusiveLungParams = {},
  opts: InclusiveOptions = {},
  fov: FovCutParams = {},
): InclusiveLungResult & { fieldOfView: FovCutResult } {
  const order = axialOrderOf(volume);
  if (order.identity) {
    const r = inclusiveLungRuns(volume, fill, params, opts);
    return { ...r, fieldOfView: lungsCutByFieldOfView(volume, fill, fov) };
  }
  const axial = toAxialVolume(volume, order);
  const axialFill = permuteRuns(fill, order.perm);
  const r = inclusiveLungRuns(axial, axialFill, params, opts);
  const fieldOfView = lungsCutByFieldOfView(axial, axialFill, fov);
  return { ...r, runs: permuteRuns(r.runs, order.inverse), fieldOfView };
}
