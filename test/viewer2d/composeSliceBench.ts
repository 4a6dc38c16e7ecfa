/**
 * Timing of the slice picture with overlays, as the viewer composes it on
 * every slider step: window/level of a 512 x 512 slice plus four mask layers
 * (lungs, unfilled lungs, internal structures, GK), median of many runs.
 * Exported for the benchmark harness; the unit test prints it.
 */
import { composeSlice } from '../../src/viewer2d/composeSlice';
import { colormapPalette } from '../../src/viewer2d/colormaps';
import type { OverlayLayer } from '../../src/viewer2d/overlay';
import { buildWindowLut } from '../../src/viewer2d/windowLevel';

export interface ComposeSliceBench {
  name: string;
  width: number;
  height: number;
  layers: number;
  runs: number;
  medianMs: number;
  minMs: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** A chest-like slice (two lungs inside a body) and four masks over it. */
export function syntheticSliceWithMasks(size = 512): { hu: Int16Array; masks: Uint8Array[] } {
  const n = size * size;
  const hu = new Int16Array(n);
  const masks = Array.from({ length: 4 }, () => new Uint8Array(n));
  let seed = 12345;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = x + y * size;
      const u = (x - size / 2) / (size / 2);
      const v = (y - size / 2) / (size / 2);
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = ((seed >>> 16) % 41) - 20;
      const body = u * u / 0.8 + v * v / 0.55 < 1;
      const lung = ((u + 0.4) ** 2) / 0.08 + v * v / 0.25 < 1 || ((u - 0.4) ** 2) / 0.08 + v * v / 0.25 < 1;
      const vessel = lung && (x * 7 + y * 13) % 61 < 3;
      hu[i] = (!body ? -1000 : lung ? (vessel ? 40 : -850) : 40) + noise;
      if (lung) masks[0][i] = 1;
      if (lung && !vessel) masks[1][i] = 1;
      if (vessel) masks[2][i] = 1;
      if (vessel && (x + y) % 5 === 0) masks[3][i] = 1;
    }
  }
  return { hu, masks };
}

export function composeSliceBench(runs = 60): ComposeSliceBench {
  const size = 512;
  const { hu, masks } = syntheticSliceWithMasks(size);
  const colours: [number, number, number][] = [[47, 143, 255], [57, 217, 138], [255, 59, 59], [255, 210, 31]];
  const layers: OverlayLayer[] = masks.map((mask, k) => ({ mask, color: colours[k], opacity: 0.3 + 0.15 * k }));
  const lut = buildWindowLut({ center: -600, width: 1500 }, colormapPalette('bone'));
  const out = new Uint32Array(size * size);
  const times: number[] = [];
  // Warm-up, then timed runs.
  for (let k = 0; k < 10; k++) composeSlice({ hu, width: size, height: size, lut, layers }, out);
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    composeSlice({ hu, width: size, height: size, lut, layers, rects: [{ rect: { u0: 100, v0: 100, u1: 140, v1: 140 }, color: [255, 255, 255], opacity: 0.9 }] }, out);
    times.push(performance.now() - t0);
  }
  return { name: 'render2d+4 overlays (512x512)', width: size, height: size, layers: layers.length, runs, medianMs: median(times), minMs: Math.min(...times) };
}
