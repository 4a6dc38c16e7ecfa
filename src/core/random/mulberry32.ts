/**
 * mulberry32: a tiny, fast, seeded 32-bit PRNG returning uniform doubles in
 * [0, 1). Statistically adequate for synthetic data and randomized tests;
 * not for the GK start, which must match numpy (see mt19937.ts).
 * Cost: a handful of integer operations per draw, 4 bytes of state.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
