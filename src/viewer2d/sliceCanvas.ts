/**
 * Draws a slice picture on a canvas: the picture is rendered to RGBA at its
 * own size by the caller's `render` (window/level and overlays composited in
 * one buffer, see composeSlice.ts), put into one staging canvas, then drawn
 * once onto the visible canvas with the view transform (aspect ratio, zoom,
 * pan, flips). Overlays are therefore scaled with the very same transform as
 * the image pixels. The staging canvas and its ImageData are reused across
 * frames; the picture is re-rendered only when its `contentKey` changes (pan
 * and zoom only redraw). An optional `decorate` draws vector marks
 * (crosshair, picked point) in CSS pixels on top.
 */
import type { ViewParams } from '../shared/view';
import { computeViewTransform, type ViewTransform } from './viewTransform';

export interface SliceFrame {
  width: number;
  height: number;
  /** Size of one pixel in mm along u and v (sets the aspect ratio). */
  pixelSpacingMmUv: [number, number];
  /** Identifies the pixels: the picture is re-rendered only when it changes. */
  contentKey: string;
  /** Writes width * height packed RGBA words. */
  render(out: Uint32Array): void;
  view: ViewParams;
  flipX: boolean;
  flipY: boolean;
  /** Vector marks on top, in CSS pixels (the context is already scaled for the device pixel ratio). */
  decorate?(ctx: CanvasRenderingContext2D, t: ViewTransform): void;
}

type Staging = { canvas: OffscreenCanvas | HTMLCanvasElement; ctx: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D };

function createStaging(width: number, height: number): Staging {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (ctx) return { canvas, ctx };
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas is not available');
  return { canvas, ctx };
}

/** Side of the picture warmUpSliceDrawing draws (px). */
const WARM_UP_SIZE = 64;

/**
 * Draws a small picture once through the path every slice takes (RGBA put
 * into a staging canvas, drawn scaled and smoothed onto an opaque canvas,
 * flushed by reading one pixel back), so that a software GPU (SwiftShader,
 * as headless and GPU-less browsers use) compiles its pixel-upload and
 * drawing routines while the page waits for a drop: the first slice's
 * upload otherwise took about 0.2 s there, after the slice was drawn. The
 * canvases are dropped afterwards; nothing is shown.
 */
export function warmUpSliceDrawing(): void {
  if (typeof document === 'undefined' || typeof ImageData === 'undefined') return;
  try {
    const staging = createStaging(WARM_UP_SIZE, WARM_UP_SIZE);
    const image = new ImageData(WARM_UP_SIZE, WARM_UP_SIZE);
    image.data.fill(255);
    staging.ctx.putImageData(image, 0, 0);
    const canvas = document.createElement('canvas');
    canvas.width = WARM_UP_SIZE * 2;
    canvas.height = WARM_UP_SIZE * 2;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) return;
    ctx.setTransform(1.5, 0, 0, 1.5, 0.5, 0.5);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'low';
    ctx.drawImage(staging.canvas, 0, 0);
    ctx.getImageData(0, 0, 1, 1);
  } catch {
    // Only a head start: the first slice draws the same way without it.
  }
}

export class SliceCanvas {
  private readonly ctx: CanvasRenderingContext2D;
  private staging: Staging | null = null;
  private imageData: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private lastKey: string | null = null;
  private cssWidth = 1;
  private cssHeight = 1;
  private dpr = 1;
  /** Time of the last picture render (window/level, overlays and upload), in ms. */
  lastRenderMs = 0;

  constructor(private readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('2D canvas is not available');
    this.ctx = ctx;
  }

  /** Matches the backing store to the element's CSS size and the device pixel ratio. */
  resize(cssWidth: number, cssHeight: number, dpr: number): void {
    this.cssWidth = Math.max(1, cssWidth);
    this.cssHeight = Math.max(1, cssHeight);
    this.dpr = dpr > 0 ? dpr : 1;
    const w = Math.round(this.cssWidth * this.dpr);
    const h = Math.round(this.cssHeight * this.dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
  }

  get viewportCssSize(): [number, number] {
    return [this.cssWidth, this.cssHeight];
  }

  clear(): void {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /** Draws one frame; returns the transform in CSS pixels (for pointer mapping). */
  draw(frame: SliceFrame): ViewTransform {
    const { width, height } = frame;
    if (!this.staging || this.imageData?.width !== width || this.imageData?.height !== height) {
      this.staging = createStaging(width, height);
      this.imageData = new ImageData(width, height);
      this.pixels = new Uint32Array(this.imageData.data.buffer);
      this.lastKey = null;
    }
    if (this.lastKey !== frame.contentKey) {
      const t0 = performance.now();
      frame.render(this.pixels!);
      this.staging.ctx.putImageData(this.imageData!, 0, 0);
      this.lastRenderMs = performance.now() - t0;
      this.lastKey = frame.contentKey;
    }
    const t = computeViewTransform(
      this.cssWidth,
      this.cssHeight,
      { width, height, pixelSpacingMmUv: frame.pixelSpacingMmUv, flipX: frame.flipX, flipY: frame.flipY },
      frame.view,
    );
    this.clear();
    const ctx = this.ctx;
    const d = this.dpr;
    ctx.setTransform(t.scaleX * d, 0, 0, t.scaleY * d, t.offsetX * d, t.offsetY * d);
    // Bilinear interpolation, as most radiology viewers do. ('high' is
    // bicubic/mipmapped and cost about twice the frame time with a software
    // GPU, for no visible gain at these scales.)
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'low';
    ctx.drawImage(this.staging.canvas, 0, 0);
    if (frame.decorate) {
      ctx.setTransform(d, 0, 0, d, 0, 0);
      frame.decorate(ctx, t);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    return t;
  }

  /** Forget the rendered picture (the next draw renders again). */
  invalidate(): void {
    this.lastKey = null;
  }
}
