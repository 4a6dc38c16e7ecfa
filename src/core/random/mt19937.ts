/**
 * Mersenne Twister MT19937 (Matsumoto & Nishimura 1998), 32-bit version.
 *
 * Variant: the reference implementation `mt19937ar.c` with `init_genrand`
 * seeding, which is also what numpy's legacy `RandomState(seed)` does for an
 * integer seed (numpy's `mt19937_seed`). `nextDouble` is `genrand_res53`
 * (numpy's `random_sample` / `legacy_double`): 53 random bits from two draws.
 * The output streams are therefore bit-identical to numpy's RandomState.
 *
 * Cost: O(1) amortised per draw (the 624-word state is regenerated every 624
 * draws); memory 2.5 kB per generator.
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** Seed with `init_genrand(seed)`; the seed is taken modulo 2^32. */
  constructor(seed: number) {
    this.initGenrand(seed);
  }

  /** `init_genrand`: Knuth's linear recurrence over the 624 state words. */
  initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.mti = N;
  }

  /** Regenerate the 624 state words (the "twist"). */
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    let y: number;
    for (; kk < N - M; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /** `genrand_int32`: next tempered 32-bit output in [0, 2^32). */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * Fill out[start .. start + count) with successive `genrand_res53` values;
   * the same stream as calling `nextDouble` count times, without the
   * per-call overhead.
   */
  fillDoubles(out: Float64Array, start: number, count: number): void {
    const mt = this.mt;
    let mti = this.mti;
    const end = start + count;
    for (let i = start; i < end; i++) {
      if (mti >= N) {
        this.twist();
        mti = 0;
      }
      let a = mt[mti++];
      a ^= a >>> 11;
      a ^= (a << 7) & 0x9d2c5680;
      a ^= (a << 15) & 0xefc60000;
      a ^= a >>> 18;
      if (mti >= N) {
        this.twist();
        mti = 0;
      }
      let b = mt[mti++];
      b ^= b >>> 11;
      b ^= (b << 7) & 0x9d2c5680;
      b ^= (b << 15) & 0xefc60000;
      b ^= b >>> 18;
      out[i] = ((a >>> 5) * 67108864.0 + (b >>> 6)) / 9007199254740992.0;
    }
    this.mti = mti;
  }

  /** `genrand_res53`: uniform double in [0, 1) with 53-bit resolution. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
}
