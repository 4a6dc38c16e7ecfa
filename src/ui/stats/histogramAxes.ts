/**
 * Axes of the lung HU histogram: "nice" count ticks (1, 2 or 5 × 10^k
 * apart, from 0 up to the tallest bar) with short labels, and the
 * densitometry thresholds marked on the HU axis.
 */

/** HU thresholds of the densitometry (LAA-950, LAA-910, LAA-856, HAA-700), marked on the histogram. */
export const HISTOGRAM_THRESHOLDS_HU: readonly number[] = [-950, -910, -856, -700];

/** Ticks 0, step, 2·step … ≤ max with step 1, 2 or 5 × 10^k, at most `maxTicks` + 1 of them (0 included). */
export function countTicks(max: number, maxTicks = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / Math.max(1, maxTicks);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const stepInt = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += stepInt) ticks.push(t);
  return ticks;
}

/** A count as a short label: 950, 12k, 1.5M. */
export function shortCount(n: number): string {
  if (n >= 1e6) return `${trim(n / 1e6)}M`;
  if (n >= 1e3) return `${trim(n / 1e3)}k`;
  return String(n);
}

function trim(v: number): string {
  return v >= 10 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

/** A HU value with a true minus sign. */
export function huText(v: number): string {
  return v < 0 ? `\u2212${-v}` : String(v);
}
