/**
 * Decoded slices -> series: grouping, slice order, spacing, warnings and the
 * assembled HU volume.
 *
 * Variant: group by SeriesInstanceUID, split a UID where FrameOfReferenceUID,
 * ImageOrientationPatient (rounded to 1e-3) or Rows/Columns differ; sort by
 * ImagePositionPatient projected on the slice normal (row x column cosines),
 * as ITK/GDCM's IPPSorter and dcm2niix do; z spacing is the median step
 * between sorted positions (not SliceThickness). Falls back to InstanceNumber
 * order only when positions are missing, with a warning. Each summary also
 * says whether its geometry holds in 3D (geometry3d): not when the stack is
 * sheared against the slice normal (gantry tilt), slices are missing,
 * spacing is strongly uneven (a step 20 % off the median, or positions
 * drifting half a step from the uniform grid), positions, orientation or
 * pixel spacing are missing, or there is one slice.
 *
 * Cost: grouping and planning O(n log n) in the slice count; assembly one
 * Int16Array of nx*ny*nz (the only large allocation) and one copy per slice
 * (or, with fillSlice, the caller decodes each slice into its place); the
 * slices' own arrays can be released as they are copied.
 */
import type { Vec3, Volume } from '../volume/volume';
import type { DecodedSlice, Geometry3dProblem, LoadedSeries, SeriesSummary, SliceHeader } from './types';

/** Slices (or anything carrying a slice header) of one series after grouping. */
export interface SeriesGroup<T extends { header: SliceHeader }> {
  /** Stable id: the SeriesInstanceUID, plus "#k" when the UID had to be split. */
  id: string;
  items: T[];
}

/** A series in volume order, before (or without) pixel assembly. */
export interface SeriesPlan<T extends { header: SliceHeader }> {
  summary: SeriesSummary;
  /** Items in z order (one per volume slice). */
  ordered: T[];
  /** Items dropped as duplicates of a position already present. */
  dropped: T[];
}

export interface AssembleOptions {
  /** Replace each slice's hu with an empty array once it is copied (lowers peak memory). Default false. */
  releaseSlices?: boolean;
  /**
   * Writes the HU of a slice whose pixels were not decoded yet (its hu is
   * empty) straight into its place in the volume (`out`, Rows × Columns).
   * Lets a caller parse headers first and convert each file's pixels once,
   * into the volume, without a per-slice array. Without it an empty slice is
   * an error.
   */
  fillSlice?: (slice: DecodedSlice, out: Int16Array) => void;
}

/** Duplicate positions closer than this (mm) are the same slice position. */
const SAME_POSITION_MM = 0.01;
/** A step this many times the median is a gap (missing slices). */
const GAP_FACTOR = 1.5;
/** Slice stacks further than this from the normal are reported as tilted. */
const TILT_WARN_DEG = 0.5;
/**
 * Spacing is too uneven for 3D when a step (other than a gap) differs from
 * the median by more than this fraction of it, or when the positions drift
 * from the uniform grid the volume assumes by more than UNEVEN_DRIFT of a step.
 */
const UNEVEN_STEP = 0.2;
const UNEVEN_DRIFT = 0.5;

const NO_UID = '(no SeriesInstanceUID)';

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * +1 or -1: the sign that turns a position along `normal` into one that grows
 * toward the patient's left, posterior or head, whichever the normal is
 * closest to. Positions along row × column run toward the feet for
 * feet-first axial images (normal -z) and toward the right for the usual
 * sagittal ones (normal -x); shown with this sign they read as patient
 * coordinates (z, x) whatever the acquisition.
 */
export function towardLpsSign(normal: readonly [number, number, number]): 1 | -1 {
  const a = Math.abs(normal[0]);
  const b = Math.abs(normal[1]);
  const c = Math.abs(normal[2]);
  const k = a >= b && a >= c ? 0 : b >= c ? 1 : 2;
  return normal[k] < 0 ? -1 : 1;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000 + 0;
}

function splitKey(h: SliceHeader): string {
  const o = h.imageOrientation ? [...h.imageOrientation[0], ...h.imageOrientation[1]].map(round3).join('\\') : 'none';
  return `${h.frameOfReferenceUid}|${o}|${h.rows}x${h.columns}`;
}

/**
 * Groups slices by SeriesInstanceUID and splits a UID whose slices cannot
 * form one volume. Ids do not depend on the input order.
 */
