import { describe, expect, it } from 'vitest';
import { DEFAULT_HU_CLASSES } from '../../src/core/analysis/densitometry';
import { defaultHuClassLut, huClassStyle } from '../../src/core/density/huClassLut';
import { composeSlice } from '../../src/viewer2d/composeSlice';
import { alphaByte, blendByte, parseHexColor } from '../../src/viewer2d/overlay';
import { buildWindowLut, unpackRgba, windowGrey } from '../../src/viewer2d/windowLevel';

/** The pixel expected for `hu` tinted by class `name` at `opacity`. */
function tinted(hu: number, name: string, opacity: number, wl: { center: number; width: number }) {
  const g = windowGrey(hu, wl);
  const style = huClassStyle(name);
  const a = alphaByte(opacity * style.alpha);
  const [r, gg, b] = parseHexColor(style.color);
  return [blendByte(g, r, a), blendByte(g, gg, a), blendByte(g, b, a), 255];
}

describe('density-class overlay', () => {
  const wl = { center: -600, width: 1500 };
  // Boundary values of every class, one pixel each, plus one outside all classes.
  const cases: Array<[number, string | null]> = [
    [-1050, null],
    [-1049, 'emphysema'],
    [-950, 'emphysema'],
    [-949, 'inflated'],
    [-750, 'inflated'],
    [-749, 'infiltrated'],
    [-400, 'infiltrated'],
    [-399, 'collapsed'],
    [0, 'collapsed'],
    [1, 'vessels'],
    [3000, 'vessels'],
    [3001, null],
  ];

  it('tints each lung pixel by its class, exactly at the interval boundaries, and leaves the rest grey', () => {
    const n = cases.length * 2;
    // Row 0: inside the mask; row 1: the same HU outside it.
    const hu = Int16Array.from([...cases.map((c) => c[0]), ...cases.map((c) => c[0])]);
    const mask = new Uint8Array(n);
    mask.fill(1, 0, cases.length);
    const out = new Uint32Array(n);
    const opacity = 0.6;
    composeSlice({ hu, width: cases.length, height: 2, lut: buildWindowLut(wl), huClasses: { mask, lut: defaultHuClassLut(), opacity } }, out);
    cases.forEach(([v, name], i) => {
      const grey = windowGrey(v, wl);
      const plain = [grey, grey, grey, 255];
      expect(unpackRgba(out[i]), `HU ${v} in the lung`).toEqual(name ? tinted(v, name, opacity, wl) : plain);
      expect(unpackRgba(out[cases.length + i]), `HU ${v} outside the lung`).toEqual(plain);
    });
  });

  it('gives the classes distinct colours and draws nothing at opacity 0', () => {
    const colours = new Set(DEFAULT_HU_CLASSES.map((c) => huClassStyle(c.name).color));
    expect(colours.size).toBe(DEFAULT_HU_CLASSES.length);
    const hu = Int16Array.of(-980, -600);
    const out = new Uint32Array(2);
    composeSlice({ hu, width: 2, height: 1, lut: buildWindowLut(wl), huClasses: { mask: Uint8Array.of(1, 1), lut: defaultHuClassLut(), opacity: 0 } }, out);
    expect(unpackRgba(out[0])).toEqual([windowGrey(-980, wl), windowGrey(-980, wl), windowGrey(-980, wl), 255]);
  });

  it('draws the classes over the first afterLayers mask layers and under the rest', () => {
    const hu = Int16Array.of(-600, -600);
    const mask = Uint8Array.of(1, 1);
    const lung = { mask: Uint8Array.of(1, 1), color: [0, 0, 255] as [number, number, number], opacity: 1 };
    const structure = { mask: Uint8Array.of(0, 1), color: [0, 255, 0] as [number, number, number], opacity: 1 };
    const out = new Uint32Array(2);
    composeSlice({ hu, width: 2, height: 1, lut: buildWindowLut(wl), layers: [lung, structure], huClasses: { mask, lut: defaultHuClassLut(), opacity: 1, afterLayers: 1 } }, out);
    // Pixel 0: the infiltrated colour (opaque) over the blue lung; pixel 1: the opaque structure on top.
    expect(unpackRgba(out[0])).toEqual([...parseHexColor(huClassStyle('infiltrated').color), 255]);
    expect(unpackRgba(out[1])).toEqual([0, 255, 0, 255]);
    // Without afterLayers the classes go under every layer.
    composeSlice({ hu, width: 2, height: 1, lut: buildWindowLut(wl), layers: [lung, structure], huClasses: { mask, lut: defaultHuClassLut(), opacity: 1 } }, out);
    expect(unpackRgba(out[0])).toEqual([0, 0, 255, 255]);
  });
});
