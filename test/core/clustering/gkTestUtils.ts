/**
 * Test helpers for the GK suites: a literal per-pixel GK after
 * seed_pipeline.py, and small synthetic "lung-only" images.
 */
import { GK_DISTANCE_FLOOR } from '../../../src/core/clustering/gustafsonKessel';
import { dirichletOnes } from '../../../src/core/random/dirichlet';
import { Mt19937 } from '../../../src/core/random/mt19937';

/** Standard normal draws (Box–Muller) for test data. */
export function normal(g: Mt19937): number {
  return Math.sqrt(-2 * Math.log(1 - g.nextDouble())) * Math.cos(2 * Math.PI * g.nextDouble());
}

/**
 * The reference GK for one feature, written literally after seed_pipeline.py
 * (GK.fit / next_centers / _covariance / _distance / next_u / predict) on a
 * per-pixel C x N membership matrix.
 */
export function literalGk1d(z: ArrayLike<number>, C: number, seed: number, maxIter = 100, error = 1e-6, init?: Float64Array) {
  const N = z.length;
  let u = init ? Float64Array.from(init) : dirichletOnes(new Mt19937(seed), N, C);
  let centers = new Float64Array(C);
  let f = new Float64Array(C);
  let iteration = 0;
  let lastDelta = NaN;
  const distances = (v: Float64Array, fc: Float64Array) => {
    const d = new Float64Array(C * N);
    for (let i = 0; i < C; i++) {
      const a = fc[i] > 0 && Number.isFinite(fc[i]) ? fc[i] * (1 / fc[i]) : 1; // det(F)^(1/n) F^-1
      for (let k = 0; k < N; k++) d[i * N + k] = (z[k] - v[i]) * a * (z[k] - v[i]);
    }
    return d;
  };
  const nextU = (d: Float64Array) => {
    const out = new Float64Array(C * N);
    for (let k = 0; k < N; k++) {
      let s = 0;
      for (let i = 0; i < C; i++) s += 1 / Math.max(d[i * N + k], GK_DISTANCE_FLOOR);
      for (let i = 0; i < C; i++) out[i * N + k] = 1 / Math.max(d[i * N + k], GK_DISTANCE_FLOOR) / s;
    }
    return out;
  };
  while (iteration < maxIter) {
    const u2 = u;
    centers = new Float64Array(C);
    f = new Float64Array(C);
    for (let i = 0; i < C; i++) {
      let s = 0;
      let sz = 0;
      for (let k = 0; k < N; k++) {
        s += u[i * N + k] ** 2;
        sz += u[i * N + k] ** 2 * z[k];
      }
      centers[i] = sz / s;
      let sf = 0;
      for (let k = 0; k < N; k++) sf += u[i * N + k] ** 2 * (z[k] - centers[i]) ** 2;
      f[i] = sf / s;
    }
    u = nextU(distances(centers, f));
    iteration++;
    let d2 = 0;
    for (let j = 0; j < C * N; j++) d2 += (u[j] - u2[j]) ** 2;
    lastDelta = Math.sqrt(d2);
    if (lastDelta < error) break;
  }
  const uu = nextU(distances(centers, f));
  const labels = new Uint8Array(N);
  for (let k = 0; k < N; k++) {
    let best = 0;
    for (let i = 1; i < C; i++) if (uu[i * N + k] > uu[best * N + k]) best = i;
    labels[k] = best;
  }
  return { centers, labels, iterations: iteration, lastDelta };
}

/** A small "lung-only slice": many 0 pixels outside, and a few tissue classes with noise inside. */
export function syntheticSlice(n: number, seed: number): Int16Array {
  const g = new Mt19937(seed);
  const out = new Int16Array(n);
  const classes = [-880, -780, -550, 40];
  for (let k = 0; k < n; k++) {
    if (g.nextDouble() < 0.6) continue; // outside the lung: 0 HU
    const c = classes[Math.floor(g.nextDouble() * classes.length)];
    out[k] = Math.round(c + 35 * normal(g));
  }
  return out;
}


/** The seed's min_label_volume + kept mask, literally: np.unique over the per-pixel truncated centres. */
export function literalKeep(centers: Float64Array, labels: Uint8Array): { keptValue: number; mask: Uint8Array } {
  const seg = Array.from(labels, (l) => Math.trunc(centers[l]));
  const counts = new Map<number, number>();
  for (const v of seg) counts.set(v, (counts.get(v) ?? 0) + 1);
  const values = [...counts.keys()].sort((x, y) => x - y);
  let keptValue = values[0];
  for (const v of values) if (counts.get(v)! < counts.get(keptValue)!) keptValue = v;
  return { keptValue, mask: Uint8Array.from(seg, (v) => (v === keptValue ? 1 : 0)) };
}
