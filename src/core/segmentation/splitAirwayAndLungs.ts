/**
 * Split a lung mask (segmentLungs, filled or not) into airway (trachea and
 * main bronchi), right lung and left lung. Not in the tutorial; the steps
 * follow the usual scheme of Hu, Hoffman & Reinhardt, "Automatic lung
 * segmentation for accurate quantitation of volumetric X-ray CT images",
 * IEEE TMI 20(6), 2001 (airway first, then left/right separation), with
 * simpler, conservative rules:
 *
 *   1. Airway, slice by slice. The mask is labelled in 2D (8-connected). The
 *      trachea is found in the most superior slices as a small component
 *      (≤ maxAirwayAreaMm2) near the midline, and followed down (and up): a
 *      component of the next slice that touches the airway of the previous
 *      slice (26-neighbourhood) is airway while it stays small, both in mm²
 *      and relative to the airway it comes from (≤ maxAreaGrowth ×). Where a
 *      bronchus joins the lung in a slice its component becomes large and the
 *      branch ends there, so "airway" is the trachea plus the bronchi up to
 *      where they enter the lung in 2D (deeper for an unfilled mask, whose
 *      bronchial lumens stay separate from the parenchyma).
 *   2. Lungs = mask − airway, labelled in 3D (26-connected). Two components
 *      of at least minLungFraction of it are the lungs. If there is one,
 *      the lungs touch (anterior/posterior junction): the mask is eroded in
 *      plane (3×3 square, up to maxErosionMm) until it falls apart into two
 *      such components, which are grown back over the eroded voxels one
 *      26-neighbour layer at a time (each voxel goes to the nearer part).
 *   3. Left and right in patient terms: the two parts must lie on both sides
 *      of the mask's centroid in x; the one whose centroid has the larger
 *      LPS x (directionXyz applied) is the patient's left lung. Small
 *      leftover components go to the lung whose centroid is nearer in x.
 *
 * It gives up with { ok: false, reason } rather than guess: no tube-like
 * airway at the top of the mask while the lungs are joined, lungs still
 * joined after maxErosionMm (a long front), other than two lung-sized parts,
 * or two parts on the same side of the midline. Without a trachea but with
 * two separate lungs it succeeds with an airway of 0 and a note.
 *
 * Cost: runs and labelling O(voxels) once, then O(runs) per slice step and
 * per erosion. Growing back (only after an erosion) works in a box around
 * the lungs (one byte per voxel, seeds painted by run): the eroded voxels
 * are swept once (9 reads each), then each later layer reads only the
 * voxels still to reach or the last layer's neighbours, so it costs
 * O(eroded voxels × 26) in all rather than per layer; the sides' runs,
 * centroids and the leftovers come from the seeds' runs plus the eroded
 * voxels, never a sweep of the whole lung. Output: one byte per voxel
 * (0 none, 1 airway, 2 right lung, 3 left lung), i = x + y*nx + z*nx*ny,
 * painted by run, and/or (`withRuns`) binary runs per label (O(runs): what
 * crosses threads in the browser instead of a voxel label array). The
 * voxel buffers of the erosion path (the box, the lists of voxels to
 * reach) are freed before it returns.
 */
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type Mask, type VolumeGeometry } from '../volume/volume';
import { labelRuns, type RunLabels } from './connectedComponents';
import { freeNow } from '../memory/freeNow';
import { differenceRuns, erodeRuns2d, paintRuns, pickRuns, RunBuilder, runsFromMask, runVoxelCount, selectRuns, type RunSet } from './runs';
import { SegmentationAbortedError, superiorSliceIndex } from './segmentLungs';

export const AIRWAY_LABEL = 1;
export const RIGHT_LUNG_LABEL = 2;
export const LEFT_LUNG_LABEL = 3;

export interface AirwaySplitParams {
  /** Largest cross-section (mm², per slice) a trachea or bronchus component may have. Default 800. */
  maxAirwayAreaMm2?: number;
  /** Smallest cross-section (mm²) of the trachea where it is first found. Default 20. */
  minTracheaAreaMm2?: number;
  /** A branch may grow by at most this factor from one slice to the next. Default 4. */
  maxAreaGrowth?: number;
  /** The airway must be followed over at least this length (mm), or it is not a trachea. Default 20. */
  minAirwayLengthMm?: number;
  /** The trachea must start within this distance (mm, in x) of the mask's centroid. Default 50. */
  maxTracheaOffsetMm?: number;
  /** A lung must hold at least this fraction of the mask without airway. Default 0.1. */
  minLungFraction?: number;
  /** Largest in-plane erosion tried to separate touching lungs (mm). Default 10. */
  maxErosionMm?: number;
  onProgress?: (fraction: number, stage: string) => void;
  signal?: { aborted: boolean };
}

/** Binary runs of each label of a split, on the split's grid. */
export interface SplitLabelRuns {
  right: RunSet;
  left: RunSet;
  airway: RunSet;
}

export type AirwaySplitResult =
  | {
      ok: true;
      /** Per voxel: 0 none, 1 airway, 2 right lung, 3 left lung (empty when made with `withLabels: false`). */
      labels: Uint8Array;
      /** The same labels as binary runs per label (null unless made with `withRuns: true`). */
      runs: SplitLabelRuns | null;
      airwayMl: number;
      rightLungMl: number;
      leftLungMl: number;
      airwayVoxels: number;
      rightLungVoxels: number;
      leftLungVoxels: number;
      /** z index range of the airway [first, last] (ascending), or null when none was found. */
      airwaySlices: [number, number] | null;
      /** In-plane erosion (mm) that was needed to separate the lungs; 0 if they were apart. */
      erosionMm: number;
      notes: string[];
    }
  | { ok: false; reason: string; airwayMl: number };

