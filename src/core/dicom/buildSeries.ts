/**
 * Decoded slices -> series: grouping, slice order, spacing, warnings and the
 * assembled HU volume.
 *
 * Variant: group by SeriesInstanceUID, split a UID where
 * ImageOrientationPatient (rounded to 1e-3) or Rows/Columns differ, where
 * FrameOfReferenceUID differs (unless the slices form one evenly spaced stack:
 * kept, with a warning), where acquisitions (AcquisitionNumber) or
 * reconstructions (SliceThickness) overlap in position (dcm2niix, too,
 * does not stack different acquisitions; here the part with most slices,
 * then thinnest, comes first), and put localizers (ImageType LOCALIZER)
 * apart; sort by
 * ImagePositionPatient projected on the slice normal (row x column cosines),
 * as ITK/GDCM's IPPSorter and dcm2niix do; z spacing is the median step
 * between sorted positions (not SliceThickness). Slices without a position
 * among positioned ones (at most half) are placed from their InstanceNumber
 * when the others' positions follow it on one line, else dropped; only when
 * most positions are missing is the order InstanceNumber's, with a warning.
 * Of several slices at one position one is kept by a stated rule (pixels not
 * all one value, checked at assembly; then the InstanceNumber fitting the
 * series' order; the lowest InstanceNumber; the file name). Each summary also
 * says whether its geometry holds in 3D (geometry3d): not when the stack is
 * sheared against the slice normal (gantry tilt), slices are missing,
 * spacing is strongly uneven (a step 20 % off the median, or positions
 * drifting half a step from the uniform grid), positions, orientation or
 * pixel spacing are missing, or there is one slice.
 *
 * Cost: grouping and planning O(n log n) in the slice count (plus O(p²) in
 * the acquisition parts of one stack, few in practice); assembly one
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
  /** What grouping did that the series' warnings should say (a split, a merge, localizers kept out). */
  notes?: string[];
}

/** A series in volume order, before (or without) pixel assembly. */
export interface SeriesPlan<T extends { header: SliceHeader }> {
  summary: SeriesSummary;
  /** Items in z order (one per volume slice). */
  ordered: T[];
  /** Items dropped: without a position that could be placed, or as duplicates of a position already present. */
  dropped: T[];
  /** Positions that had more than one item: which was kept (at volume slice z) and which were dropped. */
  duplicates?: DuplicateChoice<T>[];
  /** Index in summary.warnings of the duplicates warning (-1: none), rewritten when assembly swaps a blank slice. */
  duplicateWarning?: number;
}

/** Items at one position: the one kept (volume slice z) and the others. */
export interface DuplicateChoice<T> {
  z: number;
  kept: T;
  dropped: T[];
  /** True when the InstanceNumber order of the series decided. */
  byInstance: boolean;
  /** True when assembly replaced a kept slice of one value by a dropped one with content. */
  blank: boolean;
}