export function groupSeries<T extends { header: SliceHeader }>(items: readonly T[]): SeriesGroup<T>[] {
  const byUid = new Map<string, Map<string, T[]>>();
  for (const it of items) {
    const uid = it.header.seriesInstanceUid || NO_UID;
    let sub = byUid.get(uid);
    if (!sub) byUid.set(uid, (sub = new Map()));
    const key = splitKey(it.header);
    const list = sub.get(key);
    if (list) list.push(it);
    else sub.set(key, [it]);
  }
  const out: SeriesGroup<T>[] = [];
  for (const uid of [...byUid.keys()].sort()) {
    const sub = byUid.get(uid)!;
    if (sub.size === 1) {
      out.push({ id: uid, items: [...sub.values()][0] });
      continue;
    }
    const parts = [...sub.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    parts.forEach(([, list], k) => out.push({ id: `${uid}#${k + 1}`, items: list }));
  }
  return out;
}

function compareTie(a: SliceHeader, b: SliceHeader): number {
  const ia = a.instanceNumber ?? Number.MAX_SAFE_INTEGER;
  const ib = b.instanceNumber ?? Number.MAX_SAFE_INTEGER;
  if (ia !== ib) return ia - ib;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.frame - b.frame;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtMm(v: number): string {
  return `${Number(v.toFixed(3))}`;
}

/** Sorts one group along the slice normal, drops duplicate positions, derives spacing and warnings. */
export function planSeries<T extends { header: SliceHeader }>(group: SeriesGroup<T>): SeriesPlan<T> {
  const warnings: string[] = [];
  const problems: Geometry3dProblem[] = [];
  const reasons: string[] = [];
  const distrust = (p: Geometry3dProblem, reason: string) => {
    problems.push(p);
    reasons.push(reason);
  };
  let stackAngleDeg: number | null = null;
  const first = group.items[0].header;
  let row: Vec3 = [1, 0, 0];
  let col: Vec3 = [0, 1, 0];
  if (first.imageOrientation) [row, col] = first.imageOrientation;
  else {
    warnings.push('no ImageOrientationPatient: axial orientation assumed');
    distrust('noOrientation', 'No slice orientation: axial assumed, the 3D orientation is unknown');
  }
  let normal = cross(row, col);
  const nlen = Math.hypot(...normal);
  if (nlen < 1e-6) {
    warnings.push('ImageOrientationPatient row and column directions are parallel: axial orientation assumed');
    distrust('noOrientation', 'Invalid slice orientation: axial assumed, the 3D orientation is unknown');
    [row, col, normal] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  } else {
    normal = [normal[0] / nlen, normal[1] / nlen, normal[2] / nlen];
  }

  const withPos = group.items.filter((it) => it.header.imagePositionMm !== null).length;
  const usePositions = withPos === group.items.length;
  const thickness = first.sliceThicknessMm !== null && first.sliceThicknessMm > 0 ? first.sliceThicknessMm : null;
  let sorted: { item: T; pos: number }[];
  if (usePositions) {
    sorted = group.items
      .map((item) => ({ item, pos: dot(item.header.imagePositionMm!, normal) }))
      .sort((a, b) => a.pos - b.pos || compareTie(a.item.header, b.item.header));
  } else {
    const haveInstance = group.items.every((it) => it.header.instanceNumber !== null);
    warnings.push(
      `ImagePositionPatient missing on ${group.items.length - withPos} of ${group.items.length} slices: ` +
      (haveInstance ? 'slices sorted by InstanceNumber' : 'slices sorted by InstanceNumber where present, then file name'),
    );
    const step = thickness ?? 1;
    sorted = [...group.items]
      .sort((a, b) => compareTie(a.header, b.header))
      .map((item, k) => ({ item, pos: k * step }));
    if (sorted.length > 1) {
      warnings.push(thickness ? `slice spacing taken from SliceThickness (${fmtMm(thickness)} mm)` : 'no slice spacing known: 1 mm assumed');
      distrust(
        'noPositions',
        `No slice positions: order from InstanceNumber, spacing ${thickness ? 'from SliceThickness' : 'assumed 1 mm'}; 3D shape and sizes are guesses`,
      );
    }
  }

  // Duplicate positions: keep the first (lowest InstanceNumber, then file name).
  const kept: { item: T; pos: number }[] = [];
  const dropped: T[] = [];
  const dupNotes: string[] = [];
  for (const s of sorted) {
    const last = kept[kept.length - 1];
    if (usePositions && last && Math.abs(s.pos - last.pos) < SAME_POSITION_MM) {
      dropped.push(s.item);
      if (dupNotes.length < 3) dupNotes.push(`${describe(s.item.header)} (same position as ${describe(last.item.header)})`);
      continue;
    }
    kept.push(s);
  }
  if (dropped.length) {
    warnings.push(
      `${dropped.length} slice(s) at duplicate positions dropped, one kept per position: ${dupNotes.join(', ')}${dropped.length > dupNotes.length ? ', …' : ''}`,
    );
  }

  const nz = kept.length;
  const positions = kept.map((k) => k.pos);
  let spacingZ: number;
  if (nz === 1) {
    spacingZ = thickness ?? 1;
    warnings.push(thickness ? `single slice: z spacing taken from SliceThickness (${fmtMm(thickness)} mm)` : 'single slice without SliceThickness: z spacing 1 mm assumed');
    distrust('singleSlice', 'Single slice: no 3D volume');
  } else {
    const steps: number[] = [];
    for (let k = 1; k < nz; k++) steps.push(positions[k] - positions[k - 1]);
    spacingZ = median(steps);
    if (usePositions) {
      const tol = Math.max(0.01, 0.01 * spacingZ);
      let uneven = 0;
      let minStep = Infinity;
      let maxStep = -Infinity;
      const gaps: string[] = [];
      let gapCount = 0;
      let firstGap = '';
      let missing = 0;
      // Drift of the positions from the volume's uniform grid, gaps left out
      // (they are reported as such); a step far from the median.
      let drift = 0;
      let maxDrift = 0;
      let maxStepDev = 0;
      // Positions in the text as patient coordinates (see towardLpsSign).
      const sign = towardLpsSign(normal);
      const at = (k: number) => `${fmtMm(sign * positions[k])} → ${fmtMm(sign * positions[k + 1])} mm`;
      for (let k = 0; k < steps.length; k++) {
        const st = steps[k];
        if (st > GAP_FACTOR * spacingZ) {
          const m = Math.max(1, Math.round(st / spacingZ) - 1);
          missing += m;
          gapCount++;
          if (!firstGap) firstGap = at(k);
          if (gaps.length < 3) gaps.push(`${at(k)} (about ${m} missing)`);
        } else {
          drift += st - spacingZ;
          maxDrift = Math.max(maxDrift, Math.abs(drift));
          maxStepDev = Math.max(maxStepDev, Math.abs(st - spacingZ));
          if (Math.abs(st - spacingZ) > tol) {
            uneven++;
            minStep = Math.min(minStep, st);
            maxStep = Math.max(maxStep, st);
          }
        }
      }
      if (gaps.length) {
        warnings.push(`gap in the slice positions, about ${missing} slice(s) missing: ${gaps.join('; ')}${gaps.length < missing && gaps.length === 3 ? '; …' : ''}`);
        distrust(
          'gap',
          `About ${missing} slice${missing === 1 ? '' : 's'} missing (gap at ${firstGap}${gapCount > 1 ? `, ${gapCount - 1} more gap${gapCount > 2 ? 's' : ''}` : ''}): 3D shape, distances and volumes are distorted`,
        );
      }
      if (uneven) {
        warnings.push(`uneven slice spacing: ${uneven} step(s) between ${fmtMm(minStep)} and ${fmtMm(maxStep)} mm, median ${fmtMm(spacingZ)} mm used`);
        if (maxStepDev > UNEVEN_STEP * spacingZ || maxDrift > UNEVEN_DRIFT * spacingZ) {
          distrust(
            'uneven',
            `Uneven slice spacing (${fmtMm(Math.min(minStep, spacingZ))} to ${fmtMm(Math.max(maxStep, spacingZ))} mm, ${fmtMm(spacingZ)} mm used): 3D shape, distances and volumes are distorted`,
          );
        }
      }
      // Stack direction vs. slice normal (gantry tilt or a sheared stack).
      const p0 = kept[0].item.header.imagePositionMm!;
      const p1 = kept[nz - 1].item.header.imagePositionMm!;
      const d: Vec3 = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]];
      const along = dot(d, normal);
      const across = Math.hypot(d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]);
      const angleDeg = (Math.atan2(across, Math.abs(along)) * 180) / Math.PI;
      stackAngleDeg = angleDeg;
      if (angleDeg > TILT_WARN_DEG) {
        warnings.push(`slice stack is not orthogonal to the slice planes (${angleDeg.toFixed(1)}°, gantry tilt or sheared stack): the volume treats it as orthogonal`);
        const tagged = first.gantryTiltDeg !== null && Math.abs(first.gantryTiltDeg) > 0.01;
        distrust(
          'tilt',
          `${tagged ? 'Gantry tilt' : 'Sheared slice stack (gantry tilt?)'} ${angleDeg.toFixed(1)}°: the 3D surface and distances across slices are skewed`,
        );
      }
    }
  }
  const tilt = first.gantryTiltDeg;
  if (tilt !== null && Math.abs(tilt) > 0.01) warnings.push(`GantryDetectorTilt is ${tilt}°`);

  let spacingXy: [number, number];
  if (first.pixelSpacingMmXy) spacingXy = first.pixelSpacingMmXy;
  else {
    spacingXy = [1, 1];
    warnings.push('no PixelSpacing: 1 mm × 1 mm assumed');
    distrust('noPixelSpacing', 'No pixel spacing: 1 mm assumed, sizes and volumes are unknown');
  }
  if (!(spacingZ > 0)) {
    warnings.push(`invalid slice spacing ${spacingZ}: 1 mm assumed`);
    spacingZ = 1;
  }

  const ordered = kept.map((k) => k.item);
  const summary: SeriesSummary = {
    id: group.id,
    seriesInstanceUid: first.seriesInstanceUid,
    modality: first.modality,
    description: first.seriesDescription,
    sliceCount: nz,
    files: ordered.map((it) => it.header.file),
    dimsZyx: [nz, first.rows, first.columns],
    spacingMmZyx: [spacingZ, spacingXy[1], spacingXy[0]],
    slicePositionsMm: positions,
    firstHeader: ordered[0].header,
    warnings,
    geometry3d: { trusted: problems.length === 0, problems, reasons, stackAngleDeg },
  };
  return { summary, ordered, dropped };
}