function checkAbort(signal: { aborted: boolean } | undefined): void {
  if (signal?.aborted) throw new SegmentationAbortedError('airway / lung split aborted');
}

interface Moments {
  n: Float64Array;
  sx: Float64Array;
  sy: Float64Array;
  sz: Float64Array;
}

/** Voxel count and sums of x, y, z per label. */
function moments(runs: RunSet, labels: RunLabels): Moments {
  const c = labels.componentCount + 1;
  const m: Moments = { n: new Float64Array(c), sx: new Float64Array(c), sy: new Float64Array(c), sz: new Float64Array(c) };
  const { ny, nz, rowStart, x0, x1 } = runs;
  const lab = labels.labelOfRun;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        const l = lab[k];
        const len = x1[k] - x0[k];
        m.n[l] += len;
        m.sx[l] += ((x0[k] + x1[k] - 1) * len) / 2;
        m.sy[l] += y * len;
        m.sz[l] += z * len;
      }
    }
  }
  return m;
}

/**
 * Airway labels (of the 2D labelling) of slice z that touch airway runs of
 * slice zp, with the summed area (voxels) of the distinct airway components
 * they touch. 26-neighbourhood: rows y-1..y+1, x overlapping or diagonal.
 */
function touchingComponents(
  runs: RunSet,
  lab: Int32Array,
  isAirway: Uint8Array,
  sizes: Float64Array,
  zp: number,
  z: number,
): Map<number, number> {
  const { ny, rowStart, x0, x1 } = runs;
  const pairs = new Set<number>();
  const parentArea = new Map<number, number>();
  const stride = lab.length + 1;
  for (let y = 0; y < ny; y++) {
    const rp = y + zp * ny;
    for (let k = rowStart[rp]; k < rowStart[rp + 1]; k++) {
      const la = lab[k];
      if (isAirway[la] === 0) continue;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(ny - 1, y + 1); yy++) {
        const r = yy + z * ny;
        for (let j = rowStart[r]; j < rowStart[r + 1]; j++) {
          if (x0[j] > x1[k]) break;
          if (x1[j] < x0[k]) continue;
          const l = lab[j];
          const key = l * stride + la;
          if (pairs.has(key)) continue;
          pairs.add(key);
          parentArea.set(l, (parentArea.get(l) ?? 0) + sizes[la]);
        }
      }
    }
  }
  return parentArea;
}

export function splitAirwayAndLungs(mask: Mask, params: AirwaySplitParams = {}): AirwaySplitResult {
  return splitAirwayAndLungsOfRuns(runsFromMask(mask.data, mask), geometryOf(mask), params);
}

/** The parameters with their defaults filled in. */
interface SplitSettings {
  withLabels: boolean;
  withRuns: boolean;
  maxAreaMm2: number;
  minTracheaMm2: number;
  maxGrowth: number;
  minLengthMm: number;
  maxOffsetMm: number;
  minLungFraction: number;
  maxErosionMm: number;
}

/** What every step of one split reads: the mask's runs and grid, the settings, the cancel flag and the notes so far. */
interface SplitContext {
  runs: RunSet;
  mask: VolumeGeometry;
  settings: SplitSettings;
  signal: { aborted: boolean } | undefined;
  notes: string[];
  /** Mean x (voxels) of the whole mask: the midline. */
  midX: number;
  voxelMl: number;
}

/** The airway found in step 1: the trachea's 2D label (0 when none), the slice range (-1 when none), the run selections and the voxel count. */
interface AirwayPart {
  trachea: number;
  airwayFirst: number;
  airwayLast: number;
  airwaySel: Uint8Array;
  lungSel: Uint8Array;
  airwayVoxels: number;
  airwayMl: number;
  /** The airway's runs (withRuns only). */
  airwayRuns?: RunSet;
}

/** What a split hands back besides its numbers: labels per voxel (default) and/or runs per label. */
export type SplitOutputParams = AirwaySplitParams & { withLabels?: boolean; withRuns?: boolean };

/** The parameters with their defaults filled in. */
function settingsOf(params: SplitOutputParams): SplitSettings {
  return {
    withLabels: params.withLabels ?? true,
    withRuns: params.withRuns ?? false,
    maxAreaMm2: params.maxAirwayAreaMm2 ?? 800,
    minTracheaMm2: params.minTracheaAreaMm2 ?? 20,
    maxGrowth: params.maxAreaGrowth ?? 4,
    minLengthMm: params.minAirwayLengthMm ?? 20,
    maxOffsetMm: params.maxTracheaOffsetMm ?? 50,
    minLungFraction: params.minLungFraction ?? 0.1,
    maxErosionMm: params.maxErosionMm ?? 10,
  };
}

