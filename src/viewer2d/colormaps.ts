/**
 * Colour maps for slices and mask overlays: matplotlib's "bone" (the
 * tutorial's `plt.cm.bone`) and "jet" (the tutorial's internal-structures
 * overlay), plus plain grey.
 *
 * Variant: matplotlib's LinearSegmentedColormap definitions (_cm.py,
 * `_bone_data`, `_jet_data`): each channel is piecewise linear between the
 * listed (x, y) points. matplotlib samples a map into N = 256 entries at
 * x = i / 255; `colormapPalette` does the same, so palette[i] equals
 * matplotlib's lut[i] up to rounding to bytes. bone is MATLAB's
 * (7 * gray + reversed hot) / 8, which the tests use as a second definition.
 *
 * Cost: O(points) per evaluation; a palette is 256 packed RGBA words, built
 * once per map.
 */
import type { SliceColormap } from '../shared/view';
import { packRgba } from './windowLevel';

export type Rgb = [number, number, number];


type Channel = ReadonlyArray<readonly [number, number]>;
interface SegmentData {
  r: Channel;
  g: Channel;
  b: Channel;
}

const BONE: SegmentData = {
  r: [[0, 0], [0.746032, 0.652778], [1, 1]],
  g: [[0, 0], [0.365079, 0.319444], [0.746032, 0.777778], [1, 1]],
  b: [[0, 0], [0.365079, 0.444444], [1, 1]],
};

const JET: SegmentData = {
  r: [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  g: [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  b: [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
};

function channelAt(c: Channel, t: number): number {
  const x = t < 0 ? 0 : t > 1 ? 1 : t;
  for (let k = 1; k < c.length; k++) {
    const [x1, y1] = c[k];
    if (x <= x1) {
      const [x0, y0] = c[k - 1];
      return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return c[c.length - 1][1];
}

function evaluate(d: SegmentData, t: number): Rgb {
  return [channelAt(d.r, t), channelAt(d.g, t), channelAt(d.b, t)];
}

/** matplotlib bone at t in [0, 1] (clamped): RGB in [0, 1]. */
export function bone(t: number): Rgb {
  return evaluate(BONE, t);
}

/** matplotlib jet at t in [0, 1] (clamped): RGB in [0, 1]. */
export function jet(t: number): Rgb {
  return evaluate(JET, t);
}

/** RGB in [0, 1] to bytes (rounded). */
export function rgbBytes(c: Rgb): Rgb {
  return [Math.round(c[0] * 255), Math.round(c[1] * 255), Math.round(c[2] * 255)];
}

const palettes = new Map<SliceColormap, Uint32Array>();

/**
 * 256 packed opaque RGBA words: entry g is the colour of grey level g
 * (g / 255 along the map). Cached per map; do not modify.
 */
export function colormapPalette(name: SliceColormap): Uint32Array {
  let p = palettes.get(name);
  if (!p) {
    p = new Uint32Array(256);
    for (let g = 0; g < 256; g++) {
      if (name === 'grey') p[g] = packRgba(g, g, g);
      else {
        const [r, gg, b] = rgbBytes(bone(g / 255));
        p[g] = packRgba(r, gg, b);
      }
    }
    palettes.set(name, p);
  }
  return p;
}
