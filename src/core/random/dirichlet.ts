/**
 * Dirichlet draws with all concentrations 1, reproducing numpy's legacy
 * `RandomState(seed).dirichlet(np.ones(n), size=rows)` bit for bit.
 *
 * Variant (numpy's `RandomState.dirichlet`, legacy code path): every entry is a
 * standard gamma with shape 1, which numpy's legacy generator draws as a
 * standard exponential g = -log(1 - genrand_res53()). Draws are taken row by
 * row; each row is summed sequentially from its first element, and then every
 * element is multiplied by 1/sum (not divided by the sum). The log is the
 * correctly rounded one (logCorrectlyRounded.ts), which is what the C library
 * gave numpy on every draw checked; with V8's Math.log some row sums differ
 * in the last bit.
 *
 * Cost: O(rows * n) draws (two MT19937 outputs and one log each); memory
 * one Float64Array of rows * n.
 */
import { logCorrectlyRounded } from './logCorrectlyRounded';
import { Mt19937 } from './mt19937';

/**
 * `rows` Dirichlet(1, ..., 1) vectors of length `n`, row-major in one
 * Float64Array (row r is out[r*n .. r*n + n)); every row sums to 1.
 */
export function dirichletOnes(rng: Mt19937, n: number, rows: number): Float64Array {
  const out = new Float64Array(rows * n);
  // The uniforms of all rows first: the same stream, in row-major order.
  rng.fillDoubles(out, 0, rows * n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let acc = 0.0;
    for (let j = base; j < base + n; j++) {
      const g = -logCorrectlyRounded(1.0 - out[j]);
      out[j] = g;
      acc += g;
    }
    const inv = 1 / acc;
    for (let j = 0; j < n; j++) out[base + j] *= inv;
  }
  return out;
}

let cacheKey = '';
let cacheValue: Float64Array | null = null;

/**
 * `dirichletOnes(new Mt19937(seed), n, rows)`, remembered for the last
 * (seed, n, rows) asked for. The clustering of every slice of one series
 * starts from the same draws (numpy's RandomState is re-seeded per slice),
 * so a run over many slices pays for them once. The returned array is shared:
 * callers must not modify it.
 */
export function cachedDirichletOnes(seed: number, n: number, rows: number): Float64Array {
  const key = `${seed}/${n}/${rows}`;
  if (cacheValue === null || cacheKey !== key) {
    cacheValue = dirichletOnes(new Mt19937(seed), n, rows);
    cacheKey = key;
  }
  return cacheValue;
}

/**
 * Hands cachedDirichletOnes the draws for (seed, n, rows) made elsewhere
 * (the command line draws them on its worker thread while this one reads
 * the folder): `values` must be `dirichletOnes(new Mt19937(seed), n, rows)`.
 */
export function primeDirichletOnes(seed: number, n: number, rows: number, values: Float64Array): void {
  if (values.length !== n * rows) throw new RangeError(`Dirichlet start: ${values.length} values for ${rows} x ${n}`);
  cacheValue = values;
  cacheKey = `${seed}/${n}/${rows}`;
}

/** Whether cachedDirichletOnes holds the draws for (seed, n, rows). */
export function hasDirichletOnes(seed: number, n: number, rows: number): boolean {
  return cacheValue !== null && cacheKey === `${seed}/${n}/${rows}`;
}