/**
 * The same split from the mask's row runs (runs.ts) on grid `mask` (a
 * geometry; axial index order, as splitAirwayAndLungs wants its mask), so
 * no voxel copy of the mask is made. With `withLabels: false` no label
 * array is made either (`labels` is then empty): the volumes only, for a
 * caller that wants the numbers (the analysis worker); with `withRuns` the
 * labels come as runs per label (SplitLabelRuns). Memory then: O(runs)
 * plus, only when touching lungs have to be eroded apart, one byte per
 * voxel of the lungs' bounding box and 4 bytes per eroded voxel (8 more per
 * voxel the first layer of growing back does not reach).
 */
export function splitAirwayAndLungsOfRuns(
  runs: RunSet,
  mask: VolumeGeometry,
  params: SplitOutputParams = {},
): AirwaySplitResult {
  if (runs.nx !== mask.nx || runs.ny !== mask.ny || runs.nz !== mask.nz) throw new RangeError('runs and geometry are on different grids');
  const settings = settingsOf(params);
  const { signal } = params;
  const report = params.onProgress ?? (() => {});
  const { nx, ny, nz } = mask;

  checkAbort(signal);
  report(0, 'airway');
  const l2 = labelRuns(runs, 8);
  const m2 = moments(runs, l2);
  let totalN = 0;
  let totalX = 0;
  for (let l = 1; l <= l2.componentCount; l++) {
    totalN += m2.n[l];
    totalX += m2.sx[l];
  }
  if (totalN === 0) return { ok: false, reason: 'the mask is empty', airwayMl: 0 };
  const ctx: SplitContext = { runs, mask, settings, signal, notes: [], midX: totalX / totalN, voxelMl: voxelVolumeMm3(mask) / 1000 };

  // 1. Airway, slice by slice.
  const airway = findAirway(ctx, l2, m2);
  checkAbort(signal);

  // 2. Lungs: 3D components of the rest.
  report(0.3, 'left / right lungs');
  const lungRuns = selectRuns(runs, airway.lungSel);
  const lungLabels = labelRuns(lungRuns, 26);
  const lm = moments(lungRuns, lungLabels);
  let lungTotal = 0;
  for (let l = 1; l <= lungLabels.componentCount; l++) lungTotal += lm.n[l];
  if (lungTotal === 0) return { ok: false, reason: 'nothing is left of the mask without the airway', airwayMl: airway.airwayMl };

  const big = bigComponents(lm.n, lungLabels.componentCount, lungTotal, settings.minLungFraction);
  // Output only (nothing below reads it): not made when the caller wants just the volumes.
  const labels = new Uint8Array(settings.withLabels ? nx * ny * nz : 0);
  if (settings.withLabels) paintRuns(runs, labels, AIRWAY_LABEL, airway.airwaySel);
  if (settings.withRuns) airway.airwayRuns = pickRuns(runs, airway.airwaySel);

  if (big.length === 1) {
    const result = splitTouchingLungs(ctx, airway, lungRuns, labels);
    if (result.ok) report(1, 'done');
    return result;
  }
  if (big.length !== 2) {
    return {
      ok: false,
      reason: big.length === 0 ? 'no lung-sized part in the mask' : `${big.length} lung-sized parts after removing the airway, expected 2`,
      airwayMl: airway.airwayMl,
    };
  }
  const result = assignSeparateLungs(ctx, airway, lungRuns, lungLabels, lm, big, labels);
  if (result.ok) report(1, 'done');
  return result;
}

/** Components (labels 1..count) holding at least `fraction` of `total` voxels. */
function bigComponents(sizes: Float64Array, count: number, total: number, fraction: number): number[] {
  const out: number[] = [];
  for (let l = 1; l <= count; l++) if (sizes[l] >= fraction * total) out.push(l);
  return out;
}

/** Step 1: trachea found at the top, followed down and up, dropped when too short; the airway and lung run selections. */
function findAirway(ctx: SplitContext, l2: RunLabels, m2: Moments): AirwayPart {
  const { runs, settings, notes } = ctx;
  const sz = ctx.mask.spacingMmXyz[2];
  const lab2 = l2.labelOfRun;
  const isAirway = new Uint8Array(l2.componentCount + 1);
  const zTop = superiorSliceIndex(ctx.mask);
  const down = zTop === 0 ? 1 : -1;
  const { zStart, trachea: found } = findTrachea(ctx, lab2, m2, zTop, down);
  let trachea = found;
  let airwayFirst = -1;
  let airwayLast = -1;
  if (trachea > 0) {
    isAirway[trachea] = 1;
    const followed = followAirway(ctx, lab2, m2, isAirway, zStart, down);
    airwayFirst = followed.first;
    airwayLast = followed.last;
    if (followed.sliceCount * sz < settings.minLengthMm) {
      notes.push(
        `a small component near the midline at slice ${zStart} could be followed over only ${(followed.sliceCount * sz).toFixed(1)} mm (< ${settings.minLengthMm} mm): not taken as a trachea`,
      );
      isAirway.fill(0);
      trachea = 0;
      airwayFirst = airwayLast = -1;
    }
  }
  if (trachea === 0) notes.push('no trachea found at the top of the mask; airway volume is 0');

  const airwaySel = new Uint8Array(runs.count);
  const lungSel = new Uint8Array(runs.count);
  let airwayVoxels = 0;
  for (let k = 0; k < runs.count; k++) {
    const a = isAirway[lab2[k]];
    airwaySel[k] = a;
    lungSel[k] = 1 - a;
    if (a) airwayVoxels += runs.x1[k] - runs.x0[k];
  }
  return { trachea, airwayFirst, airwayLast, airwaySel, lungSel, airwayVoxels, airwayMl: airwayVoxels * ctx.voxelMl };
}