export interface AssembleOptions {
  /** Replace each slice's hu with an empty array once it is copied (lowers peak memory). Default false. */
  releaseSlices?: boolean;
  /** Put the volume's HU in a SharedArrayBuffer, so worker threads read it without a copy. Default false. */
  sharedMemory?: boolean;
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

function geometryKey(h: SliceHeader): string {
  const o = h.imageOrientation ? [...h.imageOrientation[0], ...h.imageOrientation[1]].map(round3).join('\\') : 'none';
  return `${o}|${h.rows}x${h.columns}`;
}

/** ImageType says LOCALIZER (a scout or topogram, even an axial one): never part of a volume. */
export function isLocalizer(h: SliceHeader): boolean {
  return h.imageType?.includes('LOCALIZER') ?? false;
}

function groupBy<T>(items: readonly T[], key: (it: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

function unitNormal(h: SliceHeader): Vec3 {
  const n = h.imageOrientation ? cross(h.imageOrientation[0], h.imageOrientation[1]) : [0, 0, 1] as Vec3;
  const len = Math.hypot(...n);
  return len > 1e-6 ? [n[0] / len, n[1] / len, n[2] / len] : [0, 0, 1];
}

/** Positions along the slice normal, sorted; null when a slice has no ImagePositionPatient. */
function sortedPositions(items: readonly { header: SliceHeader }[]): number[] | null {
  if (items.some((it) => it.header.imagePositionMm === null)) return null;
  const normal = unitNormal(items[0].header);
  return items.map((it) => dot(it.header.imagePositionMm!, normal)).sort((a, b) => a - b);
}

/**
 * Slices that form one clean stack: every slice has a position, no two share
 * one, and every step is within 1 % (at least 0.01 mm) of the median step.
 */
function isCleanStack(items: readonly { header: SliceHeader }[]): boolean {
  const pos = sortedPositions(items);
  if (!pos || pos.length < 2) return false;
  const steps = pos.slice(1).map((p, k) => p - pos[k]);
  const m = median(steps);
  if (!(m > SAME_POSITION_MM)) return false;
  const tol = Math.max(0.01, 0.01 * m);
  return steps.every((st) => Math.abs(st - m) <= tol);
}

/** Acquisition (AcquisitionNumber) and reconstruction (SliceThickness) of a slice, as a key. */
function acquisitionKey(h: SliceHeader): string {
  const t = h.sliceThicknessMm !== null && h.sliceThicknessMm > 0 ? round3(h.sliceThicknessMm) : '';
  return `${h.acquisitionNumber ?? ''}|${t}`;
}

/**
 * Whether parts of one stack overlap along the slice normal (interleaved or
 * repeated coverage): their position ranges share more than one position, or
 * a one-slice part lies inside another's range. Parts without positions
 * cannot be judged: false.
 */
function partsOverlap(parts: readonly { header: SliceHeader }[][]): boolean {
  const ranges: [number, number, number][] = [];
  for (const p of parts) {
    const pos = sortedPositions(p);
    if (!pos) return false;
    ranges.push([pos[0], pos[pos.length - 1], pos.length]);
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [a0, a1, an] = ranges[i];
      const [b0, b1, bn] = ranges[j];
      if (Math.min(a1, b1) - Math.max(a0, b0) > SAME_POSITION_MM) return true;
      if (an === 1 && a0 > b0 + SAME_POSITION_MM && a0 < b1 - SAME_POSITION_MM) return true;
      if (bn === 1 && b0 > a0 + SAME_POSITION_MM && b0 < a1 - SAME_POSITION_MM) return true;
    }
  }
  return false;
}

interface Part<T> {
  items: T[];
  notes: string[];
  localizer: boolean;
  /** Set on parts split from one stack by acquisition or reconstruction: their label and the labels of the others. */
  acquisition?: { label: string; count: number };
  sortKey: string;
}

/** "AcquisitionNumber 2, SliceThickness 10 mm" for the fields that differ between the parts. */
function acquisitionLabel(h: SliceHeader, byAcquisition: boolean, byThickness: boolean): string {
  const out: string[] = [];
  if (byAcquisition) out.push(h.acquisitionNumber === null || h.acquisitionNumber === undefined ? 'no AcquisitionNumber' : `AcquisitionNumber ${h.acquisitionNumber}`);
  if (byThickness) out.push(h.sliceThicknessMm === null ? 'no SliceThickness' : `SliceThickness ${fmtMm(h.sliceThicknessMm)} mm`);
  return out.join(', ');
}

function thicknessOf(items: readonly { header: SliceHeader }[]): number {
  const t = items[0].header.sliceThicknessMm;
  return t !== null && t > 0 ? t : Infinity;
}

/**
 * Better part first: volumes before localizers, then more slices, then
 * thinner slices, then the lower AcquisitionNumber, then the key (so ids do
 * not depend on the input order).
 */
function compareParts<T extends { header: SliceHeader }>(a: Part<T>, b: Part<T>): number {
  if (a.localizer !== b.localizer) return a.localizer ? 1 : -1;
  if (a.items.length !== b.items.length) return b.items.length - a.items.length;
  const ta = thicknessOf(a.items);
  const tb = thicknessOf(b.items);
  if (ta !== tb) return ta - tb;
  const na = a.items[0].header.acquisitionNumber ?? Number.MAX_SAFE_INTEGER;
  const nb = b.items[0].header.acquisitionNumber ?? Number.MAX_SAFE_INTEGER;
  if (na !== nb) return na - nb;
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}

/** Splits one stack (same orientation and size) by frame of reference, then by acquisition or reconstruction where they overlap. */
function splitStack<T extends { header: SliceHeader }>(geoKey: string, items: T[]): Part<T>[] {
  const notes: string[] = [];
  let byFor: [string, T[]][] = [...groupBy(items, (it) => it.header.frameOfReferenceUid).entries()];
  if (byFor.length > 1 && isCleanStack(items)) {
    // De-identification tools may give every file its own FrameOfReferenceUID.
    notes.push(
      `FrameOfReferenceUID differs between slices (${byFor.length} different UIDs): kept as one series because orientation, image size and ` +
      'positions form one evenly spaced stack under one SeriesInstanceUID; check that the slices belong together',
    );
    byFor = [['', items]];
  }
  const out: Part<T>[] = [];
  for (const [forUid, list] of byFor) {
    const acq = groupBy(list, (it) => acquisitionKey(it.header));
    const sub = [...acq.entries()];
    if (sub.length > 1 && partsOverlap(sub.map(([, l]) => l))) {
      const byAcquisition = new Set(sub.map(([, l]) => l[0].header.acquisitionNumber ?? null)).size > 1;
      const byThickness = new Set(sub.map(([k]) => k.split('|')[1])).size > 1;
      const parts: Part<T>[] = sub.map(([k, l]) => ({
        items: l, notes: [...notes], localizer: false, sortKey: `${geoKey}|${forUid}|${k}`,
        acquisition: { label: acquisitionLabel(l[0].header, byAcquisition, byThickness), count: l.length },
      }));
      parts.sort(compareParts);
      const what = byAcquisition && byThickness ? 'acquisitions or reconstructions' : byAcquisition ? 'acquisitions' : 'reconstructions';
      const all = parts.map((p) => `${p.acquisition!.label}: ${p.acquisition!.count} slices`).join('; ');
      parts.forEach((p, k) => {
        p.notes.push(
          `this SeriesInstanceUID holds ${parts.length} ${what} that overlap in position (${all}): split into separate series; ` +
          `this one is ${p.acquisition!.label}${k === 0 ? ', the preferred one (most slices, then thinnest)' : `, not the preferred one (${parts[0].acquisition!.label})`}`,
        );
      });
      out.push(...parts);
    } else {
      out.push({ items: list, notes: [...notes], localizer: false, sortKey: `${geoKey}|${forUid}` });
    }
  }
  return out;
}

/**
 * Groups slices by SeriesInstanceUID and splits a UID whose slices cannot
 * form one volume: localizers (ImageType LOCALIZER) apart; orientation or
 * image size; frame of reference, unless all slices form one clean stack
 * (kept, with a warning); acquisitions (AcquisitionNumber) or
 * reconstructions (SliceThickness) whose positions overlap. Parts of a UID are numbered best first (see compareParts). Ids do not
 * depend on the input order.
 */
export function groupSeries<T extends { header: SliceHeader }>(items: readonly T[]): SeriesGroup<T>[] {
  const byUid = groupBy(items, (it) => it.header.seriesInstanceUid || NO_UID);
  const out: SeriesGroup<T>[] = [];
  for (const uid of [...byUid.keys()].sort()) {
    const list = byUid.get(uid)!;
    const parts: Part<T>[] = [];
    for (const [geoKey, geoItems] of groupBy(list, (it) => `${isLocalizer(it.header) ? 'L' : 'V'}|${geometryKey(it.header)}`)) {
      if (geoKey.startsWith('L')) {
        parts.push({
          items: geoItems, localizer: true, sortKey: geoKey,
          notes: [`localizer image${geoItems.length === 1 ? '' : 's'} (ImageType LOCALIZER): kept out of the volumes, not a 3D series`],
        });
      } else parts.push(...splitStack(geoKey, geoItems));
    }
    parts.sort(compareParts);
    const localizers = parts.filter((p) => p.localizer).reduce((n, p) => n + p.items.length, 0);
    if (localizers) {
      for (const p of parts) {
        if (!p.localizer) p.notes.push(`${localizers} localizer image${localizers === 1 ? '' : 's'} (ImageType LOCALIZER) with this SeriesInstanceUID kept out of this volume (listed as a series of their own)`);
      }
    }
    parts.forEach((p, k) => out.push({ id: parts.length === 1 ? uid : `${uid}#${k + 1}`, items: p.items, notes: p.notes.length ? p.notes : undefined }));
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

/** Least-squares line y = a + b x and its largest residual; null with fewer than two distinct x. */
function linearFit(xs: readonly number[], ys: readonly number[]): { a: number; b: number; maxResidual: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += xs[k] / n;
    my += ys[k] / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    sxx += (xs[k] - mx) ** 2;
    sxy += (xs[k] - mx) * (ys[k] - my);
  }
  if (!(sxx > 0)) return null;
  const b = sxy / sxx;
  const a = my - b * mx;
  let maxResidual = 0;
  for (let k = 0; k < n; k++) maxResidual = Math.max(maxResidual, Math.abs(ys[k] - a - b * xs[k]));
  return { a, b, maxResidual };
}

/**
 * Places slices without ImagePositionPatient among the positioned ones
 * (pushed to `entries`) at the position their InstanceNumber gives, when the
 * positioned slices' positions follow their InstanceNumbers on one line
 * (within a tenth of the step per number, at least 0.05 mm, and the step is
 * not zero); otherwise, or without an InstanceNumber, drops them (pushed to
 * `dropped`). Returns the warning.
 */
function placeByInstance<T extends { header: SliceHeader }>(entries: { item: T; pos: number }[], missing: readonly T[], dropped: T[], total: number): string {
  const numbered = entries.filter((e) => e.item.header.instanceNumber !== null);
  const fit = linearFit(numbered.map((e) => e.item.header.instanceNumber!), numbered.map((e) => e.pos));
  const consistent = fit !== null && Math.abs(fit.b) > SAME_POSITION_MM && fit.maxResidual <= Math.max(0.05, 0.1 * Math.abs(fit.b));
  const placed: string[] = [];
  const lost: string[] = [];
  for (const item of missing) {
    const n = item.header.instanceNumber;
    if (consistent && n !== null) {
      entries.push({ item, pos: fit.a + fit.b * n });
      placed.push(describe(item.header));
    } else {
      dropped.push(item);
      lost.push(describe(item.header));
    }
  }
  const list = (a: string[]) => `${a.slice(0, 5).join(', ')}${a.length > 5 ? ', …' : ''}`;
  const parts: string[] = [];
  if (placed.length) {
    parts.push(`${placed.length} placed from their InstanceNumber (the ${entries.length - placed.length} positioned slices lie on one line of InstanceNumber, ` +
      `${fmtMm(Math.abs(fit!.b))} mm per number): ${list(placed)}`);
  }
  if (lost.length) {
    const why = !consistent ? 'the positioned slices do not follow their InstanceNumbers on one line' : 'no InstanceNumber';
    parts.push(`${lost.length} dropped (${why}): ${list(lost)}`);
  }
  return `ImagePositionPatient missing on ${missing.length} of ${total} slices; the others' positions are used; ${parts.join('; ')}`;
}

/**
 * The series' InstanceNumber order: InstanceNumber as a line in the position,
 * fitted on the positions that hold one item, when those lie on it within
 * half a number; null otherwise.
 */
function instanceOrder<T extends { header: SliceHeader }>(sorted: readonly { item: T; pos: number }[]): { a: number; b: number } | null {
  const single = sorted.filter((s, k) =>
    s.item.header.instanceNumber !== null &&
    !(k > 0 && Math.abs(sorted[k - 1].pos - s.pos) < SAME_POSITION_MM) &&
    !(k + 1 < sorted.length && Math.abs(sorted[k + 1].pos - s.pos) < SAME_POSITION_MM));
  const fit = linearFit(single.map((s) => s.pos), single.map((s) => s.item.header.instanceNumber!));
  return fit && fit.b !== 0 && fit.maxResidual < 0.5 ? fit : null;
}

/**
 * Which of the items at one position is kept: the one whose InstanceNumber
 * fits the series' InstanceNumber order (closest to the number the line
 * gives there), then the lowest InstanceNumber, then the file name. (Assembly
 * then prefers pixels that are not all one value, see assembleVolume.)
 */
function chooseAtPosition<T extends { header: SliceHeader }>(
  items: readonly T[], order: { a: number; b: number } | null, pos: number,
): { best: T; byInstance: boolean } {
  const miss = (it: T) => {
    const n = it.header.instanceNumber;
    return order && n !== null ? Math.round(Math.abs(n - (order.a + order.b * pos))) : Infinity;
  };
  const ranked = [...items].sort((a, b) => miss(a) - miss(b) || compareTie(a.header, b.header));
  return { best: ranked[0], byInstance: miss(ranked[0]) < miss(ranked[1]) };
}

/** The warning about duplicate positions: the rule, then what was kept and dropped. */
function duplicatesText<T extends { header: SliceHeader }>(records: readonly DuplicateChoice<T>[]): string {
  const n = records.reduce((k, r) => k + r.dropped.length, 0);
  const shown = records.slice(0, 3).map((r) => {
    const why = r.blank ? 'the other has pixels of one value only' : r.byInstance ? 'its InstanceNumber fits the series order' : 'lowest InstanceNumber, then file name';
    return `kept ${describe(r.kept.header)}, dropped ${r.dropped.map((d) => describe(d.header)).join(', ')} (${why})`;
  });
  return `${n} slice(s) at duplicate positions dropped, one kept per position (pixels not all one value first, then the InstanceNumber that fits ` +
    `the series' InstanceNumber order, then the lowest InstanceNumber, then the file name): ${shown.join('; ')}${records.length > 3 ? '; …' : ''}`;
}

/**
 * The series' rescale warning (see SeriesSummary.rescaleWarning), or ''.
 * Missing rescale tags are reported on a CT (or an image without Modality)
 * only: other modalities are not HU anyway.
 */
function rescaleText(modality: string, headers: readonly SliceHeader[]): string {
  const count = (note: SliceHeader['rescaleNote']) => headers.filter((h) => h.rescaleNote === note).length;
  const n = headers.length;
  const ct = modality === '' || modality.toUpperCase() === 'CT';
  const out: string[] = [];
  const missing = count('missing');
  if (missing && ct) {
    out.push(`no RescaleSlope/RescaleIntercept on ${missing} of ${n} slices: stored values taken as HU (slope 1, intercept 0); ` +
      'if they are raw scanner values (air near 0 instead of -1000) the lungs will not be found');
  }
  const zero = count('slope0');
  if (zero) out.push(`RescaleSlope 0 (invalid) on ${zero} of ${n} slices: slope 1 used, the HU scale is a guess`);
  const odd = headers.filter((h) => h.rescaleNote === 'unusualSlope');
  if (odd.length) {
    const varies = odd.some((h) => h.rescaleSlope !== odd[0].rescaleSlope);
    out.push(`RescaleSlope ${odd[0].rescaleSlope}${varies ? ' (or similar)' : ''} on ${odd.length} of ${n} slices is far from 1: ` +
      'the values may not be Hounsfield units');
  }
  return out.join('; ');
}

/** The warnings of one plan and its reasons to distrust the 3D geometry. */
interface PlanLog {
  warnings: string[];
  problems: Geometry3dProblem[];
  reasons: string[];
}

/** Records a reason not to trust the 3D geometry. */
function distrust(log: PlanLog, p: Geometry3dProblem, reason: string): void {
  log.problems.push(p);
  log.reasons.push(reason);
}

/** Sorts one group along the slice normal, drops duplicate positions, derives spacing and warnings. */
export function planSeries<T extends { header: SliceHeader }>(group: SeriesGroup<T>): SeriesPlan<T> {
  const log: PlanLog = { warnings: [...(group.notes ?? [])], problems: [], reasons: [] };
  const { warnings, problems, reasons } = log;
  let stackAngleDeg: number | null = null;
  const first = group.items[0].header;
  const normal = sliceNormal(first, log);
  const thickness = first.sliceThicknessMm !== null && first.sliceThicknessMm > 0 ? first.sliceThicknessMm : null;
  const dropped: T[] = [];
  const { sorted, usePositions } = sortAlongNormal(group, normal, thickness, dropped, log);
  const { kept, duplicates } = keepOnePerPosition(sorted, usePositions);
  let duplicateWarning = -1;
  if (duplicates.length) {
    duplicateWarning = warnings.length;
    warnings.push(duplicatesText(duplicates));
  }

  const nz = kept.length;
  const positions = kept.map((k) => k.pos);
  let spacingZ: number;
  if (nz === 1) {
    spacingZ = thickness ?? 1;
    warnings.push(thickness ? `single slice: z spacing taken from SliceThickness (${fmtMm(thickness)} mm)` : 'single slice without SliceThickness: z spacing 1 mm assumed');
    distrust(log, 'singleSlice', 'Single slice: no 3D volume');
  } else {
    const steps: number[] = [];
    for (let k = 1; k < nz; k++) steps.push(positions[k] - positions[k - 1]);
    spacingZ = median(steps);
    if (usePositions) {
      checkSteps(steps, positions, spacingZ, normal, log);
      stackAngleDeg = checkStackAngle(kept, normal, first, log);
    }
  }
  const tilt = first.gantryTiltDeg;
  if (tilt !== null && Math.abs(tilt) > 0.01) warnings.push(`GantryDetectorTilt is ${tilt}°`);

  const spacingXy = pixelSpacingOf(first, log);
  if (!(spacingZ > 0)) {
    warnings.push(`invalid slice spacing ${spacingZ}: 1 mm assumed`);
    spacingZ = 1;
  }

  const ordered = kept.map((k) => k.item);
  const rescaleWarning = rescaleText(first.modality, ordered.map((it) => it.header));
  if (rescaleWarning) warnings.push(rescaleWarning);
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
    sopInstanceUids: ordered.map((it) => it.header.sopInstanceUid),
    firstHeader: ordered[0].header,
    warnings,
    geometry3d: { trusted: problems.length === 0, problems, reasons, stackAngleDeg },
  };
  if (rescaleWarning) summary.rescaleWarning = rescaleWarning;
  for (const d of duplicates) dropped.push(...d.dropped);
  return { summary, ordered, dropped, duplicates, duplicateWarning };
}

/** The unit slice normal from the first slice's orientation (axial, with a warning, when missing or invalid). */
function sliceNormal(first: SliceHeader, log: PlanLog): Vec3 {
  let row: Vec3 = [1, 0, 0];
  let col: Vec3 = [0, 1, 0];
  if (first.imageOrientation) [row, col] = first.imageOrientation;
  else {
    log.warnings.push('no ImageOrientationPatient: axial orientation assumed');
    distrust(log, 'noOrientation', 'No slice orientation: axial assumed, the 3D orientation is unknown');
  }
  const normal = cross(row, col);
  const nlen = Math.hypot(...normal);
  if (nlen < 1e-6) {
    log.warnings.push('ImageOrientationPatient row and column directions are parallel: axial orientation assumed');
    distrust(log, 'noOrientation', 'Invalid slice orientation: axial assumed, the 3D orientation is unknown');
    return [0, 0, 1];
  }
  return [normal[0] / nlen, normal[1] / nlen, normal[2] / nlen];
}

/**
 * The items with their position along the normal, sorted: by ImagePositionPatient
 * when most slices hold one (the others placed by InstanceNumber or pushed to
 * `dropped`), else in InstanceNumber order one SliceThickness (or 1 mm) apart.
 */
function sortAlongNormal<T extends { header: SliceHeader }>(
  group: SeriesGroup<T>,
  normal: Vec3,
  thickness: number | null,
  dropped: T[],
  log: PlanLog,
): { sorted: { item: T; pos: number }[]; usePositions: boolean } {
  const positioned = group.items.filter((it) => it.header.imagePositionMm !== null);
  // Positions on most slices: the others are placed by InstanceNumber or dropped; on few: InstanceNumber order for all.
  const usePositions = positioned.length === group.items.length || (positioned.length >= 2 && 2 * positioned.length >= group.items.length);
  if (usePositions) {
    const sorted = positioned.map((item) => ({ item, pos: dot(item.header.imagePositionMm!, normal) }));
    const missing = group.items.filter((it) => it.header.imagePositionMm === null);
    if (missing.length) log.warnings.push(placeByInstance(sorted, missing, dropped, group.items.length));
    sorted.sort((a, b) => a.pos - b.pos || compareTie(a.item.header, b.item.header));
    return { sorted, usePositions };
  }
  const withPos = positioned.length;
  const haveInstance = group.items.every((it) => it.header.instanceNumber !== null);
  log.warnings.push(
    `ImagePositionPatient missing on ${group.items.length - withPos} of ${group.items.length} slices: ` +
    (haveInstance ? 'slices sorted by InstanceNumber' : 'slices sorted by InstanceNumber where present, then file name'),
  );
  const step = thickness ?? 1;
  const sorted = [...group.items]
    .sort((a, b) => compareTie(a.header, b.header))
    .map((item, k) => ({ item, pos: k * step }));
  if (sorted.length > 1) {
    log.warnings.push(thickness ? `slice spacing taken from SliceThickness (${fmtMm(thickness)} mm)` : 'no slice spacing known: 1 mm assumed');
    distrust(
      log,
      'noPositions',
      `No slice positions: order from InstanceNumber, spacing ${thickness ? 'from SliceThickness' : 'assumed 1 mm'}; 3D shape and sizes are guesses`,
    );
  }
  return { sorted, usePositions };
}

/** Duplicate positions: one item kept per position (see chooseAtPosition), with the record of each choice. */
function keepOnePerPosition<T extends { header: SliceHeader }>(
  sorted: { item: T; pos: number }[],
  usePositions: boolean,
): { kept: { item: T; pos: number }[]; duplicates: DuplicateChoice<T>[] } {
  const kept: { item: T; pos: number }[] = [];
  const duplicates: DuplicateChoice<T>[] = [];
  const fitIn = usePositions ? instanceOrder(sorted) : null;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (usePositions && j < sorted.length && Math.abs(sorted[j].pos - sorted[i].pos) < SAME_POSITION_MM) j++;
    if (j - i === 1) kept.push(sorted[i]);
    else {
      const run = sorted.slice(i, j);
      const { best, byInstance } = chooseAtPosition(run.map((r) => r.item), fitIn, run[0].pos);
      kept.push(run.find((r) => r.item === best)!);
      duplicates.push({ z: kept.length - 1, kept: best, dropped: run.map((r) => r.item).filter((it) => it !== best), byInstance, blank: false });
    }
    i = j;
  }
  return { kept, duplicates };
}

/** Gaps and uneven steps between the slice positions, against the median step `spacingZ`: warnings and distrust. */
function checkSteps(steps: readonly number[], positions: readonly number[], spacingZ: number, normal: Vec3, log: PlanLog): void {
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
    log.warnings.push(`gap in the slice positions, about ${missing} slice(s) missing: ${gaps.join('; ')}${gaps.length < missing && gaps.length === 3 ? '; …' : ''}`);
    distrust(
      log,
      'gap',
      `About ${missing} slice${missing === 1 ? '' : 's'} missing (gap at ${firstGap}${gapCount > 1 ? `, ${gapCount - 1} more gap${gapCount > 2 ? 's' : ''}` : ''}): 3D shape, distances and volumes are distorted`,
    );
  }
  if (uneven) {
    log.warnings.push(`uneven slice spacing: ${uneven} step(s) between ${fmtMm(minStep)} and ${fmtMm(maxStep)} mm, median ${fmtMm(spacingZ)} mm used`);
    if (maxStepDev > UNEVEN_STEP * spacingZ || maxDrift > UNEVEN_DRIFT * spacingZ) {
      distrust(
        log,
        'uneven',
        `Uneven slice spacing (${fmtMm(Math.min(minStep, spacingZ))} to ${fmtMm(Math.max(maxStep, spacingZ))} mm, ${fmtMm(spacingZ)} mm used): 3D shape, distances and volumes are distorted`,
      );
    }
  }
}

