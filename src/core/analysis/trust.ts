/**
 * Whether an analysis' numbers (lung volumes in mL, meshes, areas) can be
 * trusted: one pure decision shared by the command line and the browser.
 *
 * Two kinds of reason:
 *  - the series' 3D geometry (SeriesSummary.geometry3d, set by buildSeries
 *    planSeries): one slice, missing slices (gaps), uneven spacing, gantry
 *    tilt, no positions, orientation or pixel spacing. Taken as they are
 *    (the structured problems and their sentences, never parsed from the
 *    warning strings).
 *  - the lungs cut by the field of view, judged from the filled lung mask
 *    and the HU volume (measureLungField):
 *      a. the mask's in-plane boundary on the x/y image border: a lung lies
 *         inside the chest wall, so on a complete image none of its
 *         boundary voxels (mask voxels with an in-plane 4-neighbour outside
 *         the mask or the image) is on the border. Flagged from
 *         LUNG_ON_BORDER_MAX of them on. With the default 'border' rule for
 *         the outside air the mask cannot touch the border (air touching it
 *         is outside air); this catches masks segmented with the 'corner'
 *         rule (the tutorial's) or made elsewhere.
 *      b. the mask tiny against the body (mask voxels / (mask voxels + voxels
 *         at or above the threshold): body, bone and table): when the field
 *         of view cuts a lung or the trachea, that air touches the border and
 *         the 'border' rule takes it, and everything joined to it, for
 *         outside air; what is left is a small air pocket. Flagged below
 *         LUNG_BODY_MIN.
 *    Measured (threshold -700 HU) on the three real series and on crops of
 *    each made with pydicom (columns cut to the right half, or to the
 *    middle half, ImagePositionPatient moved to the new first column):
 *      lung / body: real 0.224, 0.275, 0.225; crops 0.0000 to 0.0024;
 *      boundary on border, 'border' rule: 0 everywhere (by construction);
 *      'corner' rule: real 0 (of 91,000 to 183,000 boundary voxels); crops
 *      of the middle half 0.11 to 0.27 (the lungs cut at both sides), of
 *      the right half 0.0017 to 0.022 (the cut runs along the midline,
 *      through the trachea and the edge of a lung).
 *    LUNG_BODY_MIN = 0.02 is 11x below the smallest real ratio and 8x above
 *    the largest cropped one; LUNG_ON_BORDER_MAX = 0.005 is 20x below the
 *    crops that cut the lungs at the sides (a scan without its lungs, an
 *    abdomen, is flagged too: its lung numbers mean nothing either).
 *
 * Cost: measureLungField reads the HU volume and the mask once, O(voxels),
 * no allocation; measureLungFieldOfRuns (the same numbers from the mask's
 * row runs) reads only the HU outside the lung, O(voxels outside + runs),
 * no allocation; assessTrust is O(problems).
 */
import type { Geometry3dProblem, Geometry3dTrust } from '../dicom/types';
import type { RunSet } from '../segmentation/runs';
import type { Mask } from '../volume/volume';

/** Fraction of the lung mask's in-plane boundary voxels on the x/y image border above which the lungs are cut. */
export const LUNG_ON_BORDER_MAX = 0.005;
/** Lung mask voxels over body voxels below which the lungs are (mostly) outside the field of view. */
export const LUNG_BODY_MIN = 0.02;

export interface LungFieldMeasure {
  /** Voxels of the lung mask. */
  lungVoxels: number;
  /** Voxels of the body: the lung mask and every voxel at or above the threshold (tissue, bone, table). */
  bodyVoxels: number;
  /** Lung mask voxels with an in-plane 4-neighbour outside the mask or the image. */
  lungBoundaryVoxels: number;
  /** Of those, the ones on the first or last row or column of their slice. */
  lungBoundaryOnBorder: number;
}

/** The lung mask against the image border and the body (see the header), in one pass. */
export function measureLungField(hu: Int16Array, lung: Mask, thresholdHu: number): LungFieldMeasure {
  const { nx, ny, nz, data } = lung;
  if (hu.length !== data.length) throw new RangeError(`HU volume (${hu.length}) and mask (${data.length}) differ in size`);
  let lungVoxels = 0;
  let solid = 0;
  let boundary = 0;
  let onBorder = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      const edgeRow = y === 0 || y === ny - 1;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        if (!data[i]) {
          if (hu[i] >= thresholdHu) solid++;
          continue;
        }
        lungVoxels++;
        const border = edgeRow || x === 0 || x === nx - 1;
        if (border) {
          boundary++;
          onBorder++;
        } else if (!data[i - 1] || !data[i + 1] || !data[i - nx] || !data[i + nx]) {
          boundary++;
        }
      }
    }
  }
  return { lungVoxels, bodyVoxels: lungVoxels + solid, lungBoundaryVoxels: boundary, lungBoundaryOnBorder: onBorder };
}

/** Voxels of hu[from..to) at or above `thresholdHu`. */
function countAtOrAbove(hu: Int16Array, from: number, to: number, thresholdHu: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (hu[i] >= thresholdHu) n++;
  return n;
}