/** Step 1a: the first slice from the top holding a small component near the midline ({ zStart: -1, trachea: 0 } if none). */
function findTrachea(ctx: SplitContext, lab2: Int32Array, m2: Moments, zTop: number, down: number): { zStart: number; trachea: number } {
  const { runs, settings, midX } = ctx;
  const { ny, nz } = ctx.mask;
  const [sx, sy] = ctx.mask.spacingMmXyz;
  const pixelMm2 = sx * sy;
  for (let z = zTop; z >= 0 && z < nz; z += down) {
    const a = runs.rowStart[z * ny];
    const e = runs.rowStart[(z + 1) * ny];
    if (a === e) continue;
    const lo = lab2[a];
    let hi = lab2[a];
    for (let k = a; k < e; k++) if (lab2[k] > hi) hi = lab2[k];
    let best = 0;
    for (let l = lo; l <= hi; l++) {
      const area = m2.n[l] * pixelMm2;
      const offMm = Math.abs(m2.sx[l] / m2.n[l] - midX) * sx;
      if (area >= settings.minTracheaMm2 && area <= settings.maxAreaMm2 && offMm <= settings.maxOffsetMm && (best === 0 || m2.n[l] > m2.n[best])) best = l;
    }
    if (best > 0) return { zStart: z, trachea: best };
    // The first slice with lung-sized parts and no trachea: stop looking.
    let large = false;
    for (let l = lo; l <= hi; l++) if (m2.n[l] * pixelMm2 > settings.maxAreaMm2) large = true;
    if (large) break;
  }
  return { zStart: -1, trachea: 0 };
}

/** Step 1b: follow the trachea down (away from the top), then up, marking `isAirway`; the slice range and count it covers. */
function followAirway(
  ctx: SplitContext,
  lab2: Int32Array,
  m2: Moments,
  isAirway: Uint8Array,
  zStart: number,
  down: number,
): { first: number; last: number; sliceCount: number } {
  const { runs, settings, signal } = ctx;
  const { nz } = ctx.mask;
  const [sx, sy] = ctx.mask.spacingMmXyz;
  const pixelMm2 = sx * sy;
  let first = zStart;
  let last = zStart;
  let sliceCount = 1;
  for (const dir of [down, -down]) {
    let zp = zStart;
    for (let z = zStart + dir; z >= 0 && z < nz; z += dir) {
      const touching = touchingComponents(runs, lab2, isAirway, m2.n, zp, z);
      let any = false;
      for (const [l, parentN] of touching) {
        if (m2.n[l] * pixelMm2 <= settings.maxAreaMm2 && m2.n[l] <= settings.maxGrowth * parentN) {
          isAirway[l] = 1;
          any = true;
        }
      }
      if (!any) break;
      sliceCount++;
      first = Math.min(first, z);
      last = Math.max(last, z);
      zp = z;
      if ((z & 7) === 0) checkAbort(signal);
    }
  }
  return { first, last, sliceCount };
}

/** Step 2 for touching lungs: erode in plane until two lung-sized parts appear (null if they never do). */
function erodeApart(ctx: SplitContext, lungRuns: RunSet): { runs: RunSet; labels: RunLabels; big: number[]; erosionMm: number } | null {
  const { settings, signal } = ctx;
  const [sx, sy] = ctx.mask.spacingMmXyz;
  const maxSteps = Math.max(1, Math.round(settings.maxErosionMm / Math.min(sx, sy)));
  let eroded = lungRuns;
  for (let step = 1; step <= maxSteps; step++) {
    checkAbort(signal);
    eroded = erodeRuns2d(eroded);
    if (eroded.count === 0) break;
    const el = labelRuns(eroded, 26);
    let eTotal = 0;
    for (let l = 1; l <= el.componentCount; l++) eTotal += el.sizes[l];
    const eBig = bigComponents(el.sizes, el.componentCount, eTotal, settings.minLungFraction);
    if (eBig.length === 2) return { runs: eroded, labels: el, big: eBig, erosionMm: step * Math.min(sx, sy) };
    if (eBig.length > 2) break;
  }
  return null;
}