/** Stack direction vs. slice normal (gantry tilt or a sheared stack): the angle in degrees, warned above TILT_WARN_DEG. */
function checkStackAngle<T extends { header: SliceHeader }>(kept: readonly { item: T; pos: number }[], normal: Vec3, first: SliceHeader, log: PlanLog): number {
  const ends = kept.filter((k) => k.item.header.imagePositionMm !== null);
  const p0 = ends.length ? ends[0].item.header.imagePositionMm! : [0, 0, 0];
  const p1 = ends.length ? ends[ends.length - 1].item.header.imagePositionMm! : [0, 0, 0];
  const d: Vec3 = [p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2]];
  const along = dot(d, normal);
  const across = Math.hypot(d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]);
  const angleDeg = (Math.atan2(across, Math.abs(along)) * 180) / Math.PI;
  if (angleDeg > TILT_WARN_DEG) {
    log.warnings.push(`slice stack is not orthogonal to the slice planes (${angleDeg.toFixed(1)}°, gantry tilt or sheared stack): the volume treats it as orthogonal`);
    const tagged = first.gantryTiltDeg !== null && Math.abs(first.gantryTiltDeg) > 0.01;
    distrust(
      log,
      'tilt',
      `${tagged ? 'Gantry tilt' : 'Sheared slice stack (gantry tilt?)'} ${angleDeg.toFixed(1)}°: the 3D surface and distances across slices are skewed`,
    );
  }
  return angleDeg;
}

