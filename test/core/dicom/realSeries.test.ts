/**
 * The three real series against ../shared/data/README.md and the Python
 * reference (../shared/reference/<series>/summary.json and hu_stats.json).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedSeries } from '../../../src/core/dicom/types';
import { loadRealSeries } from '../../helpers/loadSeries';
import { describeWithRealData, REAL_SERIES, readReferenceSummary, referenceDir, type RealSeries } from '../../helpers/sharedData';

interface HuStats { per_slice_min: number[]; per_slice_max: number[]; per_slice_mean: number[] }

/** From shared/data/README.md: slice spacing between positions and the z range. */
const README: Record<RealSeries, { dz: number; firstZ: number; lastZ: number; transferSyntax: string }> = {
  'cptac-lscc-c3n-00247': { dz: 3, firstZ: -288, lastZ: 6, transferSyntax: '1.2.840.10008.1.2.1' },
  'dsb2017-00cba091': { dz: 2.5, firstZ: -356.2, lastZ: -23.7, transferSyntax: '1.2.840.10008.1.2.1' },
  'lung-pet-ct-dx-a0001': { dz: 5, firstZ: -439, lastZ: -124, transferSyntax: '1.2.840.10008.1.2' },
};

/** The volume's slices in the reference's order (its sorted_files list). */
function inReferenceOrder(s: LoadedSeries, files: string[]): Int16Array {
  const per = s.volume.nx * s.volume.ny;
  const out = new Int16Array(s.volume.hu.length);
  files.forEach((f, k) => {
    const z = s.summary.files.indexOf(f);
    expect(z, `${f} is in the volume`).toBeGreaterThanOrEqual(0);
    out.set(s.volume.hu.subarray(z * per, (z + 1) * per), k * per);
  });
  return out;
}

describeWithRealData('real series (shared/data/ct) against the reference', () => {
  for (const name of REAL_SERIES) {
    describe(name, () => {
      const ref = readReferenceSummary(name);
      const readme = README[name];

      it('has the reference dimensions and x/y spacing from PixelSpacing, z spacing from positions', async () => {
        const s = await loadRealSeries(name);
        expect(s.summary.dimsZyx).toEqual(ref.dims_zyx);
        expect([s.volume.nz, s.volume.ny, s.volume.nx]).toEqual(ref.dims_zyx);
        expect(s.summary.spacingMmZyx[0]).toBeCloseTo(readme.dz, 4);
        expect(s.summary.spacingMmZyx[1]).toBeCloseTo(ref.spacing_mm_zyx[1], 9);
        expect(s.summary.spacingMmZyx[2]).toBeCloseTo(ref.spacing_mm_zyx[2], 9);
        expect(s.volume.spacingMmXyz).toEqual([s.summary.spacingMmZyx[2], s.summary.spacingMmZyx[1], s.summary.spacingMmZyx[0]]);
        expect(s.summary.warnings).toEqual([]);
        expect(s.summary.modality).toBe('CT');
        expect(s.summary.firstHeader.transferSyntaxUid).toBe(readme.transferSyntax);
      });

      it('orders slices by position along the normal: strictly increasing, README first/last z, reverse InstanceNumber', async () => {
        const s = await loadRealSeries(name);
        const pos = s.summary.slicePositionsMm;
        for (let k = 1; k < pos.length; k++) expect(pos[k]).toBeGreaterThan(pos[k - 1]);
        expect(pos[0]).toBeCloseTo(readme.firstZ, 3);
        expect(pos[pos.length - 1]).toBeCloseTo(readme.lastZ, 3);
        expect(s.volume.originMm[2]).toBeCloseTo(readme.firstZ, 3);
        expect(s.volume.directionXyz).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        // README: InstanceNumber decreases as z increases, so z order is the reverse of the reference's order.
        expect(s.summary.files).toEqual([...ref.load.sorted_files].reverse());
      });

      it('HU min/max/mean equal the reference', async () => {
        const s = await loadRealSeries(name);
        let min = Infinity;
        let max = -Infinity;
        let sum = 0;
        for (const v of s.volume.hu) {
          if (v < min) min = v;
          if (v > max) max = v;
          sum += v;
        }
        expect(min).toBe(ref.hu.min);
        expect(max).toBe(ref.hu.max);
        expect(sum / s.volume.hu.length).toBeCloseTo(ref.hu.mean, 9);
      });

      it('per-slice HU min/max/mean equal the reference, file by file', async () => {
        const s = await loadRealSeries(name);
        const stats = JSON.parse(readFileSync(path.join(referenceDir, name, 'hu_stats.json'), 'utf8')) as HuStats;
        const per = s.volume.nx * s.volume.ny;
        ref.load.sorted_files.forEach((f, k) => {
          const z = s.summary.files.indexOf(f);
          const sl = s.volume.hu.subarray(z * per, (z + 1) * per);
          let min = Infinity;
          let max = -Infinity;
          let sum = 0;
          for (const v of sl) {
            if (v < min) min = v;
            if (v > max) max = v;
            sum += v;
          }
          expect([f, min, max]).toEqual([f, stats.per_slice_min[k], stats.per_slice_max[k]]);
          expect(Math.abs(sum / per - stats.per_slice_mean[k])).toBeLessThan(1e-3);
        });
      });

      it('is bit-identical to the reference volume (sha256 of int16 LE in the reference slice order)', async () => {
        const s = await loadRealSeries(name);
        const vol = inReferenceOrder(s, ref.load.sorted_files);
        const sha = createHash('sha256').update(new Uint8Array(vol.buffer, vol.byteOffset, vol.byteLength)).digest('hex');
        expect(sha).toBe(ref.hu.sha256_int16_le_zyx);
      });
    });
  }

  it('dsb2017-00cba091: padding (PixelPaddingValue 63536 = -2000) becomes -1024 HU, never -3024', async () => {
    const s = await loadRealSeries('dsb2017-00cba091');
    let below = 0;
    for (const v of s.volume.hu) if (v < -1024) below++;
    expect(below).toBe(0);
  });
});