/** Steps 2–3 for touching lungs: erode apart, grow the two parts back, name left and right, give leftovers to the nearer lung. */
function splitTouchingLungs(ctx: SplitContext, airway: AirwayPart, lungRuns: RunSet, labels: Uint8Array): AirwaySplitResult {
  const { mask, settings, signal, notes, midX } = ctx;
  const { airwayMl } = airway;
  const split = erodeApart(ctx, lungRuns);
  if (split === null) {
    return {
      ok: false,
      reason:
        airway.trachea === 0
          ? 'no trachea found at the top of the mask, and the lungs stay one piece'
          : `the lungs stay one piece after removing the airway and eroding ${settings.maxErosionMm} mm in plane: they touch along a long front`,
      airwayMl,
    };
  }
  const { erosionMm } = split;
  // Seeds: the two eroded parts (SIDE_A, SIDE_B); grow them back over the rest of the lung mask.
  const parts = seedParts(split.runs, split.labels.labelOfRun, split.big, lungRuns);
  const box = boxAround(lungRuns);
  growBack(box, parts, signal);
  // Each side's runs and moments, and the lung voxels neither reached (restRuns).
  const { sides, restRuns, sm } = runsOfSides(box, parts);
  const n = [sm.n[0], sm.n[1]];
  const cx = sm.sx;
  if (n[0] === 0 || n[1] === 0 || (cx[0] / n[0] - midX) * (cx[1] / n[1] - midX) >= 0) {
    freeNow(box.data);
    return { ok: false, reason: 'the two parts found by erosion are not on both sides of the midline', airwayMl };
  }
  const cen = [0, 1].map((s) => voxelToPatientMm(mask, sm.sx[s] / sm.n[s], sm.sy[s] / sm.n[s], sm.sz[s] / sm.n[s]));
  const leftSide = cen[0][0] > cen[1][0] ? 0 : 1;
  const codeOfSide = [0, 0];
  codeOfSide[leftSide] = LEFT_LUNG_LABEL;
  codeOfSide[1 - leftSide] = RIGHT_LUNG_LABEL;
  // Parts the search did not reach (26- but not 6-connected): nearer lung in x.
  const rest = labelRuns(restRuns, 26);
  const rm = moments(restRuns, rest);
  const restSide = new Uint8Array(rest.componentCount + 1);
  for (let l = 1; l <= rest.componentCount; l++) {
    const c = voxelToPatientMm(mask, rm.sx[l] / rm.n[l], rm.sy[l] / rm.n[l], rm.sz[l] / rm.n[l]);
    const s = Math.abs(c[0] - cen[0][0]) <= Math.abs(c[0] - cen[1][0]) ? 0 : 1;
    restSide[l] = s === 0 ? SIDE_A : SIDE_B;
    n[s] += rm.n[l];
  }
  let lungRunsOut = sides;
  if (rest.componentCount > 0 && (settings.withRuns || settings.withLabels)) {
    // The leftovers join their lung in the box, and the sides' runs are made again.
    const restLab = rest.labelOfRun;
    const restVal = new Uint8Array(restRuns.count);
    for (let k = 0; k < restRuns.count; k++) restVal[k] = restSide[restLab[k]];
    paintBox(box, restRuns, restVal);
    lungRunsOut = runsOfSides(box, parts).sides;
  }
  if (settings.withLabels) for (let s = 0; s < 2; s++) paintRuns(lungRunsOut[s], labels, codeOfSide[s]);
  freeNow(box.data);
  if (rest.componentCount > 0) notes.push(`${rest.componentCount} small piece(s) of lung not connected to either lung were counted with the nearer lung (left or right)`);
  notes.push(`the two lungs touched and were separated by shrinking the lung outline by ${erosionMm.toFixed(1)} mm on each slice and growing it back`);
  const sideRuns = settings.withRuns ? { right: lungRunsOut[1 - leftSide], left: lungRunsOut[leftSide] } : null;
  return finish(labels, airway, n[1 - leftSide], n[leftSide], ctx.voxelMl, erosionMm, notes, sideRuns);
}

/**
 * The lung mask of the erosion path cut in two: the seeds (the runs of the
 * two lung-sized eroded parts, `seedSide` SIDE_A or SIDE_B per run) and the voxels
 * still to reach (lung mask − seeds, as runs, with their voxel count).
 */
interface SeedParts {
  seeds: RunSet;
  seedSide: Uint8Array;
  rest: RunSet;
  restVoxels: number;
}

/** The seeds (eroded runs of component big[0] → SIDE_A, big[1] → SIDE_B) and the lung voxels they leave, of `lungRuns`. */
function seedParts(eroded: RunSet, labelOfRun: Int32Array, big: number[], lungRuns: RunSet): SeedParts {
  const sel = new Uint8Array(eroded.count);
  let picked = 0;
  for (let k = 0; k < eroded.count; k++) {
    const l = labelOfRun[k];
    sel[k] = l === big[0] ? SIDE_A : l === big[1] ? SIDE_B : 0;
    if (sel[k] !== 0) picked++;
  }
  const seeds = pickRuns(eroded, sel);
  const seedSide = new Uint8Array(picked);
  for (let k = 0, c = 0; k < eroded.count; k++) if (sel[k] !== 0) seedSide[c++] = sel[k];
  const rest = differenceRuns(lungRuns, seeds);
  return { seeds, seedSide, rest, restVoxels: runVoxelCount(rest) };
}

