/**
 * Importing another tool's masks onto the CT and comparing them with
 * lungview's: the phantom's analysis written as a SEG (from the browser's
 * masks: segmentsOfMeasured) and as a NIfTI label map, read back with
 * importMaskFile, matched by code and name (lobes joined, whole lung as the
 * union), and each row equal to compareMasks on the same masks; a NIfTI
 * on another grid and a file that is neither are refused with the reason;
 * a SEG is skipped by the DICOM parser with the segmentation reason.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compareMasks } from '../../../src/core/analysis/compareMasks';
import { compareSegmentations, structureOf, type NamedMask } from '../../../src/core/analysis/compareSegmentations';
import { runAnalysis } from '../../../src/core/analysis/runAnalysis';
import { parseDicomFile, SEGMENTATION_FILE_REASON } from '../../../src/core/dicom/parseDicomFile';
import type { LoadedSeries } from '../../../src/core/dicom/types';
import { analysisSegments, segmentsOfMeasured } from '../../../src/core/io/analysisSeg';
import { writeDicomSeg, type SegSegmentInput } from '../../../src/core/io/dicomSeg';
import { importMaskFile } from '../../../src/core/io/maskImport';
import { writeNiftiGz } from '../../../src/core/io/nifti';
import { internalStructuresMask } from '../../../src/core/analysis/internalMask';
import { paintRuns } from '../../../src/core/segmentation/runs';
import { phantomSeries } from '../../workers/phantomSeries';
import { erodeMask as erode } from '../../helpers/erodeMask';

function maskOf(s: SegSegmentInput): Uint8Array {
  if ('mask' in s) return s.mask;
  return Uint8Array.from(s.labels, (v) => (v === s.labelValue ? 1 : 0));
}

describe('import and compare with another tool', () => {
  let series: LoadedSeries;
  let ours: NamedMask[];
  let segments: SegSegmentInput[];

  beforeAll(() => {
    series = phantomSeries(96, 40, 5);
    const r = runAnalysis(series.volume, {}, { splitLabels: true });
    segments = analysisSegments(r, series.volume);
    ours = segments.map((s) => ({ name: s.name, code: s.type, mask: maskOf(s) }));
    // The browser's way (split made from the measured mask) gives the same segments as the CLI's.
    const g = series.volume;
    const measured = paintRuns(r.measured, new Uint8Array(g.nx * g.ny * g.nz));
    const gk = maskOf(segments.find((s) => s.name === 'GK structures')!);
    const browser = segmentsOfMeasured(g, measured, { internal: internalStructuresMask(r.internal).data, gk, gkScope: 'x' });
    expect(browser.map((s) => s.name)).toEqual(segments.map((s) => s.name));
    browser.forEach((s, k) => expect(maskOf(s)).toEqual(maskOf(segments[k])));
  }, 60_000);

  it('names and codes map to structures', () => {
    expect(structureOf({ name: 'lung_upper_lobe_right' })).toBe('rightLung');
    expect(structureOf({ name: 'Lung, left' })).toBe('leftLung');
    expect(structureOf({ name: 'lungs' })).toBe('lung');
    expect(structureOf({ name: 'trachea' })).toBe('airway');
    expect(structureOf({ name: 'Segment 1', code: { value: '3341006', scheme: 'SCT' } })).toBe('rightLung');
    expect(structureOf({ name: 'liver' })).toBeNull();
  });

  it('a SEG of eroded masks: read back, matched, every row equal to compareMasks on the same masks', () => {
    const { nx, ny, nz } = series.volume;
    const changed = segments.map((s) => ({ name: s.name, category: s.category, type: s.type, mask: s.name === 'Right lung' ? erode(maskOf(s), nx, ny, nz) : maskOf(s) }));
    const bytes = writeDicomSeg({ source: { geometry: series.volume, summary: series.summary }, segments: changed });
    expect(parseDicomFile(bytes, 'seg.dcm')).toMatchObject({ ok: false, skipped: { reason: SEGMENTATION_FILE_REASON } });
    const imp = importMaskFile(bytes, 'seg.dcm', { geometry: series.volume, summary: series.summary });
    if (!imp.ok) throw new Error(imp.reason);
    expect(imp.format).toBe('DICOM SEG');
    const cmp = compareSegmentations(ours, imp.segments, series.volume);
    expect(cmp.rows.map((r) => r.label)).toEqual(['Right lung', 'Left lung', 'Whole lung', 'Airway', 'Internal structures', 'GK structures']);
    expect(cmp.unmatched).toEqual([]);
    const right = cmp.rows[0];
    expect(right.result).toEqual(compareMasks(maskOf(segments[0]), changed[0].mask, series.volume));
    expect(right.result.dice).toBeLessThan(1);
    expect(right.result.volumeDiffMl).toBeLessThan(0);
    expect(cmp.rows[1].result).toMatchObject({ dice: 1, hausdorffMm: 0 });
  });

  it('a NIfTI label map (1 right, 2 left, 3 airway) is matched; one on another grid is refused with the reason', () => {
    const g = series.volume;
    const labels = new Uint8Array(g.nx * g.ny * g.nz);
    segments.slice(0, 3).forEach((s, k) => {
      const m = maskOf(s);
      for (let i = 0; i < m.length; i++) if (m[i]) labels[i] = k + 1;
    });
    const geometry = { nx: g.nx, ny: g.ny, nz: g.nz, spacingMmXyz: g.spacingMmXyz, originMm: g.originMm, directionXyz: g.directionXyz };
    const bytes = writeNiftiGz({ ...geometry, data: labels });
    const imp = importMaskFile(bytes, 'lung-labels.nii.gz', { geometry: g, summary: series.summary });
    if (!imp.ok) throw new Error(imp.reason);
    expect(imp.segments.map((s) => s.name)).toEqual(['Right lung', 'Left lung', 'Airway']);
    const cmp = compareSegmentations(ours, imp.segments, g);
    expect(cmp.rows.map((r) => [r.label, r.result.dice])).toEqual([['Right lung', 1], ['Left lung', 1], ['Whole lung', 1], ['Airway', 1]]);

    const moved = writeNiftiGz({ ...geometry, originMm: [g.originMm[0] + 2, g.originMm[1], g.originMm[2]], data: labels });
    const refused = importMaskFile(moved, 'moved.nii.gz', { geometry: g, summary: series.summary });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/not lie on the CT's grid: its first voxel is 2, 0, 0 mm/);
    const spacing = writeNiftiGz({ ...geometry, spacingMmXyz: [g.spacingMmXyz[0] * 1.1, g.spacingMmXyz[1], g.spacingMmXyz[2]], data: labels });
    const r2 = importMaskFile(spacing, 'spacing.nii.gz', { geometry: g, summary: series.summary });
    expect(!r2.ok && r2.reason).toMatch(/x \(columns\) step/);
    const small = writeNiftiGz({ ...geometry, nz: g.nz - 1, data: labels.subarray(0, g.nx * g.ny * (g.nz - 1)) });
    expect(importMaskFile(small, 's.nii.gz', { geometry: g, summary: series.summary })).toMatchObject({ ok: false, reason: expect.stringMatching(/the CT 96 x 96 x 40/) });
    expect(importMaskFile(new Uint8Array(400), 'x.txt', { geometry: g, summary: series.summary })).toMatchObject({ ok: false, reason: 'neither a DICOM SEG nor a NIfTI-1 image' });
  });
});
