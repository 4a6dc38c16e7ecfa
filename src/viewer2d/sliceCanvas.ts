/**
 * Draws a windowed slice on a canvas: the slice is rendered to RGBA at its
 * own size (putImageData into one staging canvas), then drawn once onto the
 * visible canvas with the view transform (aspect ratio, zoom, pan, flips).
 * The staging canvas, its ImageData and the window table are reused across
 * frames; only a change of slice size reallocates them.
 */
import { renderWindowed, type SliceImage } from './renderSlice';
import { buildWindowLut, type WindowLevel, type WindowLut } from './windowLevel';
import { computeViewTransform, type ViewParams, type ViewTransform } from './viewTransform';

export interface SliceFrame {
  image: SliceImage;
  window: WindowLevel;
  view: ViewParams;
  flipX: boolean;
  flipY: boolean;
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

export class SliceCanvas {
  private readonly ctx: CanvasRenderingContext2D;
  private staging: Staging | null = null;
  private imageData: ImageData | null = null;
  private pixels: Uint32Array | null = null;
  private lut: WindowLut | null = null;
  /** The pixels last rendered (buffer, offset, length: a new subarray of the same slice counts as the same). */
  private lastBuffer: ArrayBufferLike | null = null;
  private lastOffset = -1;
  private lastLength = -1;
  private lastLut: WindowLut | null = null;
  private cssWidth = 1;
  private cssHeight = 1;
  private dpr = 1;
  /** Time of the last slice render (window/level + upload), in ms. */
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
    const { image } = frame;
    if (!this.lut || this.lut.center !== frame.window.center || this.lut.width !== frame.window.width) {
      this.lut = buildWindowLut(frame.window);
    }
    if (!this.staging || this.imageData?.width !== image.width || this.imageData?.height !== image.height) {
      this.staging = createStaging(image.width, image.height);
      this.imageData = new ImageData(image.width, image.height);
      this.pixels = new Uint32Array(this.imageData.data.buffer);
      this.lastBuffer = null;
    }
    // Re-render the pixels only when the slice or the window changed (not on pan/zoom).
    const data = image.data;
    const sameData = this.lastBuffer === data.buffer && this.lastOffset === data.byteOffset && this.lastLength === data.length;
    if (!sameData || this.lastLut !== this.lut) {
      const t0 = performance.now();
      renderWindowed(image.data, this.lut, this.pixels!);
      this.staging.ctx.putImageData(this.imageData!, 0, 0);
      this.lastRenderMs = performance.now() - t0;
      this.lastBuffer = data.buffer;
      this.lastOffset = data.byteOffset;
      this.lastLength = data.length;
      this.lastLut = this.lut;
    }
    const t = computeViewTransform(
      this.cssWidth,
      this.cssHeight,
      { width: image.width, height: image.height, pixelSpacingMmUv: image.pixelSpacingMmUv, flipX: frame.flipX, flipY: frame.flipY },
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
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    return t;
  }

  /**
   * Forget the cached pixels. Needed when new pixels arrive in the same
   * buffer range (a reused scratch slice for coronal or sagittal cuts).
   */
  invalidate(): void {
    this.lastBuffer = null;
  }
}