/** Step 3 for two separate lungs: left = larger LPS x of the centroid, small parts to the nearer lung in x. */
function assignSeparateLungs(
  ctx: SplitContext,
  airway: AirwayPart,
  lungRuns: RunSet,
  lungLabels: RunLabels,
  lm: Moments,
  big: number[],
  labels: Uint8Array,
): AirwaySplitResult {
  const { mask, notes, midX } = ctx;
  if ((lm.sx[big[0]] / lm.n[big[0]] - midX) * (lm.sx[big[1]] / lm.n[big[1]] - midX) >= 0) {
    return { ok: false, reason: 'the two lung-sized parts are not on both sides of the midline', airwayMl: airway.airwayMl };
  }
  const cen = big.map((l) => voxelToPatientMm(mask, lm.sx[l] / lm.n[l], lm.sy[l] / lm.n[l], lm.sz[l] / lm.n[l]));
  const leftBig = cen[0][0] > cen[1][0] ? 0 : 1;
  const code = new Uint8Array(lungLabels.componentCount + 1);
  code[big[leftBig]] = LEFT_LUNG_LABEL;
  code[big[1 - leftBig]] = RIGHT_LUNG_LABEL;
  let leftN = lm.n[big[leftBig]];
  let rightN = lm.n[big[1 - leftBig]];
  let small = 0;
  for (let l = 1; l <= lungLabels.componentCount; l++) {
    if (code[l] !== 0) continue;
    small++;
    const c = voxelToPatientMm(mask, lm.sx[l] / lm.n[l], lm.sy[l] / lm.n[l], lm.sz[l] / lm.n[l]);
    if (Math.abs(c[0] - cen[leftBig][0]) <= Math.abs(c[0] - cen[1 - leftBig][0])) {
      code[l] = LEFT_LUNG_LABEL;
      leftN += lm.n[l];
    } else {
      code[l] = RIGHT_LUNG_LABEL;
      rightN += lm.n[l];
    }
  }
  if (small > 0) notes.push(`${small} small piece(s) of lung apart from the two lungs were counted with the nearer lung (left or right)`);
  if (ctx.settings.withLabels) paintLabelCodes(lungRuns, lungLabels, code, labels);
  const sideRuns = ctx.settings.withRuns ? runsOfLungs(lungRuns, lungLabels, code) : null;
  return finish(labels, airway, rightN, leftN, ctx.voxelMl, 0, notes, sideRuns);
}

/**
 * The runs of `runs` whose component's code is RIGHT_LUNG_LABEL and those
 * whose code is LEFT_LUNG_LABEL, copied as they are (as pickRuns: counted
 * first, then both filled in one sweep).
 */
function runsOfLungs(runs: RunSet, labels: RunLabels, code: Uint8Array): { right: RunSet; left: RunSet } {
  const lab = labels.labelOfRun;
  let nRight = 0;
  let nLeft = 0;
  for (let k = 0; k < runs.count; k++) {
    const c = code[lab[k]];
    if (c === RIGHT_LUNG_LABEL) nRight++;
    else if (c === LEFT_LUNG_LABEL) nLeft++;
  }
  const right = new RunBuilder(runs, false, nRight);
  const left = new RunBuilder(runs, false, nLeft);
  const { rowStart, x0, x1 } = runs;
  let i = 0;
  let j = 0;
  for (let r = 0; r < runs.ny * runs.nz; r++) {
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const c = code[lab[k]];
      if (c === RIGHT_LUNG_LABEL) {
        right.x0[i] = x0[k];
        right.x1[i++] = x1[k];
      } else if (c === LEFT_LUNG_LABEL) {
        left.x0[j] = x0[k];
        left.x1[j++] = x1[k];
      }
    }
    right.rowStart[r + 1] = i;
    left.rowStart[r + 1] = j;
  }
  right.count = i;
  left.count = j;
  return { right: right.finish(), left: left.finish() };
}

/** The success result from the labels and the voxel counts. */
function finish(
  labels: Uint8Array,
  airway: AirwayPart,
  rightN: number,
  leftN: number,
  voxelMl: number,
  erosionMm: number,
  notes: string[],
  sides: { right: RunSet; left: RunSet } | null,
): AirwaySplitResult {
  return {
    ok: true,
    labels,
    runs: sides && airway.airwayRuns ? { ...sides, airway: airway.airwayRuns } : null,
    airwayMl: airway.airwayVoxels * voxelMl,
    rightLungMl: rightN * voxelMl,
    leftLungMl: leftN * voxelMl,
    airwayVoxels: airway.airwayVoxels,
    rightLungVoxels: rightN,
    leftLungVoxels: leftN,
    airwaySlices: airway.airwayFirst < 0 ? null : [airway.airwayFirst, airway.airwayLast],
    erosionMm,
    notes,
  };
}

/** Paint each run of `runs` with the code of its label (0 = leave). */
function paintLabelCodes(runs: RunSet, labels: RunLabels, code: Uint8Array, out: Uint8Array): void {
  const { nx, ny, nz, rowStart, x0, x1 } = runs;
  const lab = labels.labelOfRun;
  for (let r = 0; r < ny * nz; r++) {
    const base = r * nx;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const c = code[lab[k]];
      if (c !== 0) out.fill(c, base + x0[k], base + x1[k]);
    }
  }
}

/**
 * One byte per voxel over a box around a run set, with a margin of one
 * empty voxel on every side (so every voxel of the set has its 26
 * neighbours in the box, none outside the grid). Voxel (x, y, z) of the
 * grid is data[rowBase(box, y, z) + x].
 */
interface VoxelBox {
  /** Grid coordinates of the box's first voxel (the margin's corner). */
  ox: number;
  oy: number;
  oz: number;
  /** Box size in voxels. */
  wx: number;
  wy: number;
  wz: number;
  data: Uint8Array;
}

/** An empty box around the voxels of `runs` (not empty), with a one-voxel margin. */
function boxAround(runs: RunSet): VoxelBox {
  const { ny, nz, rowStart, x0, x1 } = runs;
  let xLo = runs.nx;
  let xHi = 0;
  let yLo = ny;
  let yHi = -1;
  let zLo = nz;
  let zHi = -1;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      const a = rowStart[r];
      const e = rowStart[r + 1];
      if (a === e) continue;
      if (x0[a] < xLo) xLo = x0[a];
      if (x1[e - 1] > xHi) xHi = x1[e - 1];
      if (y < yLo) yLo = y;
      if (y > yHi) yHi = y;
      if (z < zLo) zLo = z;
      zHi = z;
    }
  }
  const wx = xHi - xLo + 2;
  const wy = yHi - yLo + 3;
  const wz = zHi - zLo + 3;
  return { ox: xLo - 1, oy: yLo - 1, oz: zLo - 1, wx, wy, wz, data: new Uint8Array(wx * wy * wz) };
}

