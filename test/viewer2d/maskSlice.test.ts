import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/core/volume/volume';
import type { SliceAxis, SliceMask } from '../../src/shared/view';
import { extractMaskSlice, inMask, maskCoversSlice, maskPlanes } from '../../src/viewer2d/maskSlice';
import { extractSlice } from '../../src/viewer2d/renderSlice';

const nx = 7, ny = 5, nz = 6;

/** A volume whose HU are the mask values of a full-volume mask (0 where a partial mask has no plane). */
function asVolume(m: SliceMask): Volume {
  const hu = new Int16Array(nx * ny * nz);
  const plane = nx * ny;
  for (let zm = 0; zm < m.nz; zm++) for (let i = 0; i < plane; i++) hu[(zm + m.zOffset) * plane + i] = m.data[zm * plane + i];
  return { nx, ny, nz, hu, spacingMmXyz: [1, 1, 1], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
}

function randomMask(planes: number, zOffset: number, seed: number): SliceMask {
  const data = new Uint8Array(nx * ny * planes);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 16) % 3 === 0 ? 1 : 0;
  }
  return { nx, ny, nz: planes, data, zOffset };
}

describe('mask slices lie under the image slices', () => {
  const axes: SliceAxis[] = ['axial', 'coronal', 'sagittal'];

  it('cuts a whole-volume mask exactly as extractSlice cuts the same values', () => {
    const m = randomMask(nz, 0, 1);
    const vol = asVolume(m);
    for (const axis of axes) {
      const n = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
      for (let k = 0; k < n; k++) {
        const plane = extractMaskSlice(m, nz, axis, k)!;
        expect(Array.from(plane)).toEqual(Array.from(extractSlice(vol, axis, k).data));
      }
    }
  });

  it('cuts a mask of a few slices with zeros where it has no plane (coronal, sagittal) and nothing off its slices (axial)', () => {
    const m = randomMask(2, 3, 7);
    const vol = asVolume(m);
    for (const axis of ['coronal', 'sagittal'] as const) {
      const n = axis === 'coronal' ? ny : nx;
      for (let k = 0; k < n; k++) expect(Array.from(extractMaskSlice(m, nz, axis, k)!)).toEqual(Array.from(extractSlice(vol, axis, k).data));
    }
    expect(extractMaskSlice(m, nz, 'axial', 2)).toBeNull();
    expect(extractMaskSlice(m, nz, 'axial', 5)).toBeNull();
    expect(maskCoversSlice(m, 'axial', 3)).toBe(true);
    expect(maskCoversSlice(m, 'axial', 4)).toBe(true);
    expect(Array.from(extractMaskSlice(m, nz, 'axial', 4)!)).toEqual(Array.from(extractSlice(vol, 'axial', 4).data));
  });

  it('returns axial planes as views and reuses the scratch buffer for the other axes', () => {
    const m = randomMask(nz, 0, 3);
    expect(extractMaskSlice(m, nz, 'axial', 2)!.buffer).toBe(m.data.buffer);
    const scratch = new Uint8Array(100).fill(9);
    const c = extractMaskSlice(m, nz, 'coronal', 1, scratch)!;
    expect(c.buffer).toBe(scratch.buffer);
    expect(c.length).toBe(nx * nz);
  });
});

describe('label masks (several masks sharing one array through bits)', () => {
  const axes: SliceAxis[] = ['axial', 'coronal', 'sagittal'];
  /** Labels 0..3 at random: bit 0 and bit 1 are two masks, label 2 a third. */
  function randomLabels(planes: number, seed: number): Uint8Array {
    const data = new Uint8Array(nx * ny * planes);
    let s = seed;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = (s >>> 16) & 3;
    }
    return data;
  }
  const selections = [
    { select: 1, equals: 1, keep: (v: number) => (v & 1) === 1 },
    { select: 2, equals: 2, keep: (v: number) => v >= 2 },
    { select: 3, equals: 2, keep: (v: number) => v === 2 },
  ];

  it('cuts each mask of the label array exactly as a 0/1 mask of the same voxels, on every axis, whole or partial', () => {
    for (const [planes, zOffset] of [[nz, 0], [2, 3]] as const) {
      const labels = randomLabels(planes, 11 + zOffset);
      for (const sel of selections) {
        const labelled: SliceMask = { nx, ny, nz: planes, zOffset, data: labels, bits: { select: sel.select, equals: sel.equals } };
        const plain: SliceMask = { nx, ny, nz: planes, zOffset, data: labels.map((v) => (sel.keep(v) ? 1 : 0)) };
        for (const axis of axes) {
          const n = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
          for (let k = 0; k < n; k++) {
            const want = extractMaskSlice(plain, nz, axis, k);
            const got = extractMaskSlice(labelled, nz, axis, k, new Uint8Array(nx * nz + ny * nz + nx * ny));
            if (want === null) expect(got).toBeNull();
            else expect(Array.from(got!)).toEqual(Array.from(want));
          }
        }
      }
    }
  });

  it('never hands out a view of the label array itself (its values are labels, not 0/1)', () => {
    const labels = randomLabels(nz, 3);
    const m: SliceMask = { nx, ny, nz, zOffset: 0, data: labels, bits: { select: 2, equals: 2 } };
    const plane = extractMaskSlice(m, nz, 'axial', 2)!;
    expect(plane.buffer).not.toBe(labels.buffer);
    expect(plane.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('maskPlanes gives 0/1 planes of a label mask, and the data itself of a whole 0/1 mask', () => {
    const labels = randomLabels(nz, 5);
    const m: SliceMask = { nx, ny, nz, zOffset: 0, data: labels, bits: { select: 3, equals: 2 } };
    expect(Array.from(maskPlanes(m, 1, 3))).toEqual(Array.from(labels.subarray(nx * ny, 3 * nx * ny)).map((v) => (v === 2 ? 1 : 0)));
    const plain = randomMask(nz, 0, 9);
    expect(maskPlanes(plain)).toBe(plain.data);
    const owned = maskPlanes(plain, 2, 4, true);
    expect(owned.buffer).not.toBe(plain.data.buffer);
    expect(Array.from(owned)).toEqual(Array.from(plain.data.subarray(2 * nx * ny, 4 * nx * ny)));
    expect(inMask(2, { select: 3, equals: 2 })).toBe(true);
    expect(inMask(3, { select: 3, equals: 2 })).toBe(false);
    expect(inMask(5, undefined)).toBe(true);
    expect(inMask(0, undefined)).toBe(false);
  });
});
