/**
 * Slow, obvious second implementations for the segmentation tests: a
 * breadth-first flood-fill labeller and a line-by-line transcription of the
 * seed's segment_lung_mask on top of it (in the seed's slice order).
 */
import type { Connectivity } from '../../../src/core/segmentation/connectedComponents';
import type { GridDims } from '../../../src/core/segmentation/runs';

export function neighbourOffsets(connectivity: Connectivity): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let dz = -1; dz <= 1; dz++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const n = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (n === 0) continue;
        const inPlane = dz === 0;
        const ok =
          connectivity === 4 ? inPlane && n === 1
          : connectivity === 8 ? inPlane
          : connectivity === 6 ? n === 1
          : connectivity === 18 ? n <= 2
          : true;
        if (ok) out.push([dx, dy, dz]);
      }
    }
  }
  return out;
}

export interface NaiveLabels {
  labels: Int32Array;
  count: number;
  /** sizes[label], index 0 unused. */
  sizes: number[];
}

/**
 * Breadth-first labelling; seeds are taken in raster order, so labels are
 * numbered by each component's first voxel (as skimage numbers them).
 * allValues: every voxel is labelled and neighbours connect when equal;
 * otherwise only nonzero voxels, neighbours connect when both nonzero.
 */
export function bfsLabels(data: ArrayLike<number>, d: GridDims, connectivity: Connectivity, allValues: boolean): NaiveLabels {
  const { nx, ny, nz } = d;
  const labels = new Int32Array(nx * ny * nz);
  const queue = new Int32Array(nx * ny * nz);
  const offs = neighbourOffsets(connectivity);
  const sizes = [0];
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 || (!allValues && data[i] === 0)) continue;
    count++;
    sizes.push(0);
    let head = 0;
    let tail = 0;
    queue[tail++] = i;
    labels[i] = count;
    while (head < tail) {
      const v = queue[head++];
      sizes[count]++;
      const x = v % nx;
      const y = Math.floor(v / nx) % ny;
      const z = Math.floor(v / (nx * ny));
      for (const [dx, dy, dz] of offs) {
        const X = x + dx;
        const Y = y + dy;
        const Z = z + dz;
        if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
        const w = X + Y * nx + Z * nx * ny;
        if (labels[w] !== 0) continue;
        if (allValues ? data[w] !== data[i] : data[w] === 0) continue;
        labels[w] = count;
        queue[tail++] = w;
      }
    }
  }
  return { labels, count, sizes };
}

/** The seed's largest_label_volume: label with most voxels, ignoring bg; lowest label on ties; null if none. */
function largestLabelVolume(labels: Int32Array, start: number, end: number, bg: number): number | null {
  const counts = new Map<number, number>();
  for (let i = start; i < end; i++) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  let best: number | null = null;
  for (const v of [...counts.keys()].sort((a, b) => a - b)) {
    if (v === bg) continue;
    if (best === null || counts.get(v)! > counts.get(best)!) best = v;
  }
  return best;
}

/**
 * segment_lung_mask transcribed. `hu` is in our z order; the seed works on
 * the reverse order (its slice 0 is our last slice), so the volume is
 * reversed first and the result reversed back. background 'border' replaces
 * the corner label by every air label touching the x/y border of a slice.
 */
export function naiveSegmentLungMask(
  hu: Int16Array,
  d: GridDims,
  fill: boolean,
  background: 'corner' | 'border' = 'corner',
  threshold = -700,
): Uint8Array {
  const { nx, ny, nz } = d;
  const plane = nx * ny;
  const rev = (src: ArrayLike<number>, dst: { [i: number]: number }) => {
    for (let z = 0; z < nz; z++) for (let i = 0; i < plane; i++) dst[(nz - 1 - z) * plane + i] = src[z * plane + i];
  };
  const img = new Int16Array(hu.length);
  rev(hu, img);

  const binary = new Int8Array(hu.length);
  for (let i = 0; i < binary.length; i++) binary[i] = (img[i] >= threshold ? 1 : 0) + 1;
  const labels = bfsLabels(binary, d, 26, true).labels;
  const bg = new Set<number>();
  if (background === 'corner') {
    bg.add(labels[0]);
  } else {
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          if (x !== 0 && y !== 0 && x !== nx - 1 && y !== ny - 1) continue;
          const i = x + y * nx + z * plane;
          if (binary[i] === 1) bg.add(labels[i]);
        }
      }
    }
  }
  for (let i = 0; i < binary.length; i++) if (bg.has(labels[i])) binary[i] = 2;

  if (fill) {
    for (let z = 0; z < nz; z++) {
      const axial = new Uint8Array(plane);
      for (let i = 0; i < plane; i++) axial[i] = binary[z * plane + i] - 1;
      const labeling = bfsLabels(axial, { nx, ny, nz: 1 }, 8, false).labels;
      const lMax = largestLabelVolume(labeling, 0, plane, 0);
      if (lMax !== null) for (let i = 0; i < plane; i++) if (labeling[i] !== lMax) binary[z * plane + i] = 1;
    }
  }
  for (let i = 0; i < binary.length; i++) binary[i] = 1 - (binary[i] - 1);
  const l2 = bfsLabels(binary, d, 26, false).labels;
  const lMax = largestLabelVolume(l2, 0, l2.length, 0);
  if (lMax !== null) for (let i = 0; i < binary.length; i++) if (l2[i] !== lMax) binary[i] = 0;

  const out = new Uint8Array(hu.length);
  rev(binary, out);
  return out;
}
