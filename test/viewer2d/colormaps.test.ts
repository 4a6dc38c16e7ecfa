import { describe, expect, it } from 'vitest';
import { bone, colormapPalette, jet } from '../../src/viewer2d/colormaps';
import { buildWindowLut, packGrey, unpackRgba } from '../../src/viewer2d/windowLevel';

/** MATLAB's definition of bone, the second implementation: (7 * gray + reversed hot) / 8. */
function boneFromHot(t: number): [number, number, number] {
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  // matplotlib's hot: red rises over [0, 0.365079], green over [0.365079, 0.746032], blue over [0.746032, 1].
  const hotR = clamp(t / 0.365079);
  const hotG = clamp((t - 0.365079) / (0.746032 - 0.365079));
  const hotB = clamp((t - 0.746032) / (1 - 0.746032));
  return [(7 * t + hotB) / 8, (7 * t + hotG) / 8, (7 * t + hotR) / 8];
}

describe('colour maps', () => {
  it("bone runs from black to white like matplotlib's", () => {
    expect(bone(0)).toEqual([0, 0, 0]);
    expect(bone(1)).toEqual([1, 1, 1]);
    const mid = bone(0.5);
    expect(mid[0]).toBeCloseTo(0.4375, 4);
    expect(mid[1]).toBeCloseTo(0.4818, 3);
    expect(mid[2]).toBeCloseTo(0.5625, 4);
  });

  it('bone agrees with (7 * gray + reversed hot) / 8 everywhere', () => {
    for (let k = 0; k <= 100; k++) {
      const t = k / 100;
      const a = bone(t);
      const b = boneFromHot(t);
      for (let c = 0; c < 3; c++) expect(Math.abs(a[c] - b[c])).toBeLessThan(1e-5);
    }
  });

  it('bone is bluish in between: blue above red, green in between (equal to red in the dark third)', () => {
    for (let k = 1; k < 100; k++) {
      const [r, g, b] = bone(k / 100);
      expect(b).toBeGreaterThan(r);
      // The segment table has six digits, so "equal" holds to about 1e-6.
      expect(b).toBeGreaterThanOrEqual(g - 1e-5);
      expect(g).toBeGreaterThanOrEqual(r - 1e-5);
    }
  });

  it("jet runs from dark blue through green to dark red like matplotlib's", () => {
    expect(jet(0)).toEqual([0, 0, 0.5]);
    expect(jet(1)).toEqual([0.5, 0, 0]);
    const mid = jet(0.5);
    expect(mid[0]).toBeCloseTo(0.15 / 0.31, 6);
    expect(mid[1]).toBe(1);
    expect(mid[2]).toBeCloseTo(1 - 0.16 / 0.31, 6);
    expect(jet(0.11)).toEqual([0, 0, 1]);
    expect(jet(-3)).toEqual(jet(0));
    expect(jet(7)).toEqual(jet(1));
  });

  it('a palette holds the map at the 256 grey levels (matplotlib samples at i / 255)', () => {
    const p = colormapPalette('bone');
    expect(p.length).toBe(256);
    expect(unpackRgba(p[0])).toEqual([0, 0, 0, 255]);
    expect(unpackRgba(p[255])).toEqual([255, 255, 255, 255]);
    const [r, g, b] = bone(128 / 255);
    expect(unpackRgba(p[128])).toEqual([Math.round(r * 255), Math.round(g * 255), Math.round(b * 255), 255]);
    const grey = colormapPalette('grey');
    for (let v = 0; v < 256; v += 17) expect(grey[v]).toBe(packGrey(v));
  });

  it('a window table through a palette gives palette[grey] for every HU', () => {
    const wl = { center: -600, width: 1500 };
    const plain = buildWindowLut(wl);
    const boneLut = buildWindowLut(wl, colormapPalette('bone'));
    expect(boneLut.baseHu).toBe(plain.baseHu);
    expect(boneLut.table.length).toBe(plain.table.length);
    const palette = colormapPalette('bone');
    for (let k = 0; k < plain.table.length; k += 37) expect(boneLut.table[k]).toBe(palette[unpackRgba(plain.table[k])[0]]);
  });
});
