/**
 * Reference implementations the tests compare the product with: labelling of
 * voxel arrays (label volume, 2D labelling, largest component) built on the
 * product's run labelling (connectedComponents.ts labelRuns), which the
 * tests compare with a breadth-first search.
 * They were product API once and are kept here only so the tests can check
 * the product's faster paths against a plain version; no file in src/
 * uses them.
 */
import { labelRuns, type Connectivity, type RunLabels } from '../../src/core/segmentation/connectedComponents';
import { paintRuns, runAt, runsFromMask, runsFromValues, type GridDims, type RunSet } from '../../src/core/segmentation/runs';

/** Label with the most voxels (ties: the lowest label), or 0 if there is none. */
export function largestLabel(sizes: Float64Array, componentCount: number = sizes.length - 1): number {
  let best = 0;
  let bestSize = -1;
  for (let l = 1; l <= componentCount; l++) {
    if (sizes[l] > bestSize) {
      bestSize = sizes[l];
      best = l;
    }
  }
  return best;
}

/** Label of the component holding voxel (x, y, z), or 0 if the voxel is in no run. */
export function labelAt(runs: RunSet, labels: RunLabels, x: number, y: number, z: number): number {
  const k = runAt(runs, x, y, z);
  return k < 0 ? 0 : labels.labelOfRun[k];
}

/** Per-run selection (1/0) of the runs whose label is marked in `keepLabel`. */
function selectLabels(labels: RunLabels, keepLabel: Uint8Array, runCount: number): Uint8Array {
  const sel = new Uint8Array(runCount);
  const lab = labels.labelOfRun;
  for (let k = 0; k < runCount; k++) sel[k] = keepLabel[lab[k]];
  return sel;
}

/** 0/1 mask (one byte per voxel) of the components marked in `keepLabel` (indexed by label). */
function maskOfLabels(runs: RunSet, labels: RunLabels, keepLabel: Uint8Array): Uint8Array {
  const out = new Uint8Array(runs.nx * runs.ny * runs.nz);
  return paintRuns(runs, out, 1, selectLabels(labels, keepLabel, runs.count));
}

/** Int32 label volume (0 where no run) from run labels. */
function labelVolume(runs: RunSet, labels: RunLabels): Int32Array {
  const { nx, rowStart, x0, x1 } = runs;
  const out = new Int32Array(nx * runs.ny * runs.nz);
  const rows = runs.ny * runs.nz;
  const lab = labels.labelOfRun;
  for (let r = 0; r < rows; r++) {
    const base = r * nx;
    const end = rowStart[r + 1];
    for (let k = rowStart[r]; k < end; k++) out.fill(lab[k], base + x0[k], base + x1[k]);
  }
  return out;
}

export interface LabelParams {
  connectivity: Connectivity;
  /**
   * 'foreground' (default): label the nonzero voxels, 0 is background.
   * 'allValues': label every voxel; neighbours connect only when equal.
   */
  mode?: 'foreground' | 'allValues';
}

export interface LabelResult {
  /** Label per voxel, i = x + y*nx + z*nx*ny; 0 = background ('foreground' mode only). */
  labels: Int32Array;
  componentCount: number;
  /** Voxel count per label (index 0 unused). */
  sizes: Float64Array;
  /** Voxel value of each component ('allValues' mode), else null. */
  componentValue: Uint8Array | null;
}

/** Label the connected components of a 3D volume (or one 2D image with nz = 1). */
export function labelComponents(data: Uint8Array, dims: GridDims, params: LabelParams): LabelResult {
  const runs = params.mode === 'allValues' ? runsFromValues(data, dims) : runsFromMask(data, dims);
  const rl = labelRuns(runs, params.connectivity);
  return {
    labels: labelVolume(runs, rl),
    componentCount: rl.componentCount,
    sizes: rl.sizes,
    componentValue: rl.componentValue,
  };
}

/** Label a 2D image (index x + y*nx) with 4- or 8-connectivity. */
export function labelComponents2d(
  data: Uint8Array,
  nx: number,
  ny: number,
  connectivity: 4 | 8,
  mode: 'foreground' | 'allValues' = 'foreground',
): LabelResult {
  return labelComponents(data, { nx, ny, nz: 1 }, { connectivity, mode });
}

/** 0/1 mask of the largest component of the nonzero voxels (all zero if there are none). */
export function largestComponentMask(data: Uint8Array, dims: GridDims, connectivity: Connectivity): Uint8Array {
  const runs = runsFromMask(data, dims);
  const rl = labelRuns(runs, connectivity);
  const keep = new Uint8Array(rl.componentCount + 1);
  const best = largestLabel(rl.sizes, rl.componentCount);
  if (best > 0) keep[best] = 1;
  return maskOfLabels(runs, rl, keep);
}
