/**
 * The density-class overlay: every pixel inside the (filled) lung mask is
 * tinted by the HU class of its voxel (densitometry classes, core
 * density/huClassLut.ts), one colour per class, computed from the slice's
 * HU at draw time through the 64 KiB class table. Blending as overlay.ts
 * ("over", 8-bit tables), each class at the overlay's opacity times its own
 * relative alpha (inflated lung is drawn fainter, so that normal lung stays
 * readable and the abnormal classes stand out).
 *
 * Cost: O(pixels) table reads for the mask, plus one class lookup and three
 * blend lookups per lung pixel; tables 768 bytes per class.
 */
import { HU_CLASS_LUT_OFFSET, huClassStyle, type HuClassLut } from '../core/density/huClassLut';
import { alphaByte, blendPixel, blendTables, parseHexColor, type BlendTables } from './overlay';

export interface HuClassOverlay {
  /** 0/1 per pixel: the pixels that are classed (the filled lungs). */
  mask: Uint8Array;
  lut: HuClassLut;
  /** 0..1, times each class's own alpha. */
  opacity: number;
  /** Mask layers of the slice drawn before (under) the classes; the rest go on top (default 0: all on top). */
  afterLayers?: number;
}

/** Blend tables of each class at `opacity` (null for a class drawn at alpha 0). */
function classTables(lut: HuClassLut, opacity: number): (BlendTables | null)[] {
  return lut.classes.map((c) => {
    const style = huClassStyle(c.name);
    const a = alphaByte(opacity * style.alpha);
    return a === 0 ? null : blendTables(parseHexColor(style.color), a);
  });
}

/** Tints `pixels` (packed RGBA) where `overlay.mask` is set, by the class of `hu` there. */
export function compositeHuClasses(pixels: Uint32Array, hu: Int16Array, overlay: HuClassOverlay): void {
  const { mask } = overlay;
  const n = mask.length;
  if (pixels.length < n || hu.length < n) throw new RangeError(`image holds ${pixels.length} pixels and ${hu.length} HU, mask has ${n}`);
  if (alphaByte(overlay.opacity) === 0) return;
  const tables = classTables(overlay.lut, overlay.opacity);
  const table = overlay.lut.table;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const k = table[hu[i] + HU_CLASS_LUT_OFFSET];
    if (k === 0) continue;
    const t = tables[k - 1];
    if (t) pixels[i] = blendPixel(pixels[i], t);
  }
}
