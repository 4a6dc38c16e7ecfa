import { describe, expect, it } from 'vitest';
import { indexOfSliceNumber, sliceNumber, sliceNumberRange, sliceNumberStep } from '../../src/viewer2d/sliceNumbering';
import type { Vec3 } from '../../src/core/volume/volume';

const geo = (x: Vec3, y: Vec3, z: Vec3) => ({ directionXyz: [x, y, z] as [Vec3, Vec3, Vec3] });

describe('slice numbering (radiology convention)', () => {
  it('numbers a head-first axial stack from the head: slice 1 is the last index (most superior)', () => {
    const g = geo([1, 0, 0], [0, 1, 0], [0, 0, 1]);
    expect(sliceNumberStep(g, 'axial')).toBe(-1);
    expect(sliceNumber(g, 'axial', 98, 99)).toBe(1);
    expect(sliceNumber(g, 'axial', 0, 99)).toBe(99);
    expect(indexOfSliceNumber(g, 'axial', 1, 99)).toBe(98);
    expect(sliceNumberRange(g, 'axial', 48, 5, 99)).toEqual([47, 51]);
    // Coronal front to back, sagittal right to left: the index order here.
    expect(sliceNumber(g, 'coronal', 0, 512)).toBe(1);
    expect(sliceNumber(g, 'sagittal', 0, 512)).toBe(1);
  });

  it('numbers a feet-first stack (index towards the feet) and mirrored rows the same way on the patient', () => {
    const g = geo([-1, 0, 0], [0, -1, 0], [0, 0, -1]);
    expect(sliceNumber(g, 'axial', 0, 10)).toBe(1);
    expect(sliceNumber(g, 'coronal', 0, 20)).toBe(20);
    expect(sliceNumber(g, 'sagittal', 0, 30)).toBe(30);
  });

  it('uses the dominant direction of a sagittal stack (index along L-R)', () => {
    const g = geo([0, 1, 0], [0, 0, -1], [1, 0, 0]);
    // Volume z along +L: numbers grow with the index (right to left).
    expect(sliceNumberStep(g, 'axial')).toBe(1);
    // Volume y along -S (down): numbers grow with it (head to feet).
    expect(sliceNumberStep(g, 'coronal')).toBe(1);
  });
});