function describe(h: SliceHeader): string {
  return h.frame ? `${h.file} frame ${h.frame + 1}` : h.file;
}

/** Copies the ordered slices into one volume (index x + y*nx + z*nx*ny). Throws if a slice has no pixels (and no fillSlice writes them). */
export function assembleVolume(plan: SeriesPlan<DecodedSlice>, options: AssembleOptions = {}): Volume {
  const [nz, ny, nx] = plan.summary.dimsZyx;
  const [sz, sy, sx] = plan.summary.spacingMmZyx;
  const per = nx * ny;
  const hu = new Int16Array(per * nz);
  plan.ordered.forEach((s, z) => {
    if (s.hu.length === 0 && per > 0 && options.fillSlice) {
      options.fillSlice(s, hu.subarray(z * per, (z + 1) * per));
      return;
    }
    if (s.hu.length !== per) throw new Error(`slice ${describe(s.header)} has ${s.hu.length} pixels, expected ${per}`);
    hu.set(s.hu, z * per);
    if (options.releaseSlices) s.hu = new Int16Array(0);
  });
  const first = plan.ordered[0].header;
  const orient = first.imageOrientation;
  let row: Vec3 = [1, 0, 0];
  let col: Vec3 = [0, 1, 0];
  if (orient && Math.hypot(...cross(orient[0], orient[1])) > 1e-6) [row, col] = orient;
  const n = cross(row, col);
  const len = Math.hypot(...n);
  const normal: Vec3 = [n[0] / len, n[1] / len, n[2] / len];
  return {
    nx, ny, nz,
    spacingMmXyz: [sx, sy, sz],
    originMm: first.imagePositionMm ? [...first.imagePositionMm] as Vec3 : [0, 0, 0],
    directionXyz: [[...row] as Vec3, [...col] as Vec3, normal],
    hu,
  };
}

/** Largest CT first, then other modalities by size; ties by id. */
export function compareSeriesForDisplay(a: SeriesSummary, b: SeriesSummary): number {
  const ctA = a.modality === 'CT' ? 0 : 1;
  const ctB = b.modality === 'CT' ? 0 : 1;
  if (ctA !== ctB) return ctA - ctB;
  const va = a.dimsZyx[0] * a.dimsZyx[1] * a.dimsZyx[2];
  const vb = b.dimsZyx[0] * b.dimsZyx[1] * b.dimsZyx[2];
  if (va !== vb) return vb - va;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Groups, sorts and assembles every series; largest CT first. */
export function buildSeries(slices: readonly DecodedSlice[], options: AssembleOptions = {}): LoadedSeries[] {
  const plans = groupSeries(slices).map((g) => planSeries(g));
  plans.sort((a, b) => compareSeriesForDisplay(a.summary, b.summary));
  return plans.map((plan) => ({ summary: plan.summary, volume: assembleVolume(plan, options) }));
}