/** Index in box.data of voxel (0, y, z) of the grid (may be negative; add x). */
function rowBase(box: VoxelBox, y: number, z: number): number {
  return (y - box.oy) * box.wx + (z - box.oz) * box.wx * box.wy - box.ox;
}

/** Paint run k of `runs` (inside the box) with value[k]. */
function paintBox(box: VoxelBox, runs: RunSet, value: Uint8Array): void {
  const { ny, nz, rowStart, x0, x1 } = runs;
  const data = box.data;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      if (rowStart[r] === rowStart[r + 1]) continue;
      const base = rowBase(box, y, z);
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) data.fill(value[k], base + x0[k], base + x1[k]);
    }
  }
}

/**
 * Box values: the two growing parts (SIDE_A, SIDE_B: a sum of 27 of them
 * keeps the count of each, SIDE_A's below 64), a lung voxel not reached
 * yet and one queued in the current layer (neither counts: v & SIDE_BITS
 * is 0 for them).
 */
const SIDE_A = 1;
const SIDE_B = 64;
const SIDE_BITS = SIDE_A | SIDE_B;
const UNREACHED = 128;
const QUEUED = 130;

/**
 * A voxel i whose neighbours sum to s > 0 goes to the side with more of
 * them, SIDE_A on a tie; layer lists hold i for SIDE_A and ~i (negative)
 * for SIDE_B.
 */
function entryOfSum(i: number, s: number): number {
  return s >> 6 > (s & 63) ? ~i : i;
}

/** Gives the voxels of layer list list[0..m) their side. */
function applyLayer(data: Uint8Array, list: Int32Array, m: number): void {
  for (let t = 0; t < m; t++) {
    const v = list[t];
    if (v >= 0) data[v] = SIDE_A;
    else data[~v] = SIDE_B;
  }
}

/**
 * Grow the two seeds (box values SIDE_A, SIDE_B) back over the other lung
 * voxels (parts.rest), one 26-neighbour layer per round (simultaneous
 * growth, so each voxel goes to the nearer seed; a voxel reached by both in
 * the same round takes the one with more neighbours, SIDE_A on a tie). The
 * first layer is found by sweeping the voxels to reach along their runs
 * with a window of 3 column sums (9 reads per voxel). The next layers are
 * found by testing the voxels still to reach (a list), while they are
 * fewer than the last layer's, then by looking only at the neighbours of
 * the voxels the last layer reached (a frontier: a voxel not reached in a
 * round had no reached neighbour, so it can only be reached next to a
 * voxel reached in that round). Voxels not connected to either seed stay
 * UNREACHED.
 */
function growBack(box: VoxelBox, parts: SeedParts, signal: { aborted: boolean } | undefined): void {
  const { data, wx, wy } = box;
  paintBox(box, parts.seeds, parts.seedSide);
  const plane = wx * wy;
  const off = new Int32Array(26);
  for (let dz = -1, d = 0; dz <= 1; dz++) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dx !== 0 || dy !== 0 || dz !== 0) off[d++] = dx + dy * wx + dz * plane;
  }
  // The first layer at the front of `order`, the voxels it leaves (marked UNREACHED) after it.
  const size = parts.restVoxels;
  const order = new Int32Array(size);
  let m = firstLayer(box, parts.rest, order);
  let l = size - m;
  const left = order.subarray(m);
  for (let t = 0; t < l; t++) data[left[t]] = UNREACHED;
  // Later layers are no longer than what the first one left.
  let front = order;
  let next = new Int32Array(l);
  const spare = new Int32Array(l);
  // The voxels still to reach while that list is shorter than the last layer (at first, after the first layer), then the frontier.
  let listed = true;
  while (m > 0) {
    if (signal?.aborted) throw new SegmentationAbortedError('airway / lung split aborted');
    applyLayer(data, front, m);
    let c = 0;
    listed &&= l <= m;
    if (listed) {
      let keep = 0;
      for (let t = 0; t < l; t++) {
        const i = left[t];
        const s = neighbourSum(data, off, i);
        if (s !== 0) next[c++] = entryOfSum(i, s);
        else left[keep++] = i;
      }
      l = keep;
    } else {
      c = queueNeighbours(data, off, front, m, next);
      for (let t = 0; t < c; t++) next[t] = entryOfSum(next[t], neighbourSum(data, off, next[t]));
    }
    const done = front;
    front = next;
    next = done === order ? spare : done;
    m = c;
  }
  freeNow(order);
  freeNow(front);
  freeNow(next);
  freeNow(spare);
}

/**
 * Voxels to reach with a seed among their 26 neighbours into the front of
 * `order` (entryOfSum), the others into its back; returns how many were
 * reached. The box holds nothing but SIDE_A, SIDE_B and 0 meanwhile.
 */
