/**
 * Gustafson–Kessel fuzzy clustering (D. E. Gustafson & W. C. Kessel, "Fuzzy
 * clustering with a fuzzy covariance matrix", IEEE CDC 1979).
 *
 * Fuzzy c-means in which every cluster i carries its own norm matrix A_i,
 * adapted to the shape of the cluster, so that elongated or flat clusters are
 * found where the Euclidean norm would cut across them. One iteration, for
 * points x_k (n features), memberships u_ik (C clusters x N points), m > 1:
 *
 *   v_i  = sum_k u_ik^m x_k / sum_k u_ik^m                        fuzzy centre
 *   F_i  = sum_k u_ik^m (x_k - v_i)(x_k - v_i)^T / sum_k u_ik^m   fuzzy covariance
 *   A_i  = (rho_i det F_i)^(1/n) F_i^-1, rho_i = 1                norm matrix (det A_i = 1)
 *   D_ik = (x_k - v_i)^T A_i (x_k - v_i)                          squared distance
 *   u_ik = D_ik^-p / sum_j D_jk^-p, p = 1/(m - 1)                 membership update
 *
 * Variant: the one of the reference pipeline (seed_pipeline.py, class GK):
 * the start is numpy's RandomState(seed).dirichlet(ones(N), size=C) (each
 * cluster's row sums to 1 over the points), squared distances are floored at
 * 1e-12 before the inverse power, a covariance with det <= 0 (or not finite)
 * falls back on A_i = I, iterations stop after maxIter or when the Frobenius
 * norm of the change of the whole C x N membership matrix is below `error`,
 * and a point's label is the cluster of highest membership (first on ties),
 * computed from the final centres and covariances.
 *
 * Two entry points:
 * - `gustafsonKessel`: the general n-dimensional algorithm on N points.
 *   Cost O(maxIter * C * N * n^2) time, O(C * N) memory.
 * - `gkHistogram`: the 1-D case (one feature: the HU value) computed on the
 *   histogram of distinct values. With n = 1, A_i = 1 and GK is fuzzy c-means;
 *   after the first update a point's memberships depend only on its value, so
 *   iterations 2.. run over the B distinct values weighted by their counts.
 *   The first update is the only one that sees per-pixel memberships (the
 *   random start); it is computed exactly from per-value sums of the start
 *   memberships (one O(C * N) pass), including the first stopping test.
 *   The seeded start depends only on (seed, N, C) and is drawn once and
 *   shared by every slice of that size (cachedDirichletOnes). On the real
 *   series this reproduces the reference centres to ~1e-14 relative, and its
 *   labels exactly.
 *   Cost O(C * N) + O(maxIter * C * B) time (the start is drawn once per
 *   slice size), O(C * (N + B)) memory (the start).
 */
import { cachedDirichletOnes, dirichletOnes } from '../random/dirichlet';
import { Mt19937 } from '../random/mt19937';

/** Squared distances are floored at this value before the inverse power. */
export const GK_DISTANCE_FLOOR = 1e-12;

export interface GkParams {
  /** Number of clusters C (5 in the tutorial). */
  clusters: number;
  /** Fuzzifier m > 1 (2). */
  m: number;
  /** Maximum number of iterations (100). */
  maxIter: number;
  /** Stop when the Frobenius norm of the membership change is below this (1e-6). */
  error: number;
  /** Seed of the Dirichlet start, as numpy's RandomState(seed) (0). */
  seed: number;
}

export const GK_DEFAULT_PARAMS: Readonly<GkParams> = Object.freeze({
  clusters: 5,
  m: 2,
  maxIter: 100,
  error: 1e-6,
  seed: 0,
});

