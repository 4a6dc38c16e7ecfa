import { describe, expect, it } from 'vitest';
import {
  GK_DEFAULT_PARAMS,
  gkHistogram,
  resolveGkParams,
  gustafsonKessel,
  valueHistogram,
} from '../../../src/core/clustering/gustafsonKessel';
import { dirichletOnes } from '../../../src/core/random/dirichlet';
import { Mt19937 } from '../../../src/core/random/mt19937';
import { literalGk1d, normal, syntheticSlice } from './gkTestUtils';


/** Two long thin parallel clusters: y = +1 and y = -1, x spread over [-10, 10]. */
function elongatedPair(perCluster: number, seed: number): { points: Float64Array; truth: Uint8Array } {
  const g = new Mt19937(seed);
  const points = new Float64Array(perCluster * 2 * 2);
  const truth = new Uint8Array(perCluster * 2);
  for (let k = 0; k < perCluster * 2; k++) {
    const c = k % 2;
    points[2 * k] = -10 + 20 * g.nextDouble();
    points[2 * k + 1] = (c === 0 ? 1 : -1) + 0.15 * normal(g);
    truth[k] = c;
  }
  return { points, truth };
}

/** Fraction of points whose label agrees with the truth, best over the two label permutations. */
function agreement(labels: Uint8Array, truth: Uint8Array): number {
  let same = 0;
  for (let k = 0; k < truth.length; k++) if (labels[k] === truth[k]) same++;
  return Math.max(same, truth.length - same) / truth.length;
}

/** Fuzzy c-means with the Euclidean norm (n = 2), from the same start, for comparison. */
function fuzzyCMeansEuclidean(points: Float64Array, C: number, u0: Float64Array, iters: number): Uint8Array {
  const N = points.length / 2;
  const u = Float64Array.from(u0);
  const v = new Float64Array(2 * C);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < C; i++) {
      let s = 0;
      let sx = 0;
      let sy = 0;
      for (let k = 0; k < N; k++) {
        const w = u[i * N + k] ** 2;
        s += w;
        sx += w * points[2 * k];
        sy += w * points[2 * k + 1];
      }
      v[2 * i] = sx / s;
      v[2 * i + 1] = sy / s;
    }
    for (let k = 0; k < N; k++) {
      let tot = 0;
      for (let i = 0; i < C; i++) {
        const d = Math.max((points[2 * k] - v[2 * i]) ** 2 + (points[2 * k + 1] - v[2 * i + 1]) ** 2, 1e-12);
        u[i * N + k] = 1 / d;
        tot += 1 / d;
      }
      for (let i = 0; i < C; i++) u[i * N + k] /= tot;
    }
  }
  const labels = new Uint8Array(N);
  for (let k = 0; k < N; k++) labels[k] = u[N + k] > u[k] ? 1 : 0;
  return labels;
}

describe('gustafsonKessel (n-dimensional)', () => {
  it('separates two long parallel clusters that Euclidean fuzzy c-means cuts across', () => {
    const { points, truth } = elongatedPair(200, 11);
    // GK has local optima (the left/right cut is one): most random starts find
    // the parallel clusters, none of the Euclidean runs does.
    let gkFound = 0;
    for (let seed = 0; seed < 8; seed++) {
      const gk = gustafsonKessel(points, 2, { clusters: 2, seed, maxIter: 300 });
      const a = agreement(gk.labels, truth);
      if (a > 0.99) gkFound++;
      else expect(a, `GK, seed ${seed}: any other optimum is a cut across`).toBeLessThan(0.75);
      const fcm = fuzzyCMeansEuclidean(points, 2, dirichletOnes(new Mt19937(seed), 400, 2), 300);
      expect(agreement(fcm, truth), `FCM, seed ${seed}`).toBeLessThan(0.75);
    }
    expect(gkFound).toBeGreaterThanOrEqual(6);
  });

  it('adapts each norm matrix to its cluster: covariance long along x, short along y, det(A) = 1', () => {
    const { points } = elongatedPair(200, 5);
    const gk = gustafsonKessel(points, 2, { clusters: 2, maxIter: 200 });
    for (let i = 0; i < 2; i++) {
      const [fxx, fxy, , fyy] = gk.covariances.subarray(4 * i, 4 * i + 4);
      // x uniform on 20 units: variance 100/3; y: 0.15^2 (fuzzy-weighted, so roughly)
      expect(fxx).toBeGreaterThan(20);
      expect(fyy).toBeLessThan(0.1);
      expect(Math.abs(fxy)).toBeLessThan(1);
      expect(Math.abs(gk.centers[2 * i + 1])).toBeCloseTo(1, 1);
    }
    // memberships are a fuzzy partition
    const N = 400;
    for (let k = 0; k < N; k++) expect(gk.memberships[k] + gk.memberships[N + k]).toBeCloseTo(1, 12);
  });

  it('with one feature equals the literal per-pixel seed algorithm', () => {
    const z = syntheticSlice(1500, 3);
    const lit = literalGk1d(z, 5, 0);
    const gk = gustafsonKessel(Float64Array.from(z), 1, { clusters: 5, seed: 0 });
    expect(gk.iterations).toBe(lit.iterations);
    for (let i = 0; i < 5; i++) expect(gk.centers[i]).toBeCloseTo(lit.centers[i], 9);
    expect(Array.from(gk.labels)).toEqual(Array.from(lit.labels));
  });

  it('falls back on the Euclidean norm for a singular covariance (all points equal)', () => {
    const gk = gustafsonKessel(new Float64Array([3, 3, 3, 3, 3, 3]), 2, { clusters: 2 });
    expect(gk.singularCovarianceEvents).toBeGreaterThan(0);
    expect(Array.from(gk.centers)).toEqual([3, 3, 3, 3]);
    expect(gk.iterations).toBe(2); // the second update changes nothing
  });
});

