/**
 * HU classes of the densitometry (core/analysis/densitometry.ts
 * DEFAULT_HU_CLASSES, 3D Slicer Lung CT Analyzer's defaults) as a lookup
 * table for drawing: one byte per int16 HU value, 0 = in no class, k + 1 =
 * class k. Intervals are (lo, hi], as the densitometry counts them, so
 * −950 is emphysema and −949 inflated. The display colours of the classes
 * live here too so that the 2D overlay, the 3D surface and the legends agree.
 *
 * Cost: building O(65536) once per class list (64 KiB); a lookup is one read.
 */
import { DEFAULT_HU_CLASSES, type HuClassDefinition } from '../analysis/densitometry';

/** Offset of HU −32768 in the table. */
const HU_OFFSET = 32768;
const LUT_SIZE = 65536;

/** Colours (#rrggbb) and relative opacity of the default classes, by name. */
export const HU_CLASS_STYLE: Record<string, { color: string; alpha: number }> = {
  emphysema: { color: '#1a2fd6', alpha: 1 },
  inflated: { color: '#8fd3ff', alpha: 0.45 },
  infiltrated: { color: '#ffe21a', alpha: 1 },
  collapsed: { color: '#ff8a00', alpha: 1 },
  vessels: { color: '#e0141b', alpha: 1 },
};
/** Colour of a class without a style entry (user-defined names). */
const FALLBACK_STYLE = { color: '#c040ff', alpha: 1 };

export function huClassStyle(name: string): { color: string; alpha: number } {
  return HU_CLASS_STYLE[name] ?? FALLBACK_STYLE;
}

export interface HuClassLut {
  classes: readonly HuClassDefinition[];
  /** table[hu + 32768] = 0 (no class) or class index + 1. */
  table: Uint8Array;
}

/** The lookup table of `classes` (at most 255; a HU in two classes gets the first). */
export function buildHuClassLut(classes: readonly HuClassDefinition[] = DEFAULT_HU_CLASSES): HuClassLut {
  if (classes.length > 255) throw new RangeError(`${classes.length} HU classes, at most 255`);
  const table = new Uint8Array(LUT_SIZE);
  for (let k = classes.length - 1; k >= 0; k--) {
    const c = classes[k];
    // lo < HU <= hi, clipped to int16.
    const from = Math.max(-HU_OFFSET, Math.floor(c.loHu) + 1);
    const to = Math.min(HU_OFFSET - 1, Math.floor(c.hiHu));
    if (to >= from) table.fill(k + 1, from + HU_OFFSET, to + HU_OFFSET + 1);
  }
  return { classes, table };
}

let defaultLut: HuClassLut | null = null;
/** The table of DEFAULT_HU_CLASSES, made once. */
export function defaultHuClassLut(): HuClassLut {
  return (defaultLut ??= buildHuClassLut(DEFAULT_HU_CLASSES));
}

/** Class index (0-based) of an integer HU value, or −1 when in no class. */
export function huClassIndex(lut: HuClassLut, hu: number): number {
  const h = Math.round(hu);
  if (!(h >= -HU_OFFSET && h < HU_OFFSET)) return -1;
  return lut.table[h + HU_OFFSET] - 1;
}

/** The table's offset: class of int16 `hu` is table[hu + HU_CLASS_LUT_OFFSET] − 1. */
export const HU_CLASS_LUT_OFFSET = HU_OFFSET;
