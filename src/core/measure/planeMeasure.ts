/**
 * Measurements on one slice plane: a ruler's length, an ellipse ROI's area
 * and HU statistics, and a bidirectional measurement (a long axis and the
 * short axis perpendicular to it, as RECIST draws a nodule).
 *
 * Points are continuous pixel coordinates (u, v) of the plane: pixel k
 * covers [k, k+1), its centre is at k + 0.5. Lengths and perpendicularity
 * are taken in millimetres (u scaled by the plane's spacing along u, v by
 * that along v), so a coronal or sagittal plane with thick slices measures
 * true lengths and draws a true right angle.
 *
 * The ellipse is axis-aligned in the plane (centre and semi-axes in pixels);
 * a pixel is inside when its centre is: ((u+0.5-cu)/ru)² + ((v+0.5-cv)/rv)²
 * ≤ 1. Its area is the ellipse's own, π·ru·su·rv·sv mm² (not the pixel count
 * times the pixel area); the statistics are over the HU of the pixels inside
 * (population SD, divided by n).
 *
 * Cost: O(1) for the geometry; the ROI statistics visit the pixels inside
 * plus two per row of the bounding box. Memory: O(1).
 */

/** A point of the plane in continuous pixel coordinates (u, v). */
export type PointUv = readonly [number, number];
/** Size of one pixel of the plane in mm along u and v. */
export type SpacingMmUv = readonly [number, number];

/** Length in mm of the segment a–b. */
export function segmentLengthMm(a: PointUv, b: PointUv, spacingMmUv: SpacingMmUv): number {
  return Math.hypot((b[0] - a[0]) * spacingMmUv[0], (b[1] - a[1]) * spacingMmUv[1]);
}

/** An axis-aligned ellipse: centre and semi-axes along u and v, in pixels. */
export interface EllipseUv {
  centreUv: PointUv;
  radiiUv: PointUv;
}

/** The ellipse inscribed in the box with corners a and b. */
export function ellipseOfCornersUv(a: PointUv, b: PointUv): EllipseUv {
  return { centreUv: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], radiiUv: [Math.abs(b[0] - a[0]) / 2, Math.abs(b[1] - a[1]) / 2] };
}

/** Area in mm² of the ellipse. */
export function ellipseAreaMm2(e: EllipseUv, spacingMmUv: SpacingMmUv): number {
  return Math.PI * e.radiiUv[0] * spacingMmUv[0] * e.radiiUv[1] * spacingMmUv[1];
}

/** Whether pixel (u, v) (integers) has its centre inside the ellipse. */
export function pixelInEllipse(e: EllipseUv, u: number, v: number): boolean {
  const [ru, rv] = e.radiiUv;
  if (!(ru > 0 && rv > 0)) return false;
  const du = (u + 0.5 - e.centreUv[0]) / ru;
  const dv = (v + 0.5 - e.centreUv[1]) / rv;
  return du * du + dv * dv <= 1;
}

/** HU statistics of the pixels of a region; the HU values are null when no pixel is inside. */
export interface RoiStatsHu {
  pixels: number;
  meanHu: number | null;
  /** Population standard deviation (divided by n). */
  sdHu: number | null;
  minHu: number | null;
  maxHu: number | null;
}

/**
 * HU statistics of the pixels of `planeHu` (u + v * width) whose centres lie
 * inside the ellipse. Sums are exact (integers below 2^53 for any slice).
 */
export function ellipseRoiStatsHu(planeHu: ArrayLike<number>, width: number, height: number, e: EllipseUv): RoiStatsHu {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  const [cu, cv] = e.centreUv;
  const [ru, rv] = e.radiiUv;
  if (ru > 0 && rv > 0) {
    const v0 = Math.max(0, Math.floor(cv - rv - 0.5));
    const v1 = Math.min(height - 1, Math.ceil(cv + rv));
    for (let v = v0; v <= v1; v++) {
      const dv = (v + 0.5 - cv) / rv;
      if (dv * dv > 1) continue;
      // The row's interval from the formula, then its ends settled with the
      // very predicate pixelInEllipse uses (no rounding disagreement).
      const half = ru * Math.sqrt(1 - dv * dv);
      let u0 = Math.max(0, Math.ceil(cu - half - 0.5));
      let u1 = Math.min(width - 1, Math.floor(cu + half - 0.5));
      while (u0 > 0 && pixelInEllipse(e, u0 - 1, v)) u0--;
      while (u0 <= u1 && !pixelInEllipse(e, u0, v)) u0++;
      while (u1 < width - 1 && pixelInEllipse(e, u1 + 1, v)) u1++;
      while (u1 >= u0 && !pixelInEllipse(e, u1, v)) u1--;
      const row = v * width;
      for (let u = u0; u <= u1; u++) {
        const h = planeHu[row + u];
        n++;
        sum += h;
        sumSq += h * h;
        if (h < min) min = h;
        if (h > max) max = h;
      }
    }
  }
  if (n === 0) return { pixels: 0, meanHu: null, sdHu: null, minHu: null, maxHu: null };
  const mean = sum / n;
  const variance = Math.max(0, (sumSq - sum * mean) / n);
  return { pixels: n, meanHu: mean, sdHu: Math.sqrt(variance), minHu: min, maxHu: max };
}

