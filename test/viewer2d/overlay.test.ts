import { describe, expect, it } from 'vitest';
import {
  alphaByte,
  blendByte,
  compositeLabelMap,
  compositeMaskLayer,
  compositeOverlays,
  compositeRectOutline,
  parseHexColor,
  renderBinaryMask,
} from '../../src/viewer2d/overlay';
import { packRgba, unpackRgba } from '../../src/viewer2d/windowLevel';

function greyImage(values: number[]): Uint32Array {
  return Uint32Array.from(values, (g) => packRgba(g, g, g));
}

/** Blending written out in floating point, as the second implementation. */
function over(base: number, colour: number, opacity: number): number {
  return base * (1 - opacity) + colour * opacity;
}

describe('overlay compositing', () => {
  it('opacity 1 paints the colour exactly, opacity 0 leaves the image exactly', () => {
    const img = greyImage([10, 20, 30, 40]);
    compositeMaskLayer(img, { mask: Uint8Array.of(1, 0, 1, 0), color: [200, 100, 50], opacity: 1 });
    expect(Array.from(img, unpackRgba)).toEqual([
      [200, 100, 50, 255],
      [20, 20, 20, 255],
      [200, 100, 50, 255],
      [40, 40, 40, 255],
    ]);
    const before = img.slice();
    compositeMaskLayer(img, { mask: Uint8Array.of(1, 1, 1, 1), color: [255, 0, 0], opacity: 0 });
    expect(img).toEqual(before);
  });

  it('blends at half opacity: exact bytes, and within half a level of the real-valued blend', () => {
    expect(alphaByte(0.5)).toBe(128);
    // floor((100 * 127 + 200 * 128 + 127) / 255) = floor(38427 / 255) = 150
    expect(blendByte(100, 200, 128)).toBe(150);
    const img = greyImage([100]);
    compositeMaskLayer(img, { mask: Uint8Array.of(1), color: [200, 0, 255], opacity: 0.5 });
    // G: floor((100 * 127 + 127) / 255) = 50; B: floor((100 * 127 + 255 * 128 + 127) / 255) = 178.
    expect(unpackRgba(img[0])).toEqual([150, 50, 178, 255]);
    for (let base = 0; base < 256; base += 15) {
      for (let c = 0; c < 256; c += 15) {
        for (const op of [0.1, 0.3, 0.55, 0.9]) {
          const a = alphaByte(op);
          expect(Math.abs(blendByte(base, c, a) - over(base, c, a / 255))).toBeLessThanOrEqual(0.5 + 1e-9);
        }
      }
    }
  });

  it('tints every nonzero mask value, at any length and alignment', () => {
    for (const [offset, n] of [[0, 13], [1, 17], [3, 8], [0, 4096 + 3]]) {
      const buf = new Uint8Array(offset + n);
      const mask = buf.subarray(offset);
      for (let i = 0; i < n; i++) mask[i] = (i * 7) % 5 === 0 ? ((i % 3) + 1) : 0;
      const img = greyImage(Array.from({ length: n }, (_, i) => i % 256));
      compositeMaskLayer(img, { mask, color: [0, 255, 0], opacity: 1 });
      for (let i = 0; i < n; i++) {
        const expected = mask[i] ? [0, 255, 0, 255] : [i % 256, i % 256, i % 256, 255];
        expect(unpackRgba(img[i])).toEqual(expected);
      }
    }
  });

  it('blends layers in order: the later one on top', () => {
    const a = { mask: Uint8Array.of(1, 1, 0), color: [255, 0, 0] as [number, number, number], opacity: 1 };
    const b = { mask: Uint8Array.of(0, 1, 1), color: [0, 0, 255] as [number, number, number], opacity: 0.5 };
    const img = greyImage([0, 0, 0]);
    compositeOverlays(img, [a, b]);
    expect(unpackRgba(img[0])).toEqual([255, 0, 0, 255]);
    expect(unpackRgba(img[1])).toEqual([blendByte(255, 0, 128), 0, blendByte(0, 255, 128), 255]);
    expect(unpackRgba(img[2])).toEqual([0, 0, blendByte(0, 255, 128), 255]);
  });

  it('a switched-off layer (left out of the list) leaves the picture as it was', () => {
    const mask = Uint8Array.of(1, 0, 1, 1);
    const on = greyImage([50, 60, 70, 80]);
    const off = on.slice();
    compositeOverlays(on, [{ mask, color: [255, 255, 0], opacity: 0.4 }]);
    compositeOverlays(off, []);
    expect(off).toEqual(greyImage([50, 60, 70, 80]));
    expect(on).not.toEqual(off);
    expect(on[1]).toBe(off[1]);
  });

  it('draws a label map over every pixel in two colours (imshow of a 0/1 mask with alpha)', () => {
    const img = greyImage([100, 100]);
    compositeLabelMap(img, Uint8Array.of(0, 1), [0, 0, 128], [128, 0, 0], 0.7);
    const a = alphaByte(0.7);
    expect(unpackRgba(img[0])).toEqual([blendByte(100, 0, a), blendByte(100, 0, a), blendByte(100, 128, a), 255]);
    expect(unpackRgba(img[1])).toEqual([blendByte(100, 128, a), blendByte(100, 0, a), blendByte(100, 0, a), 255]);
  });

  it('outlines a rectangle one pixel wide inside its edge, and leaves its inside alone', () => {
    const w = 6, h = 5;
    const img = greyImage(new Array(w * h).fill(0));
    compositeRectOutline(img, w, h, { u0: 1, v0: 1, u1: 5, v1: 4 }, [255, 255, 255], 1);
    const rows: string[] = [];
    for (let v = 0; v < h; v++) {
      let row = '';
      for (let u = 0; u < w; u++) row += unpackRgba(img[u + v * w])[0] === 255 ? '#' : '.';
      rows.push(row);
    }
    expect(rows).toEqual(['......', '.####.', '.#..#.', '.####.', '......']);
  });

  it('clips a rectangle at the image border and leaves the clipped sides open', () => {
    const w = 5, h = 4;
    const img = greyImage(new Array(w * h).fill(0));
    compositeRectOutline(img, w, h, { u0: -2, v0: 1, u1: 3, v1: 9 }, [255, 255, 255], 1);
    const rows: string[] = [];
    for (let v = 0; v < h; v++) {
      let row = '';
      for (let u = 0; u < w; u++) row += unpackRgba(img[u + v * w])[0] === 255 ? '#' : '.';
      rows.push(row);
    }
    expect(rows).toEqual(['.....', '###..', '..#..', '..#..']);
  });

  it('reads CSS colours', () => {
    expect(parseHexColor('#2f8fff')).toEqual([0x2f, 0x8f, 0xff]);
    expect(parseHexColor('#fa0')).toEqual([255, 170, 0]);
    expect(parseHexColor('red')).toEqual([255, 0, 255]);
  });

  it('renders a binary mask in two opaque colours', () => {
    const out = new Uint32Array(3);
    renderBinaryMask(Uint8Array.of(0, 1, 2), [0, 0, 0], [255, 255, 255], out);
    expect(Array.from(out, unpackRgba)).toEqual([[0, 0, 0, 255], [255, 255, 255, 255], [255, 255, 255, 255]]);
  });
});