function firstLayer(box: VoxelBox, rest: RunSet, order: Int32Array): number {
  const { ny, nz, rowStart, x0, x1 } = rest;
  const { data, wx } = box;
  const plane = wx * box.wy;
  let m = 0;
  let back = order.length;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      if (rowStart[r] === rowStart[r + 1]) continue;
      const base = rowBase(box, y, z);
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        // Sums of the 3×3 (y, z) columns at x - 1, x, x + 1, slid along the run.
        let i = base + x0[k];
        const e = base + x1[k];
        let a = columnSum(data, i - 1, wx, plane);
        let b = columnSum(data, i, wx, plane);
        for (; i < e; i++) {
          const c = columnSum(data, i + 1, wx, plane);
          const s = a + b + c;
          if (s !== 0) order[m++] = entryOfSum(i, s);
          else order[--back] = i;
          a = b;
          b = c;
        }
      }
    }
  }
  return m;
}

/** Sum of the 3×3 voxels around i in its (y, z) plane (i included), in a box of 0, SIDE_A and SIDE_B only. */
function columnSum(data: Uint8Array, i: number, wx: number, plane: number): number {
  return (
    data[i - plane - wx] + data[i - plane] + data[i - plane + wx] +
    data[i - wx] + data[i] + data[i + wx] +
    data[i + plane - wx] + data[i + plane] + data[i + plane + wx]
  );
}

/** Sum of the 26 neighbours of i, sides only (v & SIDE_BITS). */
function neighbourSum(data: Uint8Array, off: Int32Array, i: number): number {
  let s = 0;
  for (let d = 0; d < 26; d++) s += data[i + off[d]] & SIDE_BITS;
  return s;
}

/** The UNREACHED neighbours of the voxels of layer list front[0..m), each once (marked QUEUED), into out; returns how many. */
function queueNeighbours(data: Uint8Array, off: Int32Array, front: Int32Array, m: number, out: Int32Array): number {
  let c = 0;
  for (let t = 0; t < m; t++) {
    const v = front[t];
    const i = v >= 0 ? v : ~v;
    for (let d = 0; d < 26; d++) {
      const j = i + off[d];
      if (data[j] === UNREACHED) {
        data[j] = QUEUED;
        out[c++] = j;
      }
    }
  }
  return c;
}

/**
 * Binary runs of SIDE_A and SIDE_B (the split's sides 1 and 2) with their
 * voxel counts and coordinate sums (sm, index 0 and 1), and the runs of
 * the lung voxels neither reached (box value UNREACHED): per row the seed
 * runs and the voxels that were to reach (read from the box) taken as
 * pieces in x order, touching pieces of one side joined into one run.
 */
function runsOfSides(box: VoxelBox, parts: SeedParts): { sides: [RunSet, RunSet]; restRuns: RunSet; sm: Moments } {
  const { seeds, seedSide, rest } = parts;
  const { ny, nz } = rest;
  const data = box.data;
  const cap = seeds.count + rest.count + 16;
  const one = new RunBuilder(rest, false, cap);
  const two = new RunBuilder(rest, false, cap);
  const none = new RunBuilder(rest, false, 16);
  const sm: Moments = { n: new Float64Array(2), sx: new Float64Array(2), sy: new Float64Array(2), sz: new Float64Array(2) };
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      let i = seeds.rowStart[r];
      const ei = seeds.rowStart[r + 1];
      let j = rest.rowStart[r];
      const ej = rest.rowStart[r + 1];
      if (i === ei && j === ej) {
        one.endRow(r);
        two.endRow(r);
        none.endRow(r);
        continue;
      }
      const base = rowBase(box, y, z);
      // [x, e): what is left of the rest run being read (empty between rest runs).
      let x = 0;
      let e = 0;
      // End of the last run of the row in each output (-1: none yet).
      let endA = -1;
      let endB = -1;
      let endU = -1;
      let nA = 0;
      let nB = 0;
      for (;;) {
        let v: number;
        let a: number;
        let b: number;
        if (x < e) {
          a = x;
          v = data[base + x];
          do x++;
          while (x < e && data[base + x] === v);
          b = x;
        } else if (i < ei && (j === ej || seeds.x0[i] < rest.x0[j])) {
          v = seedSide[i];
          a = seeds.x0[i];
          b = seeds.x1[i++];
        } else if (j < ej) {
          x = rest.x0[j];
          e = rest.x1[j++];
          continue;
        } else {
          break;
        }
        // The piece [a, b) of value v.
        const len = b - a;
        if (v === SIDE_A) {
          if (a === endA) one.x1[one.count - 1] = b;
          else one.push(a, b);
          endA = b;
          nA += len;
          sm.sx[0] += ((a + b - 1) * len) / 2;
        } else if (v === SIDE_B) {
          if (a === endB) two.x1[two.count - 1] = b;
          else two.push(a, b);
          endB = b;
          nB += len;
          sm.sx[1] += ((a + b - 1) * len) / 2;
        } else {
          if (a === endU) none.x1[none.count - 1] = b;
          else none.push(a, b);
          endU = b;
        }
      }
      sm.n[0] += nA;
      sm.sy[0] += y * nA;
      sm.sz[0] += z * nA;
      sm.n[1] += nB;
      sm.sy[1] += y * nB;
      sm.sz[1] += z * nB;
      one.endRow(r);
      two.endRow(r);
      none.endRow(r);
    }
  }
  return { sides: [one.finish(), two.finish()], restRuns: none.finish(), sm };
}
