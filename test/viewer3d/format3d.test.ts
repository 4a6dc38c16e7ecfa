import { describe, expect, it } from 'vitest';
import { decimationText, formatAreaCm2, formatCount, formatMl, meshStatsText } from '../../src/ui/view3d/format3d';

describe('3D panel texts', () => {
  it('writes counts short: 950, 12.3k, 300k, 1.37M', () => {
    expect(formatCount(950)).toBe('950');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(300_000)).toBe('300k');
    expect(formatCount(1_370_000)).toBe('1.37M');
    expect(formatCount(Number.NaN)).toBe('–');
  });

  it('says how much of a decimated mesh is drawn, and nothing otherwise', () => {
    expect(decimationText({ decimated: true, displayTriangles: 300_000, triangles: 1_370_000 })).toBe('showing 300k of 1.37M triangles');
    expect(decimationText({ decimated: false, displayTriangles: 5, triangles: 5 })).toBeNull();
  });

  it('gives area in cm² and volume in mL', () => {
    expect(formatAreaCm2(185_900)).toBe('1,859 cm²');
    expect(formatAreaCm2(1_440)).toBe('14.4 cm²');
    expect(formatMl(3477.5)).toBe('3,478 mL');
    expect(formatMl(0.2)).toBe('0.2 mL');
    expect(meshStatsText({ triangles: 449_968, areaMm2: 185_900, volumeMl: 3477.5 })).toBe('450k triangles · 1,859 cm² · 3,478 mL');
  });
});