export function resolveGkParams(params?: Partial<GkParams>): GkParams {
  const p: GkParams = { ...GK_DEFAULT_PARAMS };
  for (const key of Object.keys(GK_DEFAULT_PARAMS) as (keyof GkParams)[]) {
    const value = params?.[key];
    if (value !== undefined) p[key] = value; // an explicit undefined keeps the default
  }
  if (!Number.isInteger(p.clusters) || p.clusters < 1 || p.clusters > 255) {
    throw new RangeError(`GK: clusters must be an integer in 1..255, got ${p.clusters}`);
  }
  if (!(p.m > 1)) throw new RangeError(`GK: m must be > 1, got ${p.m}`);
  if (!Number.isInteger(p.maxIter) || p.maxIter < 1) {
    throw new RangeError(`GK: maxIter must be a positive integer, got ${p.maxIter}`);
  }
  return p;
}

export interface GkResult {
  /** Cluster centres, C x n row-major. */
  centers: Float64Array;
  /** Fuzzy covariance matrices F_i of the last iteration, C x n x n row-major. */
  covariances: Float64Array;
  /** Final memberships, C x N row-major (row i: cluster i over all points). */
  memberships: Float64Array;
  /** Cluster of highest membership per point (first cluster on ties). */
  labels: Uint8Array;
  /** Iterations run (1..maxIter). */
  iterations: number;
  /** Frobenius norm of the last membership change. */
  lastDelta: number;
  /** How often a covariance was singular and A_i = I was used. */
  singularCovarianceEvents: number;
}

/**
 * In-place LU decomposition with partial pivoting of the n x n matrix in
 * `a` (row-major); returns the determinant and writes the inverse into
 * `inv`. Small dense matrices only (n is the number of features).
 */
function detAndInverse(a: Float64Array, n: number, inv: Float64Array, perm: Int32Array): number {
  for (let i = 0; i < n; i++) perm[i] = i;
  let det = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(a[col * n + col]);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(a[r * n + col]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (piv !== col) {
      for (let c = 0; c < n; c++) {
        const t = a[col * n + c];
        a[col * n + c] = a[piv * n + c];
        a[piv * n + c] = t;
      }
      const t = perm[col];
      perm[col] = perm[piv];
      perm[piv] = t;
      det = -det;
    }
    const d = a[col * n + col];
    det *= d;
    if (d === 0) continue;
    for (let r = col + 1; r < n; r++) {
      const f = (a[r * n + col] /= d);
      for (let c = col + 1; c < n; c++) a[r * n + c] -= f * a[col * n + c];
    }
  }
  if (det === 0 || !Number.isFinite(det)) return det;
  // Solve L U X = P I column by column.
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let s = perm[i] === j ? 1 : 0;
      for (let k = 0; k < i; k++) s -= a[i * n + k] * inv[k * n + j];
      inv[i * n + j] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = inv[i * n + j];
      for (let k = i + 1; k < n; k++) s -= a[i * n + k] * inv[k * n + j];
      inv[i * n + j] = s / a[i * n + i];
    }
  }
  return det;
}

/**
 * Norm matrix A = det(F)^(1/n) F^-1 of a covariance F (n x n), written into
 * `out`; returns false (and writes the identity) when det F <= 0 or is not
 * finite.
 */
function normMatrix(f: Float64Array, fOffset: number, n: number, out: Float64Array, scratch: Float64Array, inv: Float64Array, perm: Int32Array): boolean {
  for (let i = 0; i < n * n; i++) scratch[i] = f[fOffset + i];
  const det = detAndInverse(scratch, n, inv, perm);
  if (!Number.isFinite(det) || det <= 0) {
    for (let i = 0; i < n * n; i++) out[i] = 0;
    for (let i = 0; i < n; i++) out[i * n + i] = 1;
    return false;
  }
  const scale = n === 1 ? det : Math.pow(det, 1 / n);
  for (let i = 0; i < n * n; i++) out[i] = scale * inv[i];
  return true;
}

/** u^m without a pow call for the usual m = 2. */
function powM(u: number, m: number): number {
  return m === 2 ? u * u : Math.pow(u, m);
}

/**
 * General Gustafson–Kessel clustering of N points with n features
 * (`points` is N x n row-major). `init` (C x N) replaces the seeded
 * Dirichlet start if given.
 */
