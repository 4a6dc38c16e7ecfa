/**
 * Histogram of the HU values inside a mask (the lung HU distribution shown
 * beside the pictures): fixed-width bins from loHu, values outside the range
 * counted in the first or last bin. The mask is given as row runs (the form
 * the segmentation produces), so only the voxels inside it are read.
 *
 * Cost: O(runs + voxels inside). Memory O(bins).
 */
import type { RunSet } from './runs';

/** Counts of lung HU values in bins [loHu + k*binHu, loHu + (k+1)*binHu); values outside go to the end bins. */
export interface HuHistogram {
  loHu: number;
  binHu: number;
  counts: number[];
  /** Voxels counted (all lung voxels). */
  total: number;
  /** Of them, below loHu and at or above the last bin's end (included in the end bins). */
  below: number;
  above: number;
  meanHu: number;
}

const LUNG_HISTOGRAM_LO_HU = -1100;
const LUNG_HISTOGRAM_BIN_HU = 20;
const LUNG_HISTOGRAM_BINS = 70;

/** The histogram of the voxels covered by `runs` (on the volume's grid). */
export function runsHuHistogram(
  hu: Int16Array,
  runs: RunSet,
  loHu = LUNG_HISTOGRAM_LO_HU,
  binHu = LUNG_HISTOGRAM_BIN_HU,
  bins = LUNG_HISTOGRAM_BINS,
): HuHistogram {
  const { nx, rowStart, x0, x1 } = runs;
  if (nx * runs.ny * runs.nz !== hu.length) throw new RangeError('runs and volume sizes differ');
  if (!(binHu > 0) || !Number.isInteger(bins) || bins < 1) throw new RangeError('bad histogram bins');
  const counts = new Float64Array(bins);
  const hi = loHu + binHu * bins;
  let below = 0;
  let above = 0;
  let sum = 0;
  let total = 0;
  const inv = 1 / binHu;
  const last = bins - 1;
  const rows = runs.ny * runs.nz;
  for (let r = 0; r < rows; r++) {
    const base = r * nx;
    const end = rowStart[r + 1];
    for (let k = rowStart[r]; k < end; k++) {
      const stop = base + x1[k];
      for (let i = base + x0[k]; i < stop; i++) {
        const v = hu[i];
        total++;
        sum += v;
        if (v < loHu) {
          below++;
          counts[0]++;
        } else if (v >= hi) {
          above++;
          counts[last]++;
        } else counts[Math.floor((v - loHu) * inv)]++;
      }
    }
  }
  return { loHu, binHu, counts: Array.from(counts), total, below, above, meanHu: total ? sum / total : Number.NaN };
}
