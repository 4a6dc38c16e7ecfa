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
 * per erosion; growing back (only after an erosion) visits the eroded
 * voxels once per layer, 26 reads each, with a 4-byte list entry per mask
 * voxel. Output: one byte per voxel (0 none, 1 airway, 2 right lung,
 * 3 left lung), i = x + y*nx + z*nx*ny, and/or (`withRuns`) binary runs
 * per label (O(runs): what crosses threads in the browser instead of a
 * voxel label array). The voxel buffers of the erosion path (the two
 * growing parts, the list of voxels to reach) are freed before it returns.
 */
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type Mask, type VolumeGeometry } from '../volume/volume';
import { labelRuns, type RunLabels } from './connectedComponents';
import { freeNow } from '../memory/freeNow';
import { erodeRuns2d, paintRuns, pickRuns, RunBuilder, runsFromMask, selectRuns, type RunSet } from './runs';
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
 * voxel for the two growing parts and 4 bytes per voxel still to reach.
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
  const { nx, ny, nz } = mask;
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
  // Seeds: the two eroded parts; grow them back inside the lung mask.
  const side = new Uint8Array(nx * ny * nz); // 0 not reached, 1 / 2 the two parts
  const el = split.labels.labelOfRun;
  for (let s = 0; s < 2; s++) {
    const sel = new Uint8Array(split.runs.count);
    for (let k = 0; k < split.runs.count; k++) sel[k] = el[k] === split.big[s] ? 1 : 0;
    paintRuns(split.runs, side, s + 1, sel);
  }
  growBack(side, lungRuns, signal);
  const { n, cx, cy, cz, restRuns } = sideMoments(side, lungRuns);
  if (n[0] === 0 || n[1] === 0 || (cx[0] / n[0] - midX) * (cx[1] / n[1] - midX) >= 0) {
    freeNow(side);
    return { ok: false, reason: 'the two parts found by erosion are not on both sides of the midline', airwayMl };
  }
  const cen = [0, 1].map((s) => voxelToPatientMm(mask, cx[s] / n[s], cy[s] / n[s], cz[s] / n[s]));
  const leftSide = cen[0][0] > cen[1][0] ? 0 : 1;
  const codeOfSide = [0, 0];
  codeOfSide[leftSide] = LEFT_LUNG_LABEL;
  codeOfSide[1 - leftSide] = RIGHT_LUNG_LABEL;
  if (settings.withLabels) for (let i = 0; i < side.length; i++) if (side[i] !== 0) labels[i] = codeOfSide[side[i] - 1];
  // Parts the search did not reach (26- but not 6-connected): nearer lung in x.
  const rest = labelRuns(restRuns, 26);
  const rm = moments(restRuns, rest);
  const restCode = new Uint8Array(rest.componentCount + 1);
  for (let l = 1; l <= rest.componentCount; l++) {
    const c = voxelToPatientMm(mask, rm.sx[l] / rm.n[l], rm.sy[l] / rm.n[l], rm.sz[l] / rm.n[l]);
    const s = Math.abs(c[0] - cen[0][0]) <= Math.abs(c[0] - cen[1][0]) ? 0 : 1;
    restCode[l] = codeOfSide[s];
    n[s] += rm.n[l];
  }
  if (settings.withLabels) paintLabelCodes(restRuns, rest, restCode, labels);
  let lungRunsOut: [RunSet, RunSet] | null = null;
  if (settings.withRuns) {
    // The leftovers join their lung in `side` (code -> side), then one sweep makes each side's runs.
    const sideOfCode = new Uint8Array(256);
    sideOfCode[codeOfSide[0]] = 1;
    sideOfCode[codeOfSide[1]] = 2;
    const restSide = new Uint8Array(restCode.length);
    for (let l = 1; l < restCode.length; l++) restSide[l] = sideOfCode[restCode[l]];
    paintLabelCodes(restRuns, rest, restSide, side);
    lungRunsOut = runsOfSides(side, lungRuns);
  }
  freeNow(side);
  if (rest.componentCount > 0) notes.push(`${rest.componentCount} small piece(s) of lung not connected to either lung were counted with the nearer lung (left or right)`);
  notes.push(`the two lungs touched and were separated by shrinking the lung outline by ${erosionMm.toFixed(1)} mm on each slice and growing it back`);
  const sideRuns = lungRunsOut ? { right: lungRunsOut[1 - leftSide], left: lungRunsOut[leftSide] } : null;
  return finish(labels, airway, n[1 - leftSide], n[leftSide], ctx.voxelMl, erosionMm, notes, sideRuns);
}

/** Binary runs of side 1 and side 2 of `side` inside `lungRuns`, in one sweep. */
function runsOfSides(side: Uint8Array, lungRuns: RunSet): [RunSet, RunSet] {
  const { nx, ny, nz, rowStart, x0, x1 } = lungRuns;
  const b = [new RunBuilder(lungRuns, false, lungRuns.count + 16), new RunBuilder(lungRuns, false, lungRuns.count + 16)];
  for (let r = 0; r < ny * nz; r++) {
    const base = r * nx;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      let cur = 0;
      let from = 0;
      for (let x = x0[k]; x < x1[k]; x++) {
        const v = side[base + x];
        if (v === cur) continue;
        if (cur !== 0) b[cur - 1].push(from, x);
        cur = v;
        from = x;
      }
      if (cur !== 0) b[cur - 1].push(from, x1[k]);
    }
    b[0].endRow(r);
    b[1].endRow(r);
  }
  return [b[0].finish(), b[1].finish()];
}