describe('gkHistogram (1-D GK on the value histogram)', () => {
  it('matches the literal per-pixel algorithm: centres, labels, iterations and the last change', () => {
    for (const [n, seed] of [
      [2000, 1],
      [3001, 2],
      [5000, 3],
    ]) {
      const z = syntheticSlice(n, seed);
      const lit = literalGk1d(z, 5, 0);
      const h = gkHistogram(z, { seed: 0 });
      expect(h.iterations).toBe(lit.iterations);
      for (let i = 0; i < 5; i++) expect(Math.abs(h.centers[i] - lit.centers[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(lit.centers[i])));
      expect(h.lastDelta).toBeCloseTo(lit.lastDelta, 9);
      const bin = new Map(Array.from(h.binValues).map((v, b) => [v, b]));
      for (let k = 0; k < n; k++) expect(h.binLabels[bin.get(z[k])!]).toBe(lit.labels[k]);
      const ppc = new Array(5).fill(0);
      for (let k = 0; k < n; k++) ppc[lit.labels[k]]++;
      expect(Array.from(h.pixelsPerCluster)).toEqual(ppc);
    }
  });

  it('matches the literal algorithm when it stops early on the error threshold', () => {
    const z = syntheticSlice(1200, 9);
    const lit = literalGk1d(z, 3, 4, 500, 1e-3);
    const h = gkHistogram(z, { clusters: 3, seed: 4, maxIter: 500, error: 1e-3 });
    expect(lit.iterations).toBeLessThan(500);
    expect(h.iterations).toBe(lit.iterations);
    for (let i = 0; i < 3; i++) expect(h.centers[i]).toBeCloseTo(lit.centers[i], 8);
  });

  it('measures the first change over every pixel (random start to per-value memberships)', () => {
    const z = syntheticSlice(800, 4);
    const lit = literalGk1d(z, 5, 2, 1);
    const h = gkHistogram(z, { seed: 2, maxIter: 1 });
    expect(h.iterations).toBe(1);
    expect(h.lastDelta).toBeCloseTo(lit.lastDelta, 10);
  });

  it('builds the histogram of distinct values with counts', () => {
    const h = valueHistogram(new Int16Array([5, -3, 5, 0, 0, 0, 7]));
    expect(h.minValue).toBe(-3);
    expect(Array.from(h.binValues)).toEqual([-3, 0, 5, 7]);
    expect(Array.from(h.binCounts)).toEqual([1, 3, 2, 1]);
    expect(h.binOfValue[5 - -3]).toBe(2);
    expect(h.binOfValue[1 - -3]).toBe(-1);
  });
});

describe('resolveGkParams', () => {
  it("defaults to the tutorial's parameters (5 clusters, m 2, 100 iterations, error 1e-6, seed 0)", () => {
    expect(resolveGkParams()).toEqual({ clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0 });
    expect(resolveGkParams({ seed: undefined, clusters: 3 })).toEqual({ ...GK_DEFAULT_PARAMS, clusters: 3 });
  });

  it('rejects impossible parameters', () => {
    expect(() => resolveGkParams({ clusters: 0 })).toThrow(RangeError);
    expect(() => resolveGkParams({ clusters: 2.5 })).toThrow(RangeError);
    expect(() => resolveGkParams({ m: 1 })).toThrow(RangeError);
    expect(() => resolveGkParams({ maxIter: 0 })).toThrow(RangeError);
  });
});
