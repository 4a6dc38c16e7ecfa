import { describe, expect, it } from 'vitest';
import { assembleVolume, buildSeries, compareSeriesForDisplay, groupSeries, planSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { makeTestFile, type TestImage } from './testFiles';

/** Decodes a synthetic file whose pixels all hold `value` (HU = value, intercept 0). */
function slice(name: string, value: number, img: Partial<TestImage> = {}): DecodedSlice {
  const rows = img.rows ?? 2;
  const columns = img.columns ?? 3;
  const r = parseDicomFile(makeTestFile({ rows, columns, intercept: 0, pixels: new Int16Array(rows * columns).fill(value), ...img }), name);
  if (!r.ok) throw new Error(r.skipped.reason);
  return r.slices[0];
}

/** An axial stack: slice k at z = z0 + k*dz holds the value k; InstanceNumber decreases with z. */
function stack(n: number, dz: number, img: Partial<TestImage> = {}, z0 = -100): DecodedSlice[] {
  return Array.from({ length: n }, (_, k) => slice(`s${String(k).padStart(3, '0')}.dcm`, k, { ipp: [-50, -60, z0 + k * dz], instanceNumber: n - k, ...img }));
}

function shuffled<T>(a: T[], seed: number): T[] {
  const out = [...a];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Value of each volume slice (all pixels of a test slice are equal). */
function sliceValues(hu: Int16Array, per: number): number[] {
  return Array.from({ length: hu.length / per }, (_, z) => hu[z * per]);
}

describe('buildSeries', () => {
  it('sorts by position along the normal whatever the input order, and assembles x fastest', () => {
    const slices = stack(12, 2.5);
    for (const seed of [1, 2, 3]) {
      const [s] = buildSeries(shuffled(slices, seed));
      expect(sliceValues(s.volume.hu, 6)).toEqual([...Array(12).keys()]);
      expect(s.summary.files).toEqual(slices.map((x) => x.header.file));
      expect(s.summary.dimsZyx).toEqual([12, 2, 3]);
      expect(s.summary.spacingMmZyx).toEqual([2.5, 0.5, 0.5]);
      expect(s.volume.originMm).toEqual([-50, -60, -100]);
      expect(s.summary.slicePositionsMm).toEqual(slices.map((_, k) => -100 + k * 2.5));
      expect(s.summary.warnings).toEqual([]);
    }
  });

  it('places pixel (column c, row r) of slice z at index c + r*nx + z*nx*ny', () => {
    const px = (k: number) => Int16Array.from({ length: 6 }, (_, i) => 100 * k + i);
    const slices = [0, 1].map((k) => {
      const r = parseDicomFile(makeTestFile({ rows: 2, columns: 3, intercept: 0, pixels: px(k), ipp: [0, 0, k] }), `p${k}.dcm`);
      if (!r.ok) throw new Error(r.skipped.reason);
      return r.slices[0];
    });
    const [s] = buildSeries([slices[1], slices[0]]);
    expect([...s.volume.hu]).toEqual([...px(0), ...px(1)]);
  });

  it('sorts a sagittal stack along row × column (not along patient z)', () => {
    // row = +y, column = -z: normal = (0,1,0) × (0,0,-1) = (-1,0,0)
    const slices = Array.from({ length: 5 }, (_, k) => slice(`x${k}.dcm`, k, { ipp: [10 + 1.5 * k, 0, 0], iop: [0, 1, 0, 0, 0, -1] }));
    const [s] = buildSeries(shuffled(slices, 7));
    expect(sliceValues(s.volume.hu, 6)).toEqual([4, 3, 2, 1, 0]);
    expect(s.volume.directionXyz[2]).toEqual([-1, 0, 0]);
    expect(s.volume.originMm).toEqual([16, 0, 0]);
    expect(s.summary.spacingMmZyx[0]).toBeCloseTo(1.5, 9);
  });

  it('keeps one slice per duplicate position and says so', () => {
    const slices = stack(6, 3);
    const dup = slice('copy.dcm', 99, { ipp: slices[2].header.imagePositionMm!, instanceNumber: 50 });
    const [s] = buildSeries([...slices, dup]);
    expect(s.summary.dimsZyx[0]).toBe(6);
    expect(sliceValues(s.volume.hu, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.summary.warnings.join('\n')).toMatch(/1 slice\(s\) at duplicate positions dropped.*copy\.dcm/);
  });

  it('reports a gap where a slice is missing, keeping the median spacing', () => {
    const slices = stack(10, 2);
    const [s] = buildSeries(slices.filter((_, k) => k !== 4));
    expect(s.summary.dimsZyx[0]).toBe(9);
    expect(s.summary.spacingMmZyx[0]).toBe(2);
    expect(s.summary.warnings.join('\n')).toMatch(/gap .*about 1 slice\(s\) missing/);
  });

  it('reports uneven spacing', () => {
    const zs = [0, 2, 4, 6.4, 8.4, 10.4];
    const [s] = buildSeries(zs.map((z, k) => slice(`u${k}.dcm`, k, { ipp: [0, 0, z] })));
    expect(s.summary.spacingMmZyx[0]).toBe(2);
    expect(s.summary.warnings.join('\n')).toMatch(/uneven slice spacing: 1 step/);
  });

  it('reports a stack that is not orthogonal to its slices (gantry tilt)', () => {
    const tan = Math.tan((10 * Math.PI) / 180);
    const slices = Array.from({ length: 8 }, (_, k) => slice(`t${k}.dcm`, k, { ipp: [0, 3 * k * tan, 3 * k] }));
    const [s] = buildSeries(slices);
    expect(s.summary.warnings.join('\n')).toMatch(/not orthogonal .*10\.0°/);
  });

  it('puts two series in one folder into two volumes, largest first', () => {
    const a = stack(4, 1, { seriesUid: '2.25.1' });
    const b = stack(7, 1, { seriesUid: '2.25.2' });
    const series = buildSeries(shuffled([...a, ...b], 3));
    expect(series.map((s) => [s.summary.id, s.summary.dimsZyx[0]])).toEqual([['2.25.2', 7], ['2.25.1', 4]]);
  });

  it('splits one SeriesInstanceUID by orientation, frame of reference and image size, with order-independent ids', () => {
    const axial = stack(5, 1);
    const coronal = Array.from({ length: 3 }, (_, k) => slice(`c${k}.dcm`, k, { iop: [1, 0, 0, 0, 0, -1], ipp: [0, k, 0] }));
    const otherFor = stack(2, 1, { frameOfReferenceUid: '2.25.999' });
    const bigger = stack(4, 1, { rows: 3, columns: 3 });
    const all = [...axial, ...coronal, ...otherFor, ...bigger];
    const groups = groupSeries(all);
    expect(groups.map((g) => [g.id, g.items.length])).toEqual([['2.25.2222#1', 5], ['2.25.2222#2', 4], ['2.25.2222#3', 3], ['2.25.2222#4', 2]]);
    const again = groupSeries(shuffled(all, 11));
    expect(again.map((g) => [g.id, g.items.length])).toEqual(groups.map((g) => [g.id, g.items.length]));
  });

  it('falls back to InstanceNumber order with a warning when positions are missing', () => {
    const slices = [3, 1, 2].map((n) => slice(`n${n}.dcm`, n, { ipp: null, instanceNumber: n, sliceThickness: 1.25 }));
    const [s] = buildSeries(slices);
    expect(sliceValues(s.volume.hu, 6)).toEqual([1, 2, 3]);
    expect(s.summary.spacingMmZyx[0]).toBe(1.25);
    expect(s.summary.warnings.join('\n')).toMatch(/ImagePositionPatient missing on 3 of 3 slices: slices sorted by InstanceNumber/);
  });

  it('accepts a single slice: z spacing from SliceThickness, else 1 mm, with a warning', () => {
    const [a] = buildSeries([slice('one.dcm', 5, { sliceThickness: 2.5 })]);
    expect(a.summary.dimsZyx).toEqual([1, 2, 3]);
    expect(a.summary.spacingMmZyx[0]).toBe(2.5);
    expect(a.summary.warnings.join('\n')).toMatch(/single slice/);
    const [b] = buildSeries([slice('one.dcm', 5)]);
    expect(b.summary.spacingMmZyx[0]).toBe(1);
    expect(b.summary.warnings.join('\n')).toMatch(/1 mm assumed/);
  });

  it('warns when PixelSpacing is missing', () => {
    const [s] = buildSeries(stack(3, 1, { pixelSpacing: null }));
    expect(s.summary.spacingMmZyx.slice(1)).toEqual([1, 1]);
    expect(s.summary.warnings.join('\n')).toMatch(/no PixelSpacing/);
  });

  it('can release each slice array once copied into the volume', () => {
    const slices = stack(3, 1);
    const plan = planSeries(groupSeries(slices)[0]);
    const vol = assembleVolume(plan, { releaseSlices: true });
    expect(slices.map((s) => s.hu.length)).toEqual([0, 0, 0]);
    expect(sliceValues(vol.hu, 6)).toEqual([0, 1, 2]);
  });

  it('orders CT before other modalities, then by size', () => {
    const ct = buildSeries(stack(2, 1, { seriesUid: '2.25.7' }))[0].summary;
    const mr = buildSeries(stack(9, 1, { seriesUid: '2.25.8', modality: 'MR' }))[0].summary;
    const bigCt = buildSeries(stack(4, 1, { seriesUid: '2.25.9' }))[0].summary;
    expect([mr, ct, bigCt].sort(compareSeriesForDisplay).map((s) => s.id)).toEqual(['2.25.9', '2.25.7', '2.25.8']);
  });
});
