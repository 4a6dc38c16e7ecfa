import { describe, expect, it } from 'vitest';
import { MAX_ZOOM } from '../../src/shared/view';
import { computeViewTransform, imageToScreen, screenToImage, zoomAbout, type ImageLayout } from '../../src/viewer2d/viewTransform';

const square: ImageLayout = { width: 512, height: 512, pixelSpacingMmUv: [0.7, 0.7], flipX: false, flipY: false };

describe('view transform', () => {
  it('fits a square image into a wide viewport, centred, at zoom 1', () => {
    const t = computeViewTransform(800, 600, square, { zoom: 1, panXPx: 0, panYPx: 0 });
    expect(t.drawnHeightPx).toBeCloseTo(600);
    expect(t.drawnWidthPx).toBeCloseTo(600);
    expect(imageToScreen(t, 0, 0)).toEqual([100, 0]);
    expect(imageToScreen(t, 512, 512)[0]).toBeCloseTo(700);
  });

  it('keeps the physical aspect ratio of non-square images with non-square pixels', () => {
    // 400 rows x 512 columns, pixels 0.5 mm wide and 0.8 mm tall: 256 mm x 320 mm.
    const img: ImageLayout = { width: 512, height: 400, pixelSpacingMmUv: [0.5, 0.8], flipX: false, flipY: false };
    const t = computeViewTransform(1000, 500, img, { zoom: 1, panXPx: 0, panYPx: 0 });
    expect(t.drawnWidthPx / t.drawnHeightPx).toBeCloseTo(256 / 320, 10);
    expect(t.drawnHeightPx).toBeCloseTo(500);
    expect(t.scaleY / t.scaleX).toBeCloseTo(0.8 / 0.5, 10);
  });

  it('maps screen to image and back', () => {
    const t = computeViewTransform(640, 480, { ...square, flipX: true }, { zoom: 2.5, panXPx: 13, panYPx: -7 });
    for (const [u, v] of [[0, 0], [100.5, 300.25], [511.9, 12]]) {
      const [sx, sy] = imageToScreen(t, u, v);
      const [u2, v2] = screenToImage(t, sx, sy);
      expect(u2).toBeCloseTo(u, 9);
      expect(v2).toBeCloseTo(v, 9);
    }
  });

  it('mirrors a flipped axis: the first column lands on the right edge', () => {
    const t = computeViewTransform(600, 600, { ...square, flipX: true }, { zoom: 1, panXPx: 0, panYPx: 0 });
    expect(imageToScreen(t, 0, 0)[0]).toBeCloseTo(600);
    expect(imageToScreen(t, 512, 0)[0]).toBeCloseTo(0);
  });

  it('pans by whole canvas pixels', () => {
    const a = computeViewTransform(600, 600, square, { zoom: 1, panXPx: 0, panYPx: 0 });
    const b = computeViewTransform(600, 600, square, { zoom: 1, panXPx: 30, panYPx: -20 });
    expect(b.offsetX - a.offsetX).toBeCloseTo(30);
    expect(b.offsetY - a.offsetY).toBeCloseTo(-20);
  });

  it('zooms about the pointer: the image point under it stays put', () => {
    const view = { zoom: 1.3, panXPx: 25, panYPx: -40 };
    const before = computeViewTransform(800, 600, square, view);
    const [px, py] = [612, 155];
    const [u, v] = screenToImage(before, px, py);
    const next = zoomAbout(view, 1.7, 800, 600, px, py);
    const after = computeViewTransform(800, 600, square, next);
    const [sx, sy] = imageToScreen(after, u, v);
    expect(sx).toBeCloseTo(px, 9);
    expect(sy).toBeCloseTo(py, 9);
    expect(next.zoom).toBeCloseTo(1.3 * 1.7);
  });

  it('clamps the zoom', () => {
    expect(zoomAbout({ zoom: 30, panXPx: 0, panYPx: 0 }, 10, 100, 100, 50, 50).zoom).toBe(MAX_ZOOM);
  });
});