/** Voxel count and coordinate sums of the two grown parts in `side`, and the lung voxels neither reached, as runs. */
function sideMoments(side: Uint8Array, lungRuns: RunSet): { n: number[]; cx: number[]; cy: number[]; cz: number[]; restRuns: RunSet } {
  const { nx, ny, nz, rowStart, x0, x1 } = lungRuns;
  const n = [0, 0];
  const cx = [0, 0];
  const cy = [0, 0];
  const cz = [0, 0];
  const restBuilder = new RunBuilder(lungRuns, false);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        let restFrom = -1;
        for (let x = x0[k], i = r * nx + x0[k]; x < x1[k]; x++, i++) {
          const s = side[i] - 1;
          if (s < 0) {
            if (restFrom < 0) restFrom = x;
            continue;
          }
          if (restFrom >= 0) {
            restBuilder.push(restFrom, x);
            restFrom = -1;
          }
          n[s]++;
          cx[s] += x;
          cy[s] += y;
          cz[s] += z;
        }
        if (restFrom >= 0) restBuilder.push(restFrom, x1[k]);
      }
      restBuilder.endRow(r);
    }
  }
  return { n, cx, cy, cz, restRuns: restBuilder.finish() };
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
  const sideRuns = ctx.settings.withRuns ? { right: runsOfCode(lungRuns, lungLabels, code, RIGHT_LUNG_LABEL), left: runsOfCode(lungRuns, lungLabels, code, LEFT_LUNG_LABEL) } : null;
  return finish(labels, airway, rightN, leftN, ctx.voxelMl, 0, notes, sideRuns);
}

/** The runs of `runs` whose component's code is `c`. */
function runsOfCode(runs: RunSet, labels: RunLabels, code: Uint8Array, c: number): RunSet {
  const lab = labels.labelOfRun;
  const sel = new Uint8Array(runs.count);
  for (let k = 0; k < runs.count; k++) sel[k] = code[lab[k]] === c ? 1 : 0;
  return pickRuns(runs, sel);
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
 * Grow the two seeds in `side` (values 1, 2) back over the voxels of `inside`
 * that they do not cover, one 26-neighbour layer per round (simultaneous
 * growth, so each voxel goes to the nearer seed; a voxel reached by both in
 * the same round takes the one with more neighbours, 1 on a tie). Only the
 * uncovered voxels are visited, from a compact list. Voxels not connected to
 * either seed stay 0.
 */
function growBack(side: Uint8Array, inside: RunSet, signal: { aborted: boolean } | undefined): void {
  const { nx, ny, nz, rowStart, x0, x1 } = inside;
  const plane = nx * ny;
  let todo = 0;
  for (let k = 0; k < inside.count; k++) todo += x1[k] - x0[k];
  let list = new Int32Array(todo);
  let m = 0;
  for (let r = 0; r < ny * nz; r++) {
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      for (let i = r * nx + x0[k], e = r * nx + x1[k]; i < e; i++) if (side[i] === 0) list[m++] = i;
    }
  }
  list = list.subarray(0, m);
  const pendingIdx = new Int32Array(m);
  const pendingVal = new Uint8Array(m);
  while (m > 0) {
    if (signal?.aborted) throw new SegmentationAbortedError('airway / lung split aborted');
    let p = 0;
    let keep = 0;
    for (let t = 0; t < m; t++) {
      const i = list[t];
      const x = i % nx;
      const y = ((i - x) / nx) % ny;
      const z = (i - x - y * nx) / plane;
      let c1 = 0;
      let c2 = 0;
      const za = z > 0 ? -1 : 0;
      const zb = z < nz - 1 ? 1 : 0;
      const ya = y > 0 ? -1 : 0;
      const yb = y < ny - 1 ? 1 : 0;
      const xa = x > 0 ? -1 : 0;
      const xb = x < nx - 1 ? 1 : 0;
      for (let dz = za; dz <= zb; dz++) {
        for (let dy = ya; dy <= yb; dy++) {
          const row = i + dz * plane + dy * nx;
          for (let dx = xa; dx <= xb; dx++) {
            const v = side[row + dx];
            if (v === 1) c1++;
            else if (v === 2) c2++;
          }
        }
      }
      if (c1 + c2 > 0) {
        pendingIdx[p] = i;
        pendingVal[p++] = c2 > c1 ? 2 : 1;
      } else {
        list[keep++] = i;
      }
    }
    if (p === 0) break;
    for (let t = 0; t < p; t++) side[pendingIdx[t]] = pendingVal[t];
    m = keep;
  }
  freeNow(list);
  freeNow(pendingIdx);
  freeNow(pendingVal);
}