export function gustafsonKessel(points: Float64Array, n: number, params?: Partial<GkParams>, init?: Float64Array): GkResult {
  const p = resolveGkParams(params);
  const C = p.clusters;
  if (!Number.isInteger(n) || n < 1 || points.length % n !== 0) {
    throw new RangeError(`GK: ${points.length} values are not N points of ${n} features`);
  }
  const N = points.length / n;
  let u: Float64Array = init ? Float64Array.from(init) : dirichletOnes(new Mt19937(p.seed), N, C);
  if (u.length !== C * N) throw new RangeError(`GK: start memberships must be C x N = ${C * N} values`);
  let uNew: Float64Array = new Float64Array(C * N);
  const um = new Float64Array(N);
  const centers = new Float64Array(C * n);
  const cov = new Float64Array(C * n * n);
  const norms = new Float64Array(C * n * n);
  const a = new Float64Array(n * n);
  const scratch = new Float64Array(n * n);
  const inv = new Float64Array(n * n);
  const perm = new Int32Array(n);
  const diff = new Float64Array(n);
  const expo = 1 / (p.m - 1);
  let singular = 0;
  let iteration = 0;
  let lastDelta = Infinity;

  while (iteration < p.maxIter) {
    // Centres and covariances from the current memberships.
    for (let i = 0; i < C; i++) {
      let sum = 0;
      const row = i * N;
      for (let k = 0; k < N; k++) {
        const w = powM(u[row + k], p.m);
        um[k] = w;
        sum += w;
      }
      for (let d = 0; d < n; d++) {
        let s = 0;
        for (let k = 0; k < N; k++) s += um[k] * points[k * n + d];
        centers[i * n + d] = s / sum;
      }
      const fo = i * n * n;
      for (let e = 0; e < n * n; e++) cov[fo + e] = 0;
      for (let k = 0; k < N; k++) {
        for (let d = 0; d < n; d++) diff[d] = points[k * n + d] - centers[i * n + d];
        const w = um[k];
        for (let d = 0; d < n; d++) {
          const wd = w * diff[d];
          for (let e = 0; e < n; e++) cov[fo + d * n + e] += wd * diff[e];
        }
      }
      for (let e = 0; e < n * n; e++) cov[fo + e] /= sum;
      if (!normMatrix(cov, fo, n, a, scratch, inv, perm)) singular++;
      norms.set(a, fo);
    }
    // Squared distances -> memberships (uNew holds D^-p, then is normalised).
    for (let i = 0; i < C; i++) {
      const fo = i * n * n;
      for (let k = 0; k < N; k++) {
        let dist = 0;
        for (let d = 0; d < n; d++) {
          let s = 0;
          for (let e = 0; e < n; e++) s += norms[fo + d * n + e] * (points[k * n + e] - centers[i * n + e]);
          dist += (points[k * n + d] - centers[i * n + d]) * s;
        }
        if (!(dist >= GK_DISTANCE_FLOOR)) dist = GK_DISTANCE_FLOOR;
        uNew[i * N + k] = expo === 1 ? 1 / dist : Math.pow(dist, -expo);
      }
    }
    let delta2 = 0;
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let i = 0; i < C; i++) s += uNew[i * N + k];
      for (let i = 0; i < C; i++) {
        const v = uNew[i * N + k] / s;
        uNew[i * N + k] = v;
        const dv = v - u[i * N + k];
        delta2 += dv * dv;
      }
    }
    const t = u;
    u = uNew;
    uNew = t;
    iteration++;
    lastDelta = Math.sqrt(delta2);
    if (lastDelta < p.error) break;
  }

  const labels = new Uint8Array(N);
  for (let k = 0; k < N; k++) {
    let best = 0;
    let bestU = u[k];
    for (let i = 1; i < C; i++) {
      const v = u[i * N + k];
      if (v > bestU) {
        bestU = v;
        best = i;
      }
    }
    labels[k] = best;
  }
  return { centers, covariances: cov, memberships: u, labels, iterations: iteration, lastDelta, singularCovarianceEvents: singular };
}

