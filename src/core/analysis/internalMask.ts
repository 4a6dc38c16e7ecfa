/**
 * The tutorial's internal structures, fill − noFill, as a 0/1 mask, with the
 * voxel counts of the three masks from the same pass; and the lung-only HU
 * (HU inside the filled mask, 0 elsewhere: the tutorial's "isolate lung")
 * of single slices, from the mask or from its runs.
 *
 * Same results as segmentLungs.ts `internalStructures`, `maskVoxelCount` and
 * `lungOnlyHu` (tests compare them) for masks of 0/1 values (the Mask
 * contract). The masks are read four voxels at a time as 32-bit words: a
 * word of zeros in both masks (most of a chest CT) costs two reads and
 * leaves the zero-initialised output alone; the voxels of a word are counted
 * with one multiplication (the top byte of w * 0x01010101 is the sum of its
 * four 0/1 bytes). Falls back to one voxel at a time when the buffers are
 * not 4-byte aligned.
 *
 * When the masks' row runs are at hand (segmentLungVariants `withRuns`),
 * `internalStructuresFromRuns` does the same without reading the masks:
 * internal = fill \ noFill as a run-set difference (runs.ts
 * `differenceRuns`), kept as runs (the analysis meshes them as runs and
 * paints a mask only when one is asked for, internalStructuresMask), and
 * the counts are the segmentation's component sizes or sums of run lengths.
 *
 * Cost: O(voxels / 4) word reads (from runs: O(runs), about 8 bytes per
 * internal run; painting a mask writes a fresh byte per voxel); memory: the
 * 1-byte output mask when one is made. The
 * lung-only HU is only ever read on the few slices GK clusters, so it is
 * made per slice (O(nx * ny) each) rather than for the whole volume.
 */
import { geometryOf, type Mask, type Volume, type VolumeGeometry } from '../volume/volume';
import type { InternalStructuresMask, LungRuns } from '../segmentation/segmentLungs';
import { differenceRuns, maskOfRuns, paintRunDifference, paintRuns, runVoxelCount, type RunSet } from '../segmentation/runs';
import type { MeshSource } from '../mesh/surface';

export interface InternalMaskResult {
  internal: InternalStructuresMask;
  /** Nonzero voxels of fill, noFill and internal. */
  voxels: { fill: number; noFill: number; internal: number };
}

/** Sum of the four bytes of a word whose bytes are 0 or 1: the top byte of w * 0x01010101. */
function byteSum(w: number): number {
  return Math.imul(w, 0x01010101) >>> 24;
}

/**
 * The word loop: writes fw & ~nw where nonzero; returns the counts of fill,
 * noFill and internal voxels in out[0..2]. The "-1" voxels (noFill without
 * fill) need no pass of their own: noFill = (fill and noFill) + (-1 voxels)
 * and fill = (fill and noFill) + internal, so their count is
 * noFill - fill + internal.
 */
function internalWords(f32: Uint32Array, n32: Uint32Array, d32: Uint32Array, out: Float64Array): void {
  let nFill = 0;
  let nNoFill = 0;
  let nInternal = 0;
  const words = f32.length;
  for (let w = 0; w < words; w++) {
    const fw = f32[w];
    const nw = n32[w];
    if ((fw | nw) === 0) continue;
    const iw = fw & ~nw;
    // Only nonzero words are written: the output's pages stay untouched (zero) where there is nothing.
    if (iw !== 0) {
      d32[w] = iw;
      nInternal += byteSum(iw);
    }
    nFill += byteSum(fw);
    nNoFill += byteSum(nw);
  }
  out[0] = nFill;
  out[1] = nNoFill;
  out[2] = nInternal;
}

export function internalMask(fill: Mask, noFill: Mask): InternalMaskResult {
  const n = fill.data.length;
  if (noFill.data.length !== n || fill.nx !== noFill.nx || fill.ny !== noFill.ny || fill.nz !== noFill.nz) {
    throw new RangeError('masks are on different grids');
  }
  const f = fill.data;
  const nf = noFill.data;
  const data = new Uint8Array(n);
  let minusOne = 0;
  let nFill = 0;
  let nNoFill = 0;
  let nInternal = 0;
  if (f.byteOffset % 4 === 0 && nf.byteOffset % 4 === 0 && n % 4 === 0) {
    const words = n >> 2;
    const counts = new Float64Array(3);
    internalWords(
      new Uint32Array(f.buffer, f.byteOffset, words),
      new Uint32Array(nf.buffer, nf.byteOffset, words),
      new Uint32Array(data.buffer, 0, words),
      counts,
    );
    [nFill, nNoFill, nInternal] = counts;
    minusOne = nNoFill - nFill + nInternal;
  } else {
    for (let i = 0; i < n; i++) {
      const a = f[i] !== 0 ? 1 : 0;
      const b = nf[i] !== 0 ? 1 : 0;
      const d = a & (1 - b);
      data[i] = d;
      minusOne += b & (1 - a);
      nFill += a;
      nNoFill += b;
      nInternal += d;
    }
  }
  return {
    internal: { ...geometryOf(fill), data, minusOneVoxels: minusOne },
    voxels: { fill: nFill, noFill: nNoFill, internal: nInternal },
  };
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

/** The internal structures as a voxel mask result (internalMask's), kept as InternalStructures. */
export function internalStructuresOfMask(r: InternalMaskResult): { internal: InternalStructures; voxels: InternalMaskResult['voxels'] } {
  return { internal: { geometry: geometryOf(r.internal), runs: null, mask: r.internal, minusOneVoxels: r.internal.minusOneVoxels }, voxels: r.voxels };
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

/** Lung-only HU of slice z (HU where the filled mask is 1, else 0), written into `out` (nx * ny values). */
export function lungOnlyHuSlice(volume: Volume, fill: Mask, z: number, out: Int16Array): Int16Array {
  const plane = volume.nx * volume.ny;
  if (fill.data.length !== volume.hu.length) throw new RangeError('mask and volume are on different grids');
  if (!Number.isInteger(z) || z < 0 || z >= volume.nz) throw new RangeError(`slice ${z} outside 0..${volume.nz - 1}`);
  if (out.length !== plane) throw new RangeError(`output holds ${out.length} values, a slice has ${plane}`);
  const hu = volume.hu;
  const m = fill.data;
  const o = z * plane;
  for (let k = 0; k < plane; k++) out[k] = m[o + k] !== 0 ? hu[o + k] : 0;
  return out;
}

/**
 * Lung-only HU of slices zFrom .. zFrom + planes - 1 (HU where the mask given
 * as `runs` is 1, else 0), one nx * ny plane each, from the runs: only the
 * mask's voxels are read. What lungOnlyHuSlice gives slice by slice.
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