/** In-plane spacing [x, y] (mm): PixelSpacing, else ImagerPixelSpacing (warned), else 1 mm (distrusted). */
function pixelSpacingOf(first: SliceHeader, log: PlanLog): [number, number] {
  if (first.pixelSpacingMmXy) {
    const spacingXy = first.pixelSpacingMmXy;
    if (first.pixelSpacingSource === 'ImagerPixelSpacing') {
      log.warnings.push(
        `no PixelSpacing: ImagerPixelSpacing (${fmtMm(spacingXy[0])} × ${fmtMm(spacingXy[1])} mm, measured at the detector) used; ` +
        'sizes may be off by the geometric magnification',
      );
    }
    return spacingXy;
  }
  log.warnings.push('no PixelSpacing: 1 mm × 1 mm assumed');
  distrust(log, 'noPixelSpacing', 'No pixel spacing: 1 mm assumed, sizes and volumes are unknown');
  return [1, 1];
}

function describe(h: SliceHeader): string {
  return h.frame ? `${h.file} frame ${h.frame + 1}` : h.file;
}

/** True when every value of a is the same (an empty array too). */
function oneValue(a: Int16Array): boolean {
  const v = a[0];
  for (let i = 1; i < a.length; i++) if (a[i] !== v) return false;
  return true;
}

