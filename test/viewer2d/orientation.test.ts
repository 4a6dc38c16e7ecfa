import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../src/core/volume/volume';
import { axialDisplay, directionLabel, displayOrientation } from '../../src/viewer2d/orientation';

const X: Vec3 = [1, 0, 0];
const Y: Vec3 = [0, 1, 0];
const Z: Vec3 = [0, 0, 1];
const neg = (v: Vec3): Vec3 => [-v[0], -v[1], -v[2]];

function edges(o: ReturnType<typeof displayOrientation>) {
  return { left: o.left, right: o.right, top: o.top, bottom: o.bottom };
}

describe('direction labels (LPS)', () => {
  it('names the six patient directions', () => {
    expect([X, neg(X), Y, neg(Y), Z, neg(Z)].map(directionLabel)).toEqual(['L', 'R', 'P', 'A', 'S', 'I']);
  });
  it('lists oblique components largest first', () => {
    const c = Math.cos(Math.PI / 6);
    expect(directionLabel([c, 0, 0.5])).toBe('LS');
    expect(directionLabel([-0.5, -c, 0])).toBe('AR');
    // A component below 0.25 is not named.
    expect(directionLabel([0.99, 0.14, 0])).toBe('L');
  });
});

describe('radiological display of DICOM images', () => {
  it('axial head-first supine (IOP 1\\0\\0\\0\\1\\0): R on the left, A at the top, no flip', () => {
    const o = displayOrientation(X, Y);
    expect(o.flipX).toBe(false);
    expect(o.flipY).toBe(false);
    expect(edges(o)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('axial feet-first supine (IOP -1\\0\\0\\0\\1\\0): mirrored so R is still on the left', () => {
    const o = displayOrientation(neg(X), Y);
    expect(o.flipX).toBe(true);
    expect(o.flipY).toBe(false);
    expect(edges(o)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(o.screenRightDir).toEqual([1, 0, 0]);
  });

  it('axial head-first prone (IOP -1\\0\\0\\0\\-1\\0): both axes flipped back', () => {
    const o = displayOrientation(neg(X), neg(Y));
    expect([o.flipX, o.flipY]).toEqual([true, true]);
    expect(edges(o)).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('coronal (IOP 1\\0\\0\\0\\0\\-1): R on the left, S at the top', () => {
    const o = displayOrientation(X, neg(Z));
    expect([o.flipX, o.flipY]).toEqual([false, false]);
    expect(edges(o)).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
  });

  it('sagittal (IOP 0\\1\\0\\0\\0\\-1): A on the left, S at the top', () => {
    const o = displayOrientation(Y, neg(Z));
    expect([o.flipX, o.flipY]).toEqual([false, false]);
    expect(edges(o)).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });

  it('a coronal cut of an axial volume (v along +z) is flipped so S is at the top', () => {
    const o = displayOrientation(X, Z);
    expect(o.flipY).toBe(true);
    expect(edges(o)).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
  });

  it('labels an oblique axial image with two letters per edge', () => {
    const c = Math.cos(Math.PI / 9); // 20° about the A-P axis
    const s = Math.sin(Math.PI / 9);
    const o = displayOrientation([c, 0, s], Y);
    expect(o.right).toBe('LS');
    expect(o.left).toBe('RI');
    expect(o.top).toBe('A');
  });

  it('uses the row and column directions of a volume for its axial view', () => {
    const o = axialDisplay({ directionXyz: [neg(X), Y, neg(Z)] });
    expect(o.flipX).toBe(true);
    expect(o.left).toBe('R');
  });
});