export interface GkHistogramResult {
  /** Cluster centres (HU), length C. */
  centers: Float64Array;
  /** Fuzzy variances F_i (1 x 1 covariances) of the last iteration, length C. */
  variances: Float64Array;
  /** Distinct values present, ascending. */
  binValues: Int32Array;
  /** Number of pixels holding each distinct value. */
  binCounts: Float64Array;
  /** Final memberships per distinct value, C x B row-major. */
  binMemberships: Float64Array;
  /** Cluster of highest membership per distinct value (first cluster on ties). */
  binLabels: Uint8Array;
  /** Number of pixels per cluster (the seed's np.bincount of the labels). */
  pixelsPerCluster: Int32Array;
  iterations: number;
  /** Frobenius norm of the last change of the whole C x N membership matrix. */
  lastDelta: number;
  singularCovarianceEvents: number;
}

/**
 * Histogram of an integer image: distinct values ascending, their counts,
 * and a lookup table from (value - minValue) to the bin index.
 */
export function valueHistogram(values: Int16Array | Int32Array): {
  minValue: number;
  binValues: Int32Array;
  binCounts: Float64Array;
  binOfValue: Int32Array;
} {
  const N = values.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < N; k++) {
    const v = values[k];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (N === 0) {
    lo = 0;
    hi = -1;
  }
  const range = hi - lo + 1;
  const counts = new Int32Array(Math.max(range, 0));
  for (let k = 0; k < N; k++) counts[values[k] - lo]++;
  let B = 0;
  for (let r = 0; r < range; r++) if (counts[r] > 0) B++;
  const binValues = new Int32Array(B);
  const binCounts = new Float64Array(B);
  const binOfValue = new Int32Array(Math.max(range, 0)).fill(-1);
  let b = 0;
  for (let r = 0; r < range; r++) {
    if (counts[r] > 0) {
      binValues[b] = lo + r;
      binCounts[b] = counts[r];
      binOfValue[r] = b;
      b++;
    }
  }
  return { minValue: lo, binValues, binCounts, binOfValue };
}

/**
 * Per-value sums of the start memberships that the first GK update needs:
 * W[i][b] = sum over the pixels k of value b of u0_ik^m, and, for the first
 * stopping test, S1[i][b] = sum u0_ik and S2[i][b] = sum u0_ik^2.
 */
export interface GkStartSums {
  weights: Float64Array;
  sum1: Float64Array;
  sum2: Float64Array;
}

interface RowTotals {
  m: number;
  /** Per cluster: sum_k u0_ik, sum_k u0_ik^2, sum_k u0_ik^m. */
  t1: Float64Array;
  t2: Float64Array;
  tm: Float64Array;
}

const rowTotalsCache = new WeakMap<Float64Array, RowTotals>();

/** Row totals of a start matrix, remembered per array (the start is shared by all slices). */
function startRowTotals(u0: Float64Array, C: number, N: number, m: number): RowTotals {
  const cached = rowTotalsCache.get(u0);
  if (cached && cached.m === m && cached.t1.length === C) return cached;
  const t1 = new Float64Array(C);
  const t2 = new Float64Array(C);
  const tm = new Float64Array(C);
  for (let i = 0; i < C; i++) {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let k = i * N; k < (i + 1) * N; k++) {
      const u = u0[k];
      a += u;
      b += u * u;
      c += powM(u, m);
    }
    t1[i] = a;
    t2[i] = b;
    tm[i] = c;
  }
  const r = { m, t1, t2, tm };
  rowTotalsCache.set(u0, r);
  return r;
}

/**
 * Start sums from per-pixel start memberships u0 (C x N): one pass over the
 * pixels. When one value holds at least half of the pixels (the 0-HU outside
 * of a lung-only slice), its pixels are skipped and its sums are the row
 * totals of u0 (computed once per start matrix) minus the other values' sums.
 */