/**
 * Where two items shared a position and the kept one's pixels are all one
 * value (a blank copy), a dropped one with content takes its place (its
 * pixels from its own hu or from fillSlice); the plan, the summary's files
 * and the duplicates warning follow. O(pixels of the duplicates).
 */
function preferNonBlank(plan: SeriesPlan<DecodedSlice>, hu: Int16Array, per: number, options: AssembleOptions): void {
  if (!plan.duplicates?.length || per === 0) return;
  let changed = false;
  for (const d of plan.duplicates) {
    const place = hu.subarray(d.z * per, (d.z + 1) * per);
    if (!oneValue(place)) continue;
    for (const alt of d.dropped) {
      let pixels = alt.hu;
      if (pixels.length !== per) {
        if (pixels.length !== 0 || !options.fillSlice) continue;
        pixels = new Int16Array(per);
        options.fillSlice(alt, pixels);
      }
      if (oneValue(pixels)) continue;
      place.set(pixels);
      if (options.releaseSlices) alt.hu = new Int16Array(0);
      d.dropped = [d.kept, ...d.dropped.filter((x) => x !== alt)];
      plan.dropped = plan.dropped.map((x) => (x === alt ? d.kept : x));
      d.kept = alt;
      d.blank = true;
      plan.ordered[d.z] = alt;
      plan.summary.files[d.z] = alt.header.file;
      if (plan.summary.sopInstanceUids) plan.summary.sopInstanceUids[d.z] = alt.header.sopInstanceUid;
      if (d.z === 0) plan.summary.firstHeader = alt.header;
      changed = true;
      break;
    }
  }
  if (changed && plan.duplicateWarning !== undefined && plan.duplicateWarning >= 0) {
    plan.summary.warnings[plan.duplicateWarning] = duplicatesText(plan.duplicates);
  }
}

