import { describe, expect, it } from 'vitest';
import { composeSlice } from '../../src/viewer2d/composeSlice';
import { alphaByte, blendByte } from '../../src/viewer2d/overlay';
import { buildWindowLut, unpackRgba, windowGrey } from '../../src/viewer2d/windowLevel';
import { composeSliceBench, syntheticSliceWithMasks } from './composeSliceBench';

describe('slice picture with overlays', () => {
  it('is the windowed grey where no overlay is, and the blend of that grey where one is', () => {
    const wl = { center: 40, width: 400 };
    const hu = Int16Array.of(-1000, 0, 40, 240);
    const out = new Uint32Array(4);
    composeSlice(
      {
        hu,
        width: 2,
        height: 2,
        lut: buildWindowLut(wl),
        layers: [{ mask: Uint8Array.of(0, 1, 0, 1), color: [255, 0, 0], opacity: 0.5 }],
      },
      out,
    );
    const a = alphaByte(0.5);
    for (let i = 0; i < 4; i++) {
      const g = windowGrey(hu[i], wl);
      const expected = i % 2 ? [blendByte(g, 255, a), blendByte(g, 0, a), blendByte(g, 0, a), 255] : [g, g, g, 255];
      expect(unpackRgba(out[i])).toEqual(expected);
    }
  });

  it('rejects a slice whose size does not match', () => {
    expect(() => composeSlice({ hu: new Int16Array(5), width: 2, height: 2, lut: buildWindowLut({ center: 0, width: 10 }) }, new Uint32Array(4))).toThrow(RangeError);
  });

  it('the synthetic benchmark slice has lungs and vessels in its masks', () => {
    const { masks } = syntheticSliceWithMasks(128);
    const counts = masks.map((m) => m.reduce((a, v) => a + v, 0));
    expect(counts[0]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[2]);
    expect(counts[2]).toBeGreaterThan(counts[3]);
    expect(counts[3]).toBeGreaterThan(0);
  });

  it('composes a 512 x 512 slice with four overlays well within a frame (16 ms)', () => {
    const r = composeSliceBench(40);
    console.log(`${r.name}: median ${r.medianMs.toFixed(2)} ms, min ${r.minMs.toFixed(2)} ms over ${r.runs} runs`);
    expect(r.medianMs).toBeLessThan(16);
  });
});