function startSumsFromPixels(
  values: Int16Array | Int32Array,
  u0: Float64Array,
  C: number,
  m: number,
  minValue: number,
  binOfValue: Int32Array,
  binCounts: Float64Array,
): GkStartSums {
  const N = values.length;
  const B = binCounts.length;
  const weights = new Float64Array(C * B);
  const sum1 = new Float64Array(C * B);
  const sum2 = m === 2 ? weights : new Float64Array(C * B);
  let major = 0;
  for (let b = 1; b < B; b++) if (binCounts[b] > binCounts[major]) major = b;
  const useRemainder = binCounts[major] * 2 >= N && N >= 4096;
  const skipBin = useRemainder ? major : -1;
  // Pixel-major with the clusters inside: consecutive updates go to C
  // different accumulators rather than one long read-after-write chain.
  for (let k = 0; k < N; k++) {
    const b = binOfValue[values[k] - minValue];
    if (b === skipBin) continue;
    for (let i = 0, row = k, off = b; i < C; i++, row += N, off += B) {
      const u = u0[row];
      sum1[off] += u;
      if (m === 2) {
        weights[off] += u * u;
      } else {
        weights[off] += Math.pow(u, m);
        sum2[off] += u * u;
      }
    }
  }
  if (useRemainder) {
    const totals = startRowTotals(u0, C, N, m);
    for (let i = 0; i < C; i++) {
      const off = i * B;
      let r1 = 0;
      let r2 = 0;
      let rm = 0;
      for (let b = 0; b < B; b++) {
        if (b === major) continue;
        r1 += sum1[off + b];
        rm += weights[off + b];
        r2 += sum2[off + b];
      }
      sum1[off + major] = Math.max(totals.t1[i] - r1, 0);
      weights[off + major] = Math.max(totals.tm[i] - rm, 0);
      if (m !== 2) sum2[off + major] = Math.max(totals.t2[i] - r2, 0);
    }
  }
  return { weights, sum1, sum2 };
}

/** Start sums when every value b starts with its own memberships u0[i][b] (C x B), shared by its count pixels. */
export function startSumsFromBins(u0: Float64Array, binCounts: Float64Array, C: number, m: number): GkStartSums {
  const B = binCounts.length;
  const weights = new Float64Array(C * B);
  const sum1 = new Float64Array(C * B);
  const sum2 = new Float64Array(C * B);
  for (let i = 0; i < C; i++) {
    for (let b = 0; b < B; b++) {
      const u = u0[i * B + b];
      const n = binCounts[b];
      weights[i * B + b] = n * powM(u, m);
      sum1[i * B + b] = n * u;
      sum2[i * B + b] = n * u * u;
    }
  }
  return { weights, sum1, sum2 };
}

/**
 * The 1-D GK iterations on a weighted histogram, starting from the per-value
 * start sums (see GkStartSums). Iteration 1 takes its weights from `start`;
 * iterations 2.. use count_b * u_ib^m. The stopping test is the Frobenius
 * norm over all pixels: iteration 1 expands sum_k (u1_i(x_k) - u0_ik)^2 as
 * count_b u1^2 - 2 u1 S1 + S2 per value, later ones sum count_b (du_ib)^2.
 */