/** Patient position of voxel (0, 0, 0): the first slice's, or one derived from the nearest slice with a position. */
function originOf(plan: SeriesPlan<DecodedSlice>, normal: Vec3): Vec3 {
  const k = plan.ordered.findIndex((s) => s.header.imagePositionMm !== null);
  if (k < 0) return [0, 0, 0];
  const p = plan.ordered[k].header.imagePositionMm!;
  const pos = plan.summary.slicePositionsMm;
  const back = k < pos.length ? pos[k] - pos[0] : 0;
  return [p[0] - back * normal[0], p[1] - back * normal[1], p[2] - back * normal[2]];
}

/** Copies the ordered slices into one volume (index x + y*nx + z*nx*ny). Throws if a slice has no pixels (and no fillSlice writes them). */
export function assembleVolume(plan: SeriesPlan<DecodedSlice>, options: AssembleOptions = {}): Volume {
  const [nz, ny, nx] = plan.summary.dimsZyx;
  const [sz, sy, sx] = plan.summary.spacingMmZyx;
  const per = nx * ny;
  const hu = options.sharedMemory ? new Int16Array(new SharedArrayBuffer(per * nz * Int16Array.BYTES_PER_ELEMENT)) : new Int16Array(per * nz);
  plan.ordered.forEach((s, z) => {
    if (s.hu.length === 0 && per > 0 && options.fillSlice) {
      options.fillSlice(s, hu.subarray(z * per, (z + 1) * per));
      return;
    }
    if (s.hu.length !== per) throw new Error(`slice ${describe(s.header)} has ${s.hu.length} pixels, expected ${per}`);
    hu.set(s.hu, z * per);
    if (options.releaseSlices) s.hu = new Int16Array(0);
  });
  preferNonBlank(plan, hu, per, options);
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
    originMm: originOf(plan, normal),
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