/** Voxels of [lo, hi) in both the runs ka..kaEnd of one row and kb..kbEnd of another (runs of a row are sorted and disjoint). */
function inBothRows(x0: Int32Array, x1: Int32Array, ka: number, kaEnd: number, kb: number, kbEnd: number, lo: number, hi: number): number {
  let n = 0;
  while (ka < kaEnd && kb < kbEnd) {
    const s = Math.max(x0[ka], x0[kb], lo);
    const e = Math.min(x1[ka], x1[kb], hi);
    if (e > s) n += e - s;
    if (e >= hi) break;
    if (x1[ka] < x1[kb]) ka++;
    else kb++;
  }
  return n;
}

/**
 * measureLungField of a mask given as row runs: the same numbers without a
 * voxel mask. The outline is counted per run (a run's inner voxels whose
 * rows above and below hold them too are inside), the body from the HU
 * between the runs only.
 */
export function measureLungFieldOfRuns(hu: Int16Array, lung: RunSet, thresholdHu: number): LungFieldMeasure {
  const { nx, ny, nz, rowStart, x0, x1 } = lung;
  if (hu.length !== nx * ny * nz) throw new RangeError(`HU volume (${hu.length}) and runs (${nx * ny * nz}) differ in size`);
  let lungVoxels = 0;
  let outside = 0;
  let interior = 0;
  let onBorder = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      const base = r * nx;
      const k0 = rowStart[r];
      const k1 = rowStart[r + 1];
      const edgeRow = y === 0 || y === ny - 1;
      let x = 0;
      for (let k = k0; k < k1; k++) {
        const a = x0[k];
        const b = x1[k];
        outside += countAtOrAbove(hu, base + x, base + a, thresholdHu);
        x = b;
        lungVoxels += b - a;
        if (edgeRow) {
          onBorder += b - a;
          continue;
        }
        if (a === 0) onBorder++;
        if (b === nx && b - 1 !== 0) onBorder++;
        // Inside: not at the run's ends (its row neighbours are in the mask), and in the rows above and below.
        if (b - a > 2) interior += inBothRows(x0, x1, rowStart[r - 1], rowStart[r], rowStart[r + 1], rowStart[r + 2], a + 1, b - 1);
      }
      outside += countAtOrAbove(hu, base + x, base + nx, thresholdHu);
    }
  }
  return { lungVoxels, bodyVoxels: lungVoxels + outside, lungBoundaryVoxels: lungVoxels - interior, lungBoundaryOnBorder: onBorder };
}

export type TrustProblem = Geometry3dProblem | 'lungsOnBorder' | 'lungsTiny' | 'lungsCut';

export interface TrustInput {
  /** The series' geometry verdict (SeriesSummary.geometry3d); absent: not known, nothing to report. */
  geometry3d?: Geometry3dTrust;
  /** measureLungField of the filled lung mask; absent: not checked. */
  field?: LungFieldMeasure;
  /** The series' rescale warning (SeriesSummary.rescaleWarning): quoted when the lungs are not found, the usual symptom of values that are not HU. */
  rescaleWarning?: string;
  /** The inclusive mask's field-of-view check (inclusiveLungs.ts lungsCutByFieldOfView): its reason when the lungs are cut. */
  fieldOfViewCut?: string | null;
}

export interface TrustVerdict {
  /** False when any problem below applies: the volumes, meshes and areas may be wrong. */
  geometryTrusted: boolean;
  problems: TrustProblem[];
  /** One sentence per problem, in the order of `problems`. */
  reasons: string[];
}

function pct(v: number): string {
  return `${(100 * v).toFixed(v < 0.01 ? 2 : 1)} %`;
}

/** The verdict on an analysis from its series' geometry and its lung mask (see the header). */
export function assessTrust(input: TrustInput): TrustVerdict {
  const problems: TrustProblem[] = [];
  const reasons: string[] = [];
  const g = input.geometry3d;
  if (g && !g.trusted) {
    g.problems.forEach((p, k) => {
      problems.push(p);
      reasons.push(g.reasons[k] ?? p);
    });
  }
  const f = input.field;
  if (f) {
    const onBorder = f.lungBoundaryVoxels > 0 ? f.lungBoundaryOnBorder / f.lungBoundaryVoxels : 0;
    if (onBorder > LUNG_ON_BORDER_MAX) {
      problems.push('lungsOnBorder');
      reasons.push(`the lungs touch the image border (${pct(onBorder)} of their outline): the field of view cuts them, the volumes and meshes miss what lies outside`);
    }
    const ratio = f.bodyVoxels > 0 ? f.lungVoxels / f.bodyVoxels : 0;
    if (ratio < LUNG_BODY_MIN) {
      problems.push('lungsTiny');
      const scale = input.rescaleWarning ? `; the HU scale is in doubt too (${input.rescaleWarning})` : '';
      reasons.push(`the lung mask is ${pct(ratio)} of the body (a chest has about 20 %): the lungs are cut by the field of view or not in the scan, so what was measured is not the lungs${scale}`);
    }
  }
  if (input.fieldOfViewCut && !problems.includes('lungsOnBorder') && !problems.includes('lungsTiny')) {
    problems.push('lungsCut');
    reasons.push(input.fieldOfViewCut);
  }
  return { geometryTrusted: problems.length === 0, problems, reasons };
}
