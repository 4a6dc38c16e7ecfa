/**
 * Imported segments travel from the mask worker to the page as bits, eight
 * segments a byte (segment k: bit k % 8 of plane k >> 3), which the slice
 * views read through MaskBits: ten overlapping random masks go in and come
 * out unchanged, and each plane holds its eight segments.
 */
import { expect, it } from 'vitest';
import { packSegmentBits, unpackSegmentBits } from '../../src/workers/cropWorkerApi';
import { extractMaskSlice } from '../../src/viewer2d/maskSlice';

it('packs ten overlapping masks into two planes and reads each back, also as a slice view does', () => {
  const n = 6 * 5 * 4;
  let s = 7;
  const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
  const masks = Array.from({ length: 10 }, () => Uint8Array.from({ length: n }, () => (next() < 0.4 ? 1 : 0)));
  const planes = packSegmentBits(masks, n);
  expect(planes).toHaveLength(2);
  masks.forEach((m, k) => {
    expect(unpackSegmentBits(planes, k)).toEqual(m);
    const bit = 1 << (k & 7);
    const axial = extractMaskSlice({ nx: 6, ny: 5, nz: 4, zOffset: 0, data: planes[k >> 3], bits: { select: bit, equals: bit } }, 4, 'axial', 2);
    expect(axial).toEqual(m.subarray(60, 90));
  });
});