export function gkWeightedHistogram(
  binValues: Int32Array | Float64Array,
  binCounts: Float64Array,
  start: GkStartSums,
  params: GkParams,
): Omit<GkHistogramResult, 'binValues' | 'binCounts'> {
  const C = params.clusters;
  const B = binValues.length;
  const m = params.m;
  const expo = 1 / (m - 1);
  const x = Float64Array.from(binValues);
  const w = new Float64Array(C * B);
  w.set(start.weights);
  const u = new Float64Array(C * B);
  const centers = new Float64Array(C);
  const variances = new Float64Array(C);
  const scale = new Float64Array(C);
  const inv = new Float64Array(C);
  let singular = 0;
  let iteration = 0;
  let lastDelta = Infinity;

  while (iteration < params.maxIter) {
    for (let i = 0; i < C; i++) {
      const off = i * B;
      let sw = 0;
      let swx = 0;
      for (let b = 0; b < B; b++) {
        const wb = w[off + b];
        sw += wb;
        swx += wb * x[b];
      }
      const v = swx / sw;
      let sf = 0;
      for (let b = 0; b < B; b++) {
        const d = x[b] - v;
        sf += w[off + b] * d * d;
      }
      const f = sf / sw;
      centers[i] = v;
      variances[i] = f;
      // A = det(F)^(1/1) * F^-1: exactly 1 in exact arithmetic, kept as computed.
      if (!Number.isFinite(f) || f <= 0) {
        scale[i] = 1;
        singular++;
      } else {
        scale[i] = f * (1 / f);
      }
    }
    // One pass over the values: distances, memberships, the change, and the
    // next weights count_b * u^m.
    let delta2 = 0;
    for (let b = 0; b < B; b++) {
      const xb = x[b];
      let colSum = 0;
      for (let i = 0; i < C; i++) {
        const d = xb - centers[i];
        let dist = d * scale[i] * d;
        if (!(dist >= GK_DISTANCE_FLOOR)) dist = GK_DISTANCE_FLOOR;
        const r = expo === 1 ? 1 / dist : Math.pow(dist, -expo);
        inv[i] = r;
        colSum += r;
      }
      const nb = binCounts[b];
      for (let i = 0, j = b; i < C; i++, j += B) {
        const v = inv[i] / colSum;
        const dv = v - u[j];
        delta2 += nb * dv * dv;
        u[j] = v;
        w[j] = nb * (m === 2 ? v * v : Math.pow(v, m));
      }
    }
    if (iteration === 0) {
      // u was 0 above; the change from the per-pixel start u0 over the pixels
      // of value b is sum_k (v - u0_ik)^2 = count_b v^2 - 2 v S1 + S2.
      const s1 = start.sum1;
      const s2 = start.sum2;
      for (let j = 0; j < C * B; j++) delta2 += s2[j] - 2 * u[j] * s1[j];
    }
    iteration++;
    lastDelta = Math.sqrt(Math.max(delta2, 0));
    if (lastDelta < params.error) break;
  }

  const binLabels = new Uint8Array(B);
  const pixelsPerCluster = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    let best = 0;
    let bestU = u[b];
    for (let i = 1; i < C; i++) {
      const v = u[i * B + b];
      if (v > bestU) {
        bestU = v;
        best = i;
      }
    }
    binLabels[b] = best;
    pixelsPerCluster[best] += binCounts[b];
  }
  return {
    centers,
    variances,
    binMemberships: u,
    binLabels,
    pixelsPerCluster,
    iterations: iteration,
    lastDelta,
    singularCovarianceEvents: singular,
  };
}

/**
 * 1-D GK of integer pixel values (e.g. one lung-only HU slice), identical to
 * the per-pixel algorithm with a per-pixel Dirichlet start, computed on the
 * histogram of distinct values. `init` (C x N) replaces the seeded start.
 */
export function gkHistogram(values: Int16Array | Int32Array, params?: Partial<GkParams>, init?: Float64Array): GkHistogramResult {
  const p = resolveGkParams(params);
  const C = p.clusters;
  const N = values.length;
  if (N === 0) throw new RangeError('GK: no pixels to cluster');
  const u0 = init ?? cachedDirichletOnes(p.seed, N, C);
  if (u0.length !== C * N) throw new RangeError(`GK: start memberships must be C x N = ${C * N} values`);
  const h = valueHistogram(values);
  const start = startSumsFromPixels(values, u0, C, p.m, h.minValue, h.binOfValue, h.binCounts);
  const r = gkWeightedHistogram(h.binValues, h.binCounts, start, p);
  return { ...r, binValues: h.binValues, binCounts: h.binCounts };
}
