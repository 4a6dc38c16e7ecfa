import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalysis, type AnalysisResult } from '../../../src/core/analysis/runAnalysis';
import { segmentStage, splitStage } from '../../../src/core/analysis/stages';
import { splitAirwayAndLungsAnyOrientation } from '../../reference/anyOrientation';
import { internalStructuresMask } from '../../../src/core/analysis/internalMask';
import { resolveAnalysisParams } from '../../../src/core/analysis/analysisParams';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import type { Volume } from '../../../src/core/volume/volume';
import { CORONAL_PERMUTED, reslicer, resliceData, resliceMask, resliceVolume, SAGITTAL_DICOM, SAGITTAL_PERMUTED } from '../../helpers/reslice';
import { phantomSeries } from '../../workers/phantomSeries';

function differing(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('runAnalysis on sagittal and coronal stacks', () => {
  let axial: Volume;
  let want: AnalysisResult;
  beforeAll(() => {
    axial = phantomSeries(64, 32, 5).volume;
    want = runAnalysis(axial, { gk: { halfSlices: 0 } }, { splitLabels: true });
  });

  for (const [name, axes] of [
    ['sagittal', SAGITTAL_PERMUTED],
    ['coronal', CORONAL_PERMUTED],
  ] as const) {
    it(`${name}: lung masks, internal structures, lung mL and the split's mL are those of the axial stack`, () => {
      const r = reslicer(axial, axes);
      const got = runAnalysis(resliceVolume(axial, r), { gk: { halfSlices: 0 } }, { splitLabels: true });
      expect(differing(got.fill.data, resliceMask(want.fill, r).data)).toBe(0);
      expect(differing(got.noFill.data, resliceMask(want.noFill, r).data)).toBe(0);
      expect(differing(internalStructuresMask(got.internal).data, resliceMask(internalStructuresMask(want.internal), r).data)).toBe(0);
      expect(got.voxels).toEqual(want.voxels);
      expect(got.voxels.lungFill).toBeGreaterThan(5000);
      for (const k of ['fill', 'noFill', 'internal'] as const) expect(got.lungMl[k]).toBeCloseTo(want.lungMl[k], 6);
      if (!got.split?.ok || !want.split?.ok) throw new Error('split failed');
      expect(differing(got.split.labels, resliceData(want.split.labels, r))).toBe(0);
      expect(got.split.airwayMl).toBeCloseTo(want.split.airwayMl, 6);
      expect(got.split.rightLungMl).toBeCloseTo(want.split.rightLungMl, 6);
      expect(got.split.leftLungMl).toBeCloseTo(want.split.leftLungMl, 6);
      expect(got.split.airwayMl).toBeGreaterThan(0);
    });
  }

  it('the split stage from the runs gives the labels, on the stack\'s own grid, of the split of the mask', () => {
    const stack = resliceVolume(axial, reslicer(axial, SAGITTAL_DICOM));
    const p = resolveAnalysisParams();
    const seg = segmentStage(stack, { ...p, withMasks: true });
    const fill = seg.masks!.fill;
    expect(seg.runs.fill.count).toBe(runsFromMask(fill.data, fill).count);
    const a = splitAirwayAndLungsAnyOrientation(fill);
    const b = splitStage(stack, seg.runs.fill, { withLabels: true });
    const numbersOnly = splitStage(stack, seg.runs.fill);
    if (!a.ok || !b.ok || !numbersOnly.ok) throw new Error('split failed');
    expect(differing(a.labels, b.labels)).toBe(0);
    expect(numbersOnly.labels.length).toBe(0);
    for (const r of [b, numbersOnly]) {
      expect([r.airwayVoxels, r.rightLungVoxels, r.leftLungVoxels, r.airwaySlices]).toEqual([
        a.airwayVoxels,
        a.rightLungVoxels,
        a.leftLungVoxels,
        a.airwaySlices,
      ]);
    }
  });
});
