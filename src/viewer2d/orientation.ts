/**
 * Orientation letters at the image edges, and the flips that put an image in
 * the radiological convention.
 *
 * Patient space is DICOM LPS: +x = patient's left (L), +y = posterior (P),
 * +z = head (S). A direction's label lists the patient directions of its
 * noticeable components (|cos| >= 0.25), largest first, as in the DICOM
 * PatientOrientation attribute (e.g. "LS" for an oblique row).
 *
 * Radiological convention: the patient's right on the screen's left and
 * anterior at the top (axial), superior at the top (coronal, sagittal),
 * anterior on the left (sagittal). An image axis is flipped on screen when
 * its dominant patient direction points the other way. Slice positions are
 * shown as patient coordinates (displaySlicePositionMm). Cost: O(1).
 */
import { towardLpsSign } from '../core/dicom/buildSeries';
import type { Vec3 } from '../core/volume/volume';

const POSITIVE = ['L', 'P', 'S'] as const;
const NEGATIVE = ['R', 'A', 'I'] as const;
const COMPONENT_MIN = 0.25;

/** Label of one direction in patient space, e.g. [1,0,0] -> "L", [0,0,-1] -> "I". */
export function directionLabel(v: Vec3): string {
  const order = [0, 1, 2].sort((a, b) => Math.abs(v[b]) - Math.abs(v[a]));
  let s = '';
  for (const k of order) {
    if (Math.abs(v[k]) >= COMPONENT_MIN) s += v[k] > 0 ? POSITIVE[k] : NEGATIVE[k];
  }
  return s;
}

function dominantAxis(v: Vec3): number {
  const a = Math.abs(v[0]);
  const b = Math.abs(v[1]);
  const c = Math.abs(v[2]);
  return a >= b && a >= c ? 0 : b >= c ? 1 : 2;
}

function neg(v: Vec3): Vec3 {
  return [-v[0], -v[1], -v[2]];
}

export interface DisplayOrientation {
  /** Draw the image mirrored left-right (screen x = width - 1 - u). */
  flipX: boolean;
  /** Draw the image mirrored top-bottom (screen y = height - 1 - v). */
  flipY: boolean;
  /** Patient direction of screen right and screen down after the flips. */
  screenRightDir: Vec3;
  screenDownDir: Vec3;
  left: string;
  right: string;
  top: string;
  bottom: string;
}

/**
 * How to show an image whose increasing u (column index) points along `uDir`
 * and increasing v (row index) along `vDir` (both in LPS), and the letters at
 * its edges. For a DICOM image uDir/vDir are the two ImageOrientationPatient
 * vectors.
 */
export function displayOrientation(uDir: Vec3, vDir: Vec3): DisplayOrientation {
  const au = dominantAxis(uDir);
  const av = dominantAxis(vDir);
  // Which sign of the dominant component should point to screen right / down.
  // Right: patient's left (+x) or posterior (+y, sagittal). Down: posterior
  // (+y, axial) or inferior (-z). Other cases (an axis lying along S-I
  // horizontally, or L-R vertically) keep the stored direction.
  const wantRight = au === 0 || au === 1 ? 1 : Math.sign(uDir[au]) || 1;
  const wantDown = av === 1 ? 1 : av === 2 ? -1 : Math.sign(vDir[av]) || 1;
  const flipX = Math.sign(uDir[au]) !== wantRight;
  const flipY = Math.sign(vDir[av]) !== wantDown;
  const screenRightDir = flipX ? neg(uDir) : ([...uDir] as Vec3);
  const screenDownDir = flipY ? neg(vDir) : ([...vDir] as Vec3);
  return {
    flipX,
    flipY,
    screenRightDir,
    screenDownDir,
    right: directionLabel(screenRightDir),
    left: directionLabel(neg(screenRightDir)),
    bottom: directionLabel(screenDownDir),
    top: directionLabel(neg(screenDownDir)),
  };
}

/** Screen orientation of an axial (constant z) view of a volume: u = x, v = y. */
export function axialDisplay(g: { directionXyz: [Vec3, Vec3, Vec3] }): DisplayOrientation {
  return displayOrientation(g.directionXyz[0], g.directionXyz[1]);
}

/**
 * Screen orientation of a view along `axis`: axial u = x, v = y; coronal
 * u = x, v = z; sagittal u = y, v = z (see renderSlice.ts).
 */
export function sliceDisplay(g: { directionXyz: [Vec3, Vec3, Vec3] }, axis: 'axial' | 'coronal' | 'sagittal'): DisplayOrientation {
  const [dx, dy, dz] = g.directionXyz;
  if (axis === 'axial') return displayOrientation(dx, dy);
  if (axis === 'coronal') return displayOrientation(dx, dz);
  return displayOrientation(dy, dz);
}

/**
 * Position of volume slice `z` for display (mm): its position along the
 * slice normal (SeriesSummary.slicePositionsMm), signed to grow toward the
 * patient's left, posterior or head (core towardLpsSign). For axial images
 * this is the patient z for head-first and feet-first patients alike (the
 * raw position along row × column is -z for feet-first images); for the
 * usual sagittal and coronal images it is the patient x and y.
 */
export function displaySlicePositionMm(
  series: { slicePositionsMm: readonly number[]; firstHeader: { imageOrientation: [Vec3, Vec3] | null } },
  z: number,
): number {
  return towardLpsSign(sliceNormal(series.firstHeader.imageOrientation)) * series.slicePositionsMm[z];
}

/** Unit row × column of an ImageOrientationPatient; axial (0, 0, 1) when absent or degenerate, as the loader assumes. */
function sliceNormal(orientation: [Vec3, Vec3] | null): Vec3 {
  if (!orientation) return [0, 0, 1];
  const [r, c] = orientation;
  const n: Vec3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  const len = Math.hypot(n[0], n[1], n[2]);
  return len < 1e-6 ? [0, 0, 1] : [n[0] / len, n[1] / len, n[2] / len];
}
