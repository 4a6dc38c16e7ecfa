/**
 * A small box-shaped chest for the segmentation tests, with a truth label per
 * voxel. 80 × 48 × 30 voxels of 2.5 × 2.5 × 5 mm, identity direction (so +x
 * index is patient left and the last slice is the most superior).
 */
import type { Vec3, Volume } from '../../../src/core/volume/volume';

export const TRUTH = {
  none: 0,
  airway: 1,
  rightLung: 2,
  leftLung: 3,
  vessel: 4,
  wallNodule: 5,
  gas: 6,
  bridge: 7,
  tray: 8,
  underTray: 9,
} as const;

export interface ChestOptions {
  /** Trachea from the top slice down to z = 16, bronchi at z = 15 and 14. Default true. */
  trachea?: boolean;
  /** Vessel enclosed by the right lung (filled), and a nodule on its wall (not filled). Default true. */
  vessel?: boolean;
  /** Air pocket in the body that is not lung. Default true. */
  gas?: boolean;
  /** Lungs joined: 'thin' 2 × 2 voxel bridge, 'wide' along their whole lower half. */
  bridge?: 'none' | 'thin' | 'wide';
  /** A tray under the patient across the whole width, with a large air space under it. */
  tray?: boolean;
  /** Flip x and y directions (patient left becomes low x index). */
  flipXY?: boolean;
}

export interface ChestPhantom {
  volume: Volume;
  truth: Uint8Array;
}

export function makeChest(opts: ChestOptions = {}): ChestPhantom {
  const nx = 80;
  const ny = opts.tray ? 72 : 48;
  const nz = 30;
  const hu = new Int16Array(nx * ny * nz).fill(-1000);
  const truth = new Uint8Array(nx * ny * nz);
  const box = (x0: number, x1: number, y0: number, y1: number, z0: number, z1: number, v: number, t: number) => {
    for (let z = z0; z <= z1; z++) {
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const i = x + y * nx + z * nx * ny;
          hu[i] = v;
          truth[i] = t;
        }
      }
    }
  };
  box(4, 75, 6, 41, 0, nz - 1, 40, TRUTH.none);
  box(8, 29, 10, 37, 2, 22, -850, TRUTH.rightLung);
  box(50, 71, 10, 37, 2, 22, -850, TRUTH.leftLung);
  if (opts.trachea ?? true) {
    box(37, 42, 18, 23, 16, nz - 1, -1000, TRUTH.airway);
    box(33, 36, 18, 23, 15, 15, -1000, TRUTH.airway);
    box(43, 46, 18, 23, 15, 15, -1000, TRUTH.airway);
    box(30, 34, 18, 23, 14, 14, -1000, TRUTH.rightLung);
    box(45, 49, 18, 23, 14, 14, -1000, TRUTH.leftLung);
  }
  if (opts.vessel ?? true) {
    box(18, 19, 20, 21, 5, 15, 40, TRUTH.vessel);
    box(8, 10, 24, 26, 8, 9, 60, TRUTH.wallNodule);
  }
  if (opts.gas ?? true) box(60, 63, 38, 40, 25, 27, -900, TRUTH.gas);
  if (opts.bridge === 'thin') box(30, 49, 20, 21, 5, 6, -850, TRUTH.bridge);
  if (opts.bridge === 'wide') box(30, 49, 10, 37, 2, 12, -850, TRUTH.bridge);
  if (opts.tray) {
    box(0, nx - 1, 43, 44, 0, nz - 1, 200, TRUTH.tray);
    for (let z = 0; z < nz; z++) for (let y = 45; y < ny; y++) for (let x = 0; x < nx; x++) truth[x + y * nx + z * nx * ny] = TRUTH.underTray;
  }
  const directionXyz: [Vec3, Vec3, Vec3] = opts.flipXY
    ? [[-1, 0, 0], [0, -1, 0], [0, 0, 1]]
    : [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  return {
    volume: { nx, ny, nz, spacingMmXyz: [2.5, 2.5, 5], originMm: [0, 0, 0], directionXyz, hu },
    truth,
  };
}

/** 0/1 mask of the voxels whose truth label is in `codes`. */
export function truthMask(truth: Uint8Array, codes: number[]): Uint8Array {
  const set = new Uint8Array(256);
  for (const c of codes) set[c] = 1;
  return truth.map((t) => set[t]);
}