/** A bidirectional measurement: the long axis a–b and the short axis c–d. */
export interface BidirectionalUv {
  long: readonly [PointUv, PointUv];
  short: readonly [PointUv, PointUv];
}

/**
 * Where the short axis sits on the long axis: its crossing point at
 * `crossFraction` of the way from long[0] to long[1], and its two halves'
 * lengths in mm on either side (short[0] on the left of a→b in mm space,
 * short[1] on the right).
 */
export interface ShortAxisPlacement {
  crossFraction: number;
  halfLengthsMm: readonly [number, number];
}

/** The long axis in mm: start, unit direction, unit normal (left of the direction) and length. */
function longFrameMm(long: readonly [PointUv, PointUv], s: SpacingMmUv) {
  const ax = long[0][0] * s[0];
  const ay = long[0][1] * s[1];
  const dx = long[1][0] * s[0] - ax;
  const dy = long[1][1] * s[1] - ay;
  const len = Math.hypot(dx, dy);
  const ux = len > 0 ? dx / len : 1;
  const uy = len > 0 ? dy / len : 0;
  return { ax, ay, ux, uy, nx: -uy, ny: ux, len };
}

/** The short axis perpendicular (in mm) to the long axis, placed as `p` says. */
export function shortAxisUv(long: readonly [PointUv, PointUv], spacingMmUv: SpacingMmUv, p: ShortAxisPlacement): [PointUv, PointUv] {
  const f = longFrameMm(long, spacingMmUv);
  const cx = f.ax + f.ux * f.len * p.crossFraction;
  const cy = f.ay + f.uy * f.len * p.crossFraction;
  const [h0, h1] = p.halfLengthsMm;
  const [su, sv] = spacingMmUv;
  return [
    [(cx + f.nx * h0) / su, (cy + f.ny * h0) / sv],
    [(cx - f.nx * h1) / su, (cy - f.ny * h1) / sv],
  ];
}

/** The placement of a short axis (its first end projected on the long axis; each end's distance from the long axis' line, in mm). */
export function shortAxisPlacement(b: BidirectionalUv, spacingMmUv: SpacingMmUv): ShortAxisPlacement {
  const f = longFrameMm(b.long, spacingMmUv);
  const [su, sv] = spacingMmUv;
  const rel = (p: PointUv): [number, number] => [p[0] * su - f.ax, p[1] * sv - f.ay];
  const [c0x, c0y] = rel(b.short[0]);
  const [c1x, c1y] = rel(b.short[1]);
  const along = ((c0x + c1x) / 2) * f.ux + ((c0y + c1y) / 2) * f.uy;
  return {
    crossFraction: f.len > 0 ? along / f.len : 0.5,
    halfLengthsMm: [Math.max(0, c0x * f.nx + c0y * f.ny), Math.max(0, -(c1x * f.nx + c1y * f.ny))],
  };
}

/** A new bidirectional measurement from its long axis: the short axis through the middle, half as long. */
export function bidirectionalOfLongUv(a: PointUv, b: PointUv, spacingMmUv: SpacingMmUv): BidirectionalUv {
  const quarter = segmentLengthMm(a, b, spacingMmUv) / 4;
  const long = [a, b] as const;
  return { long, short: shortAxisUv(long, spacingMmUv, { crossFraction: 0.5, halfLengthsMm: [quarter, quarter] }) };
}

/**
 * The bidirectional measurement with one of its four points moved to `p`
 * (0, 1: the long axis' ends; 2, 3: the short axis' ends): moving a long
 * end keeps the short axis' placement (it turns with the long axis); moving
 * a short end changes only that half's length (the end stays on the
 * perpendicular).
 */
export function moveBidirectionalPointUv(b: BidirectionalUv, index: 0 | 1 | 2 | 3, p: PointUv, spacingMmUv: SpacingMmUv): BidirectionalUv {
  const place = shortAxisPlacement(b, spacingMmUv);
  if (index < 2) {
    const long: [PointUv, PointUv] = index === 0 ? [p, b.long[1]] : [b.long[0], p];
    return { long, short: shortAxisUv(long, spacingMmUv, place) };
  }
  const f = longFrameMm(b.long, spacingMmUv);
  const d = (p[0] * spacingMmUv[0] - f.ax) * f.nx + (p[1] * spacingMmUv[1] - f.ay) * f.ny;
  const halves: [number, number] = index === 2 ? [Math.max(0, d), place.halfLengthsMm[1]] : [place.halfLengthsMm[0], Math.max(0, -d)];
  return { long: b.long, short: shortAxisUv(b.long, spacingMmUv, { crossFraction: place.crossFraction, halfLengthsMm: halves }) };
}

/** The long and short axes' lengths in mm. */
export function bidirectionalLengthsMm(b: BidirectionalUv, spacingMmUv: SpacingMmUv): { longMm: number; shortMm: number } {
  return { longMm: segmentLengthMm(b.long[0], b.long[1], spacingMmUv), shortMm: segmentLengthMm(b.short[0], b.short[1], spacingMmUv) };
}
