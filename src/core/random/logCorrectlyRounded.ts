/**
 * Natural logarithm rounded to nearest in (practically) every case.
 *
 * Why: numpy's Dirichlet start draws g = -log(1 - u) with the C library's
 * log, which on the reference machine (glibc 2.36) agrees with the correctly
 * rounded logarithm on every value the GK start needs, while V8's `Math.log`
 * (an fdlibm port, error below 1 ulp) differs from it in about 7 % of the
 * draws. One different last bit changes a Dirichlet row sum and so every
 * membership of that row, so the reproduction needs the correctly rounded log.
 *
 * Variant: table-driven double-double evaluation. x = 2^k * m with
 * m in [sqrt(1/2), sqrt(2)); c = j/2048 is the table point nearest to m, and
 * log(x) = k*ln2 + log(c) + 2*atanh(s) with s = (m - c)/(m + c), |s| < 2^-12.
 * log(c) and ln2 are tabulated as double-double (hi + lo, about 106 bits) from
 * an exact BigInt fixed-point series on first use. The final error before
 * rounding is below about 2^-78 relative, so the result is the correctly
 * rounded value except when the exact logarithm lies within that distance of
 * a rounding midpoint (probability of the order of 2^-24 per call).
 *
 * Cost: about 40 floating-point operations per call (no allocation); a
 * one-off table of 1450 double-double entries (23 kB), built once.
 */

const TABLE_SCALE = 2048;
const J_MIN = 1448; // round(2048 * m) for m just above sqrt(1/2)
const J_MAX = 2896; // round(2048 * sqrt(2))
const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp split)

let logcHi: Float64Array | null = null;
let logcLo: Float64Array | null = null;
let ln2Hi = 0; // ln 2 rounded to 42 significant bits: k * ln2Hi is exact
let ln2Lo = 0;

const FIXED_BITS = 150n;
const ONE = 1n << FIXED_BITS;

/** 2*atanh(num/den) in fixed point (scale 2^150), by its Taylor series. */
function atanh2Fixed(num: bigint, den: bigint): bigint {
  if (num < 0n) return -atanh2Fixed(-num, den); // odd function; keeps the shifts on non-negative values
  const s = (num * ONE) / den;
  const s2 = (s * s) >> FIXED_BITS;
  let p = s;
  let sum = 0n;
  for (let n = 1n; p !== 0n; n += 2n) {
    sum += p / n;
    p = (p * s2) >> FIXED_BITS;
  }
  return 2n * sum;
}

/** Split a fixed-point value into a double-double (hi, lo) pair. */
function fixedToDd(v: bigint): [number, number] {
  const scale = 2 ** Number(FIXED_BITS);
  const hi = Number(v) / scale;
  const hiFixed = BigInt(hi * scale); // exact: hi * 2^150 is an integer-valued double
  const lo = Number(v - hiFixed) / scale;
  return [hi, lo];
}

function buildTables(): void {
  const hiArr = new Float64Array(J_MAX - J_MIN + 1);
  const loArr = new Float64Array(J_MAX - J_MIN + 1);
  for (let j = J_MIN; j <= J_MAX; j++) {
    // log(j/2048) = 2 atanh((j - 2048)/(j + 2048))
    const [hi, lo] = fixedToDd(atanh2Fixed(BigInt(j - TABLE_SCALE), BigInt(j + TABLE_SCALE)));
    hiArr[j - J_MIN] = hi;
    loArr[j - J_MIN] = lo;
  }
  // ln 2 = 2 atanh(1/3); keep 42 bits in the high part.
  const ln2 = atanh2Fixed(1n, 3n);
  const drop = FIXED_BITS + 1n - 42n; // ln2 < 1: its leading bit is 2^-1
  const ln2HiFixed = (ln2 >> drop) << drop;
  ln2Hi = Number(ln2HiFixed) / 2 ** Number(FIXED_BITS);
  ln2Lo = fixedToDd(ln2 - ln2HiFixed)[0];
  logcLo = loArr;
  logcHi = hiArr;
}

/** POW2_NEG[e + 1023] = 2^-e for the exponents of normal doubles (e in -1022..1023). */
const POW2_NEG = Float64Array.from({ length: 2047 }, (_, i) => 2 ** (1023 - i));

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // word holding the exponent

/** Correctly rounded natural logarithm (see the file header for the error bound). */
export function logCorrectlyRounded(x: number): number {
  if (!(x > 0) || x === Infinity) return Math.log(x); // NaN, 0, negatives, +Infinity
  if (logcHi === null) buildTables();
  const tabHi = logcHi as Float64Array;
  const tabLo = logcLo as Float64Array;

  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormals become normal
    k = -54;
  }
  f64[0] = x;
  const ex = (u32[HI] >>> 20) - 1023;
  k += ex;
  // Mantissa in [1, 2): x * 2^-ex is exact (a power of two, x normal here); reading it back
  // through the punned word instead would stall on the partial store.
  let m = x * POW2_NEG[ex + 1023];
  if (m > 1.4142135623730951) {
    m *= 0.5;
    k += 1;
  }

  const j = Math.round(m * TABLE_SCALE);
  const c = j / TABLE_SCALE;
  const t = m - c; // exact
  // d = 2c + t as a double-double (Fast2Sum: |2c| > |t|)
  const dHi = 2 * c + t;
  const dLo = 2 * c - dHi + t;
  // s = t / d as a double-double
  const sHi = t / dHi;
  // p = sHi * dHi exactly (Dekker's product)
  const p = sHi * dHi;
  let q = SPLITTER * sHi;
  const sh = q - (q - sHi);
  const sl = sHi - sh;
  q = SPLITTER * dHi;
  const dh = q - (q - dHi);
  const dl = dHi - dh;
  const pe = sh * dh - p + sh * dl + sl * dh + sl * dl;
  const sLo = (t - p - pe - sHi * dLo) / dHi;
  // 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ... (|s| < 2^-12)
  const s2 = sHi * sHi;
  const tail = 2 * sLo + 2 * sHi * s2 * (1 / 3 + s2 * (1 / 5 + s2 * (1 / 7)));

  // k ln2 + log(c) + 2 sHi + lows, summed as a double-double
  const a = k * ln2Hi; // exact
  const b = tabHi[j - J_MIN];
  let h = a + b;
  let bb = h - a;
  let e = a - (h - bb) + (b - bb);
  const twoS = 2 * sHi;
  const h2 = h + twoS;
  bb = h2 - h;
  e += h - (h2 - bb) + (twoS - bb);
  h = h2;
  return h + (e + (k * ln2Lo + tabLo[j - J_MIN] + tail));
}
