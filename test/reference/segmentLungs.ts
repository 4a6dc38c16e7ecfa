/**
 * Reference implementations the tests compare the product with: the voxel-by-voxel
 * mask helpers of segmentLungs.ts (internal structures, lung-only HU,
 * voxel counts and volumes), against which internalMask.ts and the run-based
 * counts are checked.
 * They were product API once and are kept here only so the tests can check
 * the product's faster paths against a plain version; no file in src/
 * uses them.
 */
import type { InternalStructuresMask } from '../../src/core/segmentation/segmentLungs';
import { geometryOf, voxelVolumeMm3, type Mask, type Volume } from '../../src/core/volume/volume';

/** Throws unless both masks are on the same grid. */
function checkSameGrid(a: Mask, b: Mask): void {
  if (a.nx !== b.nx || a.ny !== b.ny || a.nz !== b.nz || a.data.length !== b.data.length) {
    throw new RangeError('masks are on different grids');
  }
}

/** The tutorial's internal_structures = fill − noFill (structures enclosed by lung). */
export function internalStructures(fill: Mask, noFill: Mask): InternalStructuresMask {
  checkSameGrid(fill, noFill);
  const f = fill.data;
  const n = noFill.data;
  const data = new Uint8Array(f.length);
  let minusOne = 0;
  for (let i = 0; i < f.length; i++) {
    const a = f[i] !== 0 ? 1 : 0;
    const b = n[i] !== 0 ? 1 : 0;
    data[i] = a & (1 - b);
    minusOne += b & (1 - a);
  }
  return { ...geometryOf(fill), data, minusOneVoxels: minusOne };
}

/** HU volume with every voxel outside the mask set to 0 (the tutorial's "isolate lung"). */
export function lungOnlyHu(volume: Volume, fillMask: Mask): Int16Array {
  if (fillMask.data.length !== volume.hu.length) throw new RangeError('mask and volume are on different grids');
  const out = new Int16Array(volume.hu.length);
  const m = fillMask.data;
  const hu = volume.hu;
  for (let i = 0; i < hu.length; i++) if (m[i] !== 0) out[i] = hu[i];
  return out;
}

/** Number of nonzero voxels. */
export function maskVoxelCount(mask: Mask): number {
  const d = mask.data;
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  return n;
}

/** Mask volume in millilitres (voxel count × voxel volume from the spacing). */
export function maskVolumeMl(mask: Mask): number {
  return (maskVoxelCount(mask) * voxelVolumeMm3(mask)) / 1000;
}

/** Nonzero voxels per slice, in volume z order. */
export function perSliceCounts(mask: Mask): Int32Array {
  const { nx, ny, nz, data } = mask;
  const out = new Int32Array(nz);
  const plane = nx * ny;
  for (let z = 0; z < nz; z++) {
    let n = 0;
    const end = (z + 1) * plane;
    for (let i = z * plane; i < end; i++) if (data[i] !== 0) n++;
    out[z] = n;
  }
  return out;
}
