/**
 * Grouping and ordering on real files: two series mixed, shuffled input,
 * a duplicated file and a removed middle slice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { buildSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { describeWithRealData, seriesDir, type RealSeries } from '../../helpers/sharedData';
import { loadRealSeries } from '../../helpers/loadSeries';

function parseSeries(name: RealSeries): DecodedSlice[] {
  const dir = seriesDir(name);
  return readdirSync(dir).sort().flatMap((f) => {
    const r = parseDicomFile(new Uint8Array(readFileSync(path.join(dir, f))), f);
    if (!r.ok) throw new Error(r.skipped.reason);
    return r.slices;
  });
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

function sameVolume(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describeWithRealData('grouping real series', () => {
  it('two series in one folder give two volumes (largest first), each equal to the series loaded alone', async () => {
    const series = buildSeries(shuffled([...parseSeries('lung-pet-ct-dx-a0001'), ...parseSeries('cptac-lscc-c3n-00247')], 5));
    expect(series.map((s) => s.summary.dimsZyx[0])).toEqual([99, 64]);
    const cptac = await loadRealSeries('cptac-lscc-c3n-00247');
    const pet = await loadRealSeries('lung-pet-ct-dx-a0001');
    expect(series[0].summary.seriesInstanceUid).toBe(cptac.summary.seriesInstanceUid);
    expect(series[0].summary.files).toEqual(cptac.summary.files);
    expect(sameVolume(series[0].volume.hu, cptac.volume.hu)).toBe(true);
    expect(series[1].summary.files).toEqual(pet.summary.files);
    expect(sameVolume(series[1].volume.hu, pet.volume.hu)).toBe(true);
  });

  it('shuffled files give the same slice order and volume', async () => {
    const slices = parseSeries('dsb2017-00cba091');
    const ref = await loadRealSeries('dsb2017-00cba091');
    for (const seed of [1, 99]) {
      const [s] = buildSeries(shuffled(slices, seed));
      expect(s.summary.files).toEqual(ref.summary.files);
      expect(sameVolume(s.volume.hu, ref.volume.hu)).toBe(true);
    }
  });

  it('a duplicated file is dropped with a warning', () => {
    const slices = parseSeries('lung-pet-ct-dx-a0001');
    const copy: DecodedSlice = { header: { ...slices[10].header, file: 'copy-of-1-11.dcm' }, hu: slices[10].hu };
    const [s] = buildSeries([...slices, copy]);
    expect(s.summary.dimsZyx[0]).toBe(64);
    expect(s.summary.warnings.join('\n')).toMatch(/duplicate positions dropped, one kept per position .*: kept 1-11\.dcm, dropped copy-of-1-11\.dcm/);
  });

  it('a removed middle slice gives a gap warning', () => {
    const slices = parseSeries('cptac-lscc-c3n-00247');
    const sorted = [...slices].sort((a, b) => a.header.imagePositionMm![2] - b.header.imagePositionMm![2]);
    const removed = sorted[50];
    const [s] = buildSeries(slices.filter((x) => x !== removed));
    expect(s.summary.dimsZyx[0]).toBe(98);
    expect(s.summary.spacingMmZyx[0]).toBeCloseTo(3, 6);
    const z = removed.header.imagePositionMm![2];
    expect(s.summary.warnings.join('\n')).toContain(`${z - 3} → ${z + 3} mm (about 1 missing)`);
  });
});
