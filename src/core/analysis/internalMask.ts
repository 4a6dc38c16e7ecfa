/**
 * The tutorial's internal structures, fill − noFill, with the voxel counts
 * of the three masks; the three masks as one label array; and the lung-only
 * HU (HU inside the filled mask, 0 elsewhere: the tutorial's "isolate lung")
 * of a few slices, all from the masks' row runs (segmentLungVariants
 * `withRuns`) without reading the masks.
 *
 * `internalStructuresFromRuns`: internal = fill \ noFill as a run-set
 * difference (runs.ts `differenceRuns`), kept as runs (the analysis meshes
 * them as runs and paints a mask only when one is asked for,
 * internalStructuresMask), and the counts are the segmentation's component
 * sizes or sums of run lengths. The tests compare these with the
 * voxel-by-voxel versions in test/reference.
 *
 * Cost: O(runs), about 8 bytes per internal run; painting a mask writes a
 * fresh byte per voxel. The lung-only HU is only ever read on the few slices
 * GK clusters, so it is made for those slices (O(nx * ny) each) rather than
 * for the whole volume.
 */
import { geometryOf, type VolumeGeometry } from '../volume/volume';
import type { InternalStructuresMask, LungRuns } from '../segmentation/segmentLungs';
import { differenceRuns, maskOfRuns, paintRunDifference, paintRuns, runVoxelCount, type RunSet } from '../segmentation/runs';
import type { MeshSource } from '../mesh/surface';

export interface InternalMaskResult {
  internal: InternalStructuresMask;
  /** Nonzero voxels of fill, noFill and internal. */
  voxels: { fill: number; noFill: number; internal: number };
}

/**
 * The internal structures as the analysis keeps them: fill \ noFill as row
 * runs when the masks' runs were at hand (no voxel is written; the meshes
 * are made from the runs and a mask is painted only when one is asked for,
 * internalStructuresMask), else the mask made voxel by voxel.
 */
export interface InternalStructures {
  geometry: VolumeGeometry;
  /** fill \ noFill as row runs on the geometry's grid; null when made from the masks' voxels. */
  runs: RunSet | null;
  /** The 0/1 mask: set at once without runs, else painted the first time internalStructuresMask is called. */
  mask: InternalStructuresMask | null;
  /** Voxels in noFill but not in fill (0 in the mask, as the seed keeps only the value 1). */
  minusOneVoxels: number;
}

/**
 * internal = fill \ noFill as runs (runs.ts `differenceRuns`) with the voxel
 * counts of the three masks, from the run sets of the two masks alone:
 * O(runs), nothing voxel-sized is allocated or written.
 */
export function internalStructuresFromRuns(
  geometry: VolumeGeometry, runs: LungRuns,
): { internal: InternalStructures & { runs: RunSet }; voxels: InternalMaskResult['voxels'] } {
  const { nx, ny, nz } = geometry;
  for (const r of [runs.fill, runs.noFill]) {
    if (r.nx !== nx || r.ny !== ny || r.nz !== nz) throw new RangeError('runs and geometry are on different grids');
  }
  const diff = differenceRuns(runs.fill, runs.noFill);
  const nInternal = runVoxelCount(diff);
  // The segmentation knows the masks' sizes (the components it kept); else they are counted.
  const nFill = runs.voxels?.fill ?? runVoxelCount(runs.fill);
  const nNoFill = runs.voxels?.noFill ?? runVoxelCount(runs.noFill);
  return {
    internal: { geometry: geometryOf(geometry), runs: diff, mask: null, minusOneVoxels: nNoFill - nFill + nInternal },
    voxels: { fill: nFill, noFill: nNoFill, internal: nInternal },
  };
}

/** The 0/1 internal-structures mask: painted from the runs on the first call (one fresh byte per voxel) and kept. */
export function internalStructuresMask(s: InternalStructures): InternalStructuresMask {
  if (s.mask) return s.mask;
  if (!s.runs) throw new Error('internal structures without runs or mask');
  s.mask = { ...maskOfRuns(s.runs, s.geometry), minusOneVoxels: s.minusOneVoxels };
  return s.mask;
}

/** What to mesh for the internal structures: their runs when kept as runs (no mask is painted), else the mask. */
export function internalMeshSource(s: InternalStructures): MeshSource {
  return s.runs ? { runs: s.runs, geometry: s.geometry } : internalStructuresMask(s);
}

/**
 * The three lung masks as one label array: bit 0 = unfilled lungs, bit 1 =
 * filled lungs, so fill − noFill (the internal structures) are the voxels
 * labelled 2. Written from the runs into `out`, which must already be 0 on
 * every voxel outside both masks: a fresh array, or the unfilled mask's own
 * 0/1 data (then no new memory is needed). Returns `out`. O(runs) plus the
 * lung voxels written (three sweeps, each over one or two run sets).
 */
export function lungLabelsFromRuns(runs: LungRuns, out: Uint8Array): Uint8Array {
  paintRuns(runs.noFill, out, 3);
  // The rare voxels in noFill but not in fill keep bit 0 only.
  paintRunDifference(runs.noFill, runs.fill, out, 1);
  paintRunDifference(runs.fill, runs.noFill, out, 2);
  return out;
}

/**
 * Lung-only HU of slices zFrom .. zFrom + planes - 1 (HU where the mask given
 * as `runs` is 1, else 0), one nx * ny plane each, from the runs: only the
 * mask's voxels are read.
 */
export function lungOnlyHuOfRuns(hu: Int16Array, runs: RunSet, zFrom: number, planes: number): Int16Array {
  const { nx, ny, nz, rowStart, x0, x1 } = runs;
  if (hu.length !== nx * ny * nz) throw new RangeError('runs and volume are on different grids');
  if (!Number.isInteger(zFrom) || zFrom < 0 || planes < 0 || zFrom + planes > nz) throw new RangeError(`slices ${zFrom}..${zFrom + planes - 1} outside 0..${nz - 1}`);
  const out = new Int16Array(planes * nx * ny);
  const rowFrom = zFrom * ny;
  const rowTo = (zFrom + planes) * ny;
  for (let r = rowFrom; r < rowTo; r++) {
    const src = r * nx;
    const dst = (r - rowFrom) * nx;
    const end = rowStart[r + 1];
    for (let k = rowStart[r]; k < end; k++) {
      for (let x = x0[k]; x < x1[k]; x++) out[dst + x] = hu[src + x];
    }
  }
  return out;
}
