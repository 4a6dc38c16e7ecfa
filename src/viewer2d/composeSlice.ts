/**
 * One slice picture as packed RGBA: window/level (through an optional colour
 * palette), then the density classes and the mask overlays blended in,
 * then outlines. Pure and DOM-free,
 * so it is tested and timed in Node; the canvas only uploads the result.
 *
 * Cost: O(pixels) for the window pass plus overlay.ts per layer.
 */
import type { Rgb } from './colormaps';
import { compositeLabelMap, compositeOverlays, compositeRectOutline, type OverlayLayer, type PixelRect } from './overlay';
import { compositeHuClasses, type HuClassOverlay } from './densityOverlay';
import { renderWindowed } from './renderSlice';
import type { WindowLut } from './windowLevel';

export interface RectOverlay {
  rect: PixelRect;
  color: Rgb;
  opacity: number;
  thickness?: number;
}

/** A mask shown over every pixel through two colours (the tutorial's imshow(mask, cmap, alpha)). */
export interface LabelMapOverlay {
  mask: Uint8Array;
  colour0: Rgb;
  colour1: Rgb;
  opacity: number;
}

export interface ComposeSliceInput {
  /** HU of the slice, u + v * width. */
  hu: Int16Array;
  width: number;
  height: number;
  lut: WindowLut;
  labelMap?: LabelMapOverlay | null;
  /** Density classes of the lung pixels, drawn over the first `afterLayers` mask layers and under the rest. */
  huClasses?: HuClassOverlay | null;
  layers?: readonly OverlayLayer[];
  rects?: readonly RectOverlay[];
}

/** Renders the slice and its overlays into `out` (at least width * height words). */
export function composeSlice(input: ComposeSliceInput, out: Uint32Array): void {
  const { width, height } = input;
  const n = width * height;
  if (input.hu.length !== n) throw new RangeError(`slice holds ${input.hu.length} values, expected ${n}`);
  renderWindowed(input.hu, input.lut, out);
  if (input.labelMap) {
    const m = input.labelMap;
    compositeLabelMap(out, m.mask, m.colour0, m.colour1, m.opacity);
  }
  const layers = input.layers ?? [];
  const split = input.huClasses ? Math.min(layers.length, Math.max(0, input.huClasses.afterLayers ?? 0)) : 0;
  if (split > 0) compositeOverlays(out, layers.slice(0, split));
  if (input.huClasses) compositeHuClasses(out, input.hu, input.huClasses);
  if (layers.length > split) compositeOverlays(out, split > 0 ? layers.slice(split) : layers);
  if (input.rects) for (const r of input.rects) compositeRectOutline(out, width, height, r.rect, r.color, r.opacity, r.thickness ?? 1);
}
