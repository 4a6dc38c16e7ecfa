import { describe, expect, it } from 'vitest';
import {
  bidirectionalLengthsMm,
  bidirectionalOfLongUv,
  ellipseAreaMm2,
  ellipseOfCornersUv,
  ellipseRoiStatsHu,
  moveBidirectionalPointUv,
  segmentLengthMm,
  shortAxisPlacement,
  type BidirectionalUv,
  type EllipseUv,
  type PointUv,
  type SpacingMmUv,
} from '../../../src/core/measure/planeMeasure';
import { mulberry32 } from '../../../src/core/random/mulberry32';

/** Every pixel tested against the ellipse equation, statistics in two passes. */
function bruteForce(hu: Int16Array, w: number, h: number, e: EllipseUv) {
  const inside: number[] = [];
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      const du = (u + 0.5 - e.centreUv[0]) / e.radiiUv[0];
      const dv = (v + 0.5 - e.centreUv[1]) / e.radiiUv[1];
      if (du * du + dv * dv <= 1) inside.push(hu[u + v * w]);
    }
  }
  if (!inside.length) return { pixels: 0, meanHu: null, sdHu: null, minHu: null, maxHu: null };
  const mean = inside.reduce((a, b) => a + b, 0) / inside.length;
  const sd = Math.sqrt(inside.reduce((a, b) => a + (b - mean) ** 2, 0) / inside.length);
  return { pixels: inside.length, meanHu: mean, sdHu: sd, minHu: Math.min(...inside), maxHu: Math.max(...inside) };
}

/** The mm vector from p to q. */
function mm(p: PointUv, q: PointUv, s: SpacingMmUv): [number, number] {
  return [(q[0] - p[0]) * s[0], (q[1] - p[1]) * s[1]];
}

describe('ruler', () => {
  it('measures in mm with the spacing of each axis', () => {
    expect(segmentLengthMm([1, 2], [7, 4], [0.5, 2])).toBe(5);
    expect(segmentLengthMm([3, 3], [3, 3], [0.7, 0.7])).toBe(0);
    expect(segmentLengthMm([0, 0], [0, 10], [0.7, 2.5])).toBe(25);
  });
});

describe('ellipse ROI', () => {
  it('has the area of the ellipse in mm²', () => {
    const e = ellipseOfCornersUv([10, 40], [30, 20]);
    expect(e).toEqual({ centreUv: [20, 30], radiiUv: [10, 10] });
    expect(ellipseAreaMm2(e, [0.5, 2])).toBeCloseTo(Math.PI * 5 * 20, 12);
  });

  it('equals a brute-force pass over every pixel, on random planes and ellipses (edges, clipping, pixel centres on the boundary)', () => {
    const rand = mulberry32(18);
    const w = 37;
    const h = 29;
    for (let trial = 0; trial < 400; trial++) {
      const hu = new Int16Array(w * h);
      for (let i = 0; i < hu.length; i++) hu[i] = Math.round(rand() * 4000) - 1024;
      // Half the trials on the pixel-centre lattice (boundary pixels exactly on the ellipse).
      const snap = trial % 2 === 0;
      const c = (x: number) => (snap ? Math.round(x) + 0.5 : x);
      const r = (x: number) => (snap ? Math.max(1, Math.round(x)) : x);
      const e: EllipseUv = { centreUv: [c(rand() * (w + 10) - 5), c(rand() * (h + 10) - 5)], radiiUv: [r(rand() * 15), r(rand() * 12)] };
      const got = ellipseRoiStatsHu(hu, w, h, e);
      const want = bruteForce(hu, w, h, e);
      expect(got.pixels).toBe(want.pixels);
      expect(got.minHu).toBe(want.minHu);
      expect(got.maxHu).toBe(want.maxHu);
      if (want.meanHu === null) {
        expect(got).toEqual(want);
      } else {
        expect(got.meanHu).toBeCloseTo(want.meanHu, 9);
        expect(got.sdHu).toBeCloseTo(want.sdHu!, 9);
      }
    }
  });

  it('counts a 5-pixel cross for a radius-1 circle centred on a pixel centre, and nothing for a flat ellipse', () => {
    const hu = Int16Array.from({ length: 25 }, (_, i) => i);
    const s = ellipseRoiStatsHu(hu, 5, 5, { centreUv: [2.5, 2.5], radiiUv: [1, 1] });
    expect(s.pixels).toBe(5);
    expect(s.meanHu).toBe((7 + 11 + 12 + 13 + 17) / 5);
    expect(s.minHu).toBe(7);
    expect(s.maxHu).toBe(17);
    expect(ellipseRoiStatsHu(hu, 5, 5, { centreUv: [2.5, 2.5], radiiUv: [3, 0] }).pixels).toBe(0);
  });
});

describe('bidirectional', () => {
  const spacings: SpacingMmUv[] = [[0.7, 0.7], [0.6, 2.5], [1.5, 0.4]];

  it('draws the short axis perpendicular in mm (not in pixels), through the middle, half as long', () => {
    for (const s of spacings) {
      const b = bidirectionalOfLongUv([10, 12], [40, 30], s);
      const [lx, ly] = mm(b.long[0], b.long[1], s);
      const [sx, sy] = mm(b.short[0], b.short[1], s);
      expect(lx * sx + ly * sy).toBeCloseTo(0, 9);
      const { longMm, shortMm } = bidirectionalLengthsMm(b, s);
      expect(longMm).toBeCloseTo(Math.hypot(30 * s[0], 18 * s[1]), 12);
      expect(shortMm).toBeCloseTo(longMm / 2, 9);
      const mid: PointUv = [(b.short[0][0] + b.short[1][0]) / 2, (b.short[0][1] + b.short[1][1]) / 2];
      expect(mid[0]).toBeCloseTo(25, 9);
      expect(mid[1]).toBeCloseTo(21, 9);
    }
  });

  it('keeps a short end on the perpendicular when dragged, and turns the short axis with the long one', () => {
    for (const s of spacings) {
      const b0: BidirectionalUv = bidirectionalOfLongUv([0, 0], [20, 0], s);
      // Drag short end 0 far off the perpendicular: only its distance from the long axis counts.
      const b1 = moveBidirectionalPointUv(b0, 2, [3, 8], s);
      expect(b1.long).toEqual(b0.long);
      expect(b1.short[0][0]).toBeCloseTo(10, 9);
      expect(b1.short[0][1]).toBeCloseTo(8, 9);
      expect(b1.short[1][1]).toBeCloseTo(b0.short[1][1], 9);
      // Move a long end: the short axis keeps its halves and crossing fraction, perpendicular again.
      const b2 = moveBidirectionalPointUv(b1, 1, [20, 20], s);
      const p1 = shortAxisPlacement(b1, s);
      const p2 = shortAxisPlacement(b2, s);
      expect(p2.crossFraction).toBeCloseTo(p1.crossFraction, 9);
      expect(p2.halfLengthsMm[0]).toBeCloseTo(p1.halfLengthsMm[0], 9);
      expect(p2.halfLengthsMm[1]).toBeCloseTo(p1.halfLengthsMm[1], 9);
      const [lx, ly] = mm(b2.long[0], b2.long[1], s);
      const [sx, sy] = mm(b2.short[0], b2.short[1], s);
      expect(lx * sx + ly * sy).toBeCloseTo(0, 9);
      expect(bidirectionalLengthsMm(b2, s).shortMm).toBeCloseTo(8 * s[1] + p1.halfLengthsMm[1], 9);
    }
  });
});
