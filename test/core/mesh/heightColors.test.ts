import { describe, expect, it } from 'vitest';
import { heightColors, rdBu } from '../../../src/core/mesh/heightColors';

describe('heightColors', () => {
  it('follows matplotlib RdBu (values read from matplotlib 3.6)', () => {
    // plt.cm.RdBu(t) for t = 0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0; matplotlib samples the map
    // into 256 steps, so agreement is within one step (1/255) of the continuous map.
    const ref: Array<[number, [number, number, number]]> = [
      [0, [0.403921568627451, 0.0, 0.12156862745098039]],
      [0.1, [0.6922722029988466, 0.09227220299884659, 0.1677047289504037]],
      [0.25, [0.8991926182237601, 0.5144175317185697, 0.4079200307574009]],
      [0.5, [0.9657054978854287, 0.9672433679354094, 0.9680891964628989]],
      [0.75, [0.4085351787773935, 0.6687427912341408, 0.8145328719723184]],
      [0.9, [0.12725874663590928, 0.3958477508650519, 0.6687427912341407]],
      [1, [0.0196078431372549, 0.18823529411764706, 0.3803921568627451]],
    ];
    for (const [t, rgb] of ref) {
      const c = rdBu(t);
      for (let k = 0; k < 3; k++) expect(Math.abs(c[k] - rgb[k]), `t=${t} channel ${k}`).toBeLessThan(0.012);
    }
  });

  it('colours the lowest vertex red and the highest blue along the chosen axis', () => {
    const positionsMm = Float32Array.from([
      0, 0, -10,
      5, 3, 0,
      -2, 8, 10,
      1, 1, 5,
    ]);
    const byZ = heightColors({ positionsMm });
    expect(Array.from(byZ.subarray(0, 3))).toEqual(Array.from(Float32Array.from(rdBu(0))));
    expect(Array.from(byZ.subarray(6, 9))).toEqual(Array.from(Float32Array.from(rdBu(1))));
    expect(Array.from(byZ.subarray(3, 6))).toEqual(Array.from(Float32Array.from(rdBu(0.5))));
    const byX = heightColors({ positionsMm }, 'x');
    expect(Array.from(byX.subarray(3, 6))).toEqual(Array.from(Float32Array.from(rdBu(1))));
    expect(Array.from(byX.subarray(6, 9))).toEqual(Array.from(Float32Array.from(rdBu(0))));
  });

  it('gives a flat mesh the middle colour', () => {
    const c = heightColors({ positionsMm: Float32Array.from([0, 0, 1, 2, 3, 1]) });
    expect(Array.from(c.subarray(0, 3))).toEqual(Array.from(Float32Array.from(rdBu(0.5))));
  });
});
