/**
 * Where a slice image lands on the canvas: fit to the viewport keeping the
 * physical aspect ratio (pixel spacing along u and v), then zoom about the
 * viewport centre, pan, and mirror for the radiological convention.
 *
 * Screen (canvas pixel) coordinates of an image point (u, v), with u and v
 * continuous pixel coordinates (pixel k covers [k, k+1)):
 *   sx = scaleX * u + offsetX,  sy = scaleY * v + offsetY
 * which is exactly `ctx.setTransform(scaleX, 0, 0, scaleY, offsetX, offsetY)`
 * followed by `ctx.drawImage(image, 0, 0)`. A flip makes the scale negative.
 */
import { clampZoom, type ViewParams } from '../shared/view';

export interface ImageLayout {
  width: number;
  height: number;
  pixelSpacingMmUv: [number, number];
  flipX: boolean;
  flipY: boolean;
}

export interface ViewTransform {
  scaleX: number;
  scaleY: number;
  offsetX: number;
  offsetY: number;
  /** Drawn size of the whole image on the canvas (always positive). */
  drawnWidthPx: number;
  drawnHeightPx: number;
}

export function computeViewTransform(
  viewportWidthPx: number,
  viewportHeightPx: number,
  image: ImageLayout,
  view: ViewParams,
): ViewTransform {
  const [su, sv] = image.pixelSpacingMmUv;
  const widthMm = image.width * su;
  const heightMm = image.height * sv;
  const pxPerMm = Math.min(viewportWidthPx / widthMm, viewportHeightPx / heightMm) * view.zoom;
  const drawnWidthPx = widthMm * pxPerMm;
  const drawnHeightPx = heightMm * pxPerMm;
  const left = (viewportWidthPx - drawnWidthPx) / 2 + view.panXPx;
  const top = (viewportHeightPx - drawnHeightPx) / 2 + view.panYPx;
  const pxPerU = su * pxPerMm;
  const pxPerV = sv * pxPerMm;
  return {
    scaleX: image.flipX ? -pxPerU : pxPerU,
    scaleY: image.flipY ? -pxPerV : pxPerV,
    offsetX: image.flipX ? left + drawnWidthPx : left,
    offsetY: image.flipY ? top + drawnHeightPx : top,
    drawnWidthPx,
    drawnHeightPx,
  };
}

/** Continuous image coordinates (u, v) under a canvas point. */
export function screenToImage(t: ViewTransform, sx: number, sy: number): [number, number] {
  return [(sx - t.offsetX) / t.scaleX, (sy - t.offsetY) / t.scaleY];
}

/** Canvas point of continuous image coordinates (u, v). */
export function imageToScreen(t: ViewTransform, u: number, v: number): [number, number] {
  return [t.scaleX * u + t.offsetX, t.scaleY * v + t.offsetY];
}

/**
 * Zoom by `factor` keeping the image point under canvas point (px, py) fixed.
 * The image centre sits at viewport centre + pan and scales about itself.
 */
export function zoomAbout(
  view: ViewParams,
  factor: number,
  viewportWidthPx: number,
  viewportHeightPx: number,
  px: number,
  py: number,
): ViewParams {
  const zoom = clampZoom(view.zoom * factor);
  const f = zoom / view.zoom;
  const dx = px - viewportWidthPx / 2;
  const dy = py - viewportHeightPx / 2;
  return {
    zoom,
    panXPx: dx - (dx - view.panXPx) * f,
    panYPx: dy - (dy - view.panYPx) * f,
  };
}
