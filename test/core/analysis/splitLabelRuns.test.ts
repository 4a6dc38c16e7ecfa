import { describe, expect, it } from 'vitest';
import { densitometryStage, INCLUSIVE_LABEL, lungLabelsOfSplit, segmentStage, splitLabelVolume, splitStage } from '../../../src/core/analysis/stages';
import { resolveAnalysisParams } from '../../../src/core/analysis/analysisParams';
import { segmentLungVariants } from '../../../src/core/segmentation/segmentLungs';
import { paintRuns, runsFromMask, type RunSet } from '../../../src/core/segmentation/runs';
import type { Volume } from '../../../src/core/volume/volume';
import { reslicer, resliceVolume, SAGITTAL_DICOM } from '../../helpers/reslice';
import { phantomSeries } from '../../workers/phantomSeries';
import { makeChest, type ChestOptions } from '../segmentation/chestPhantom';

/** The split's runs per label painted as lungview's exported labels (1 right, 2 left, 3 airway); -1 when two labels overlap. */
function paintedLabels(runs: { right: RunSet; left: RunSet; airway: RunSet }, n: number): Uint8Array | null {
  const out = new Uint8Array(n);
  const seen = new Uint8Array(n);
  for (const [r, code] of [[runs.right, INCLUSIVE_LABEL.rightLung], [runs.left, INCLUSIVE_LABEL.leftLung], [runs.airway, INCLUSIVE_LABEL.airway]] as const) {
    paintRuns(r, out, code);
    const before = seen.reduce((a, b) => a + b, 0);
    paintRuns(r, seen, 1);
    let count = 0;
    for (let k = 0; k < r.count; k++) count += r.x1[k] - r.x0[k];
    if (seen.reduce((a, b) => a + b, 0) !== before + count) return null;
  }
  return out;
}

function differing(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

function chestFill(opts: ChestOptions): { volume: Volume; fill: RunSet } {
  const { volume } = makeChest(opts);
  const { fill } = segmentLungVariants(volume);
  return { volume, fill: runsFromMask(fill.data, fill) };
}

describe('the split as runs per label (right, left, airway)', () => {
  const cases: Array<[string, () => { volume: Volume; fill: RunSet }]> = [
    ['two separate lungs', () => chestFill({})],
    ['lungs joined by a bridge (eroded apart, grown back)', () => chestFill({ bridge: 'thin' })],
    ['a sagittal stack (runs back on its own grid)', () => {
      const axial = phantomSeries(64, 32, 5).volume;
      const volume = resliceVolume(axial, reslicer(axial, SAGITTAL_DICOM));
      return { volume, fill: segmentStage(volume, resolveAnalysisParams()).runs.fill };
    }],
  ];
  for (const [name, make] of cases) {
    it(`${name}: the runs paint exactly lungLabelsOfSplit's voxel labels, and densitometry reads the same numbers from them`, () => {
      const { volume, fill } = make();
      const labelled = splitStage(volume, fill, { withLabels: true });
      const want = lungLabelsOfSplit(labelled);
      if (!want || !labelled.ok) throw new Error('the split failed');
      for (const code of [INCLUSIVE_LABEL.rightLung, INCLUSIVE_LABEL.leftLung]) expect(want.some((v) => v === code)).toBe(true);
      // Runs only: no voxel label array is made.
      const runsOnly = splitStage(volume, fill, { withRuns: true });
      if (!runsOnly.ok || !runsOnly.runs) throw new Error('no runs per label');
      expect(runsOnly.labels.length).toBe(0);
      const got = paintedLabels(runsOnly.runs, volume.hu.length);
      expect(got).not.toBeNull();
      expect(differing(got!, want)).toBe(0);
      expect([runsOnly.rightLungVoxels, runsOnly.leftLungVoxels, runsOnly.airwayVoxels]).toEqual([labelled.rightLungVoxels, labelled.leftLungVoxels, labelled.airwayVoxels]);
      expect(densitometryStage(volume, { ok: true, runs: runsOnly.runs }, {})).toEqual(densitometryStage(volume, labelled, {}));
      // What the CLI writes from a runs-only split: the same exported labels and split codes as from the voxel labels.
      expect(differing(lungLabelsOfSplit(runsOnly, volume)!, want)).toBe(0);
      expect(differing(splitLabelVolume(runsOnly, volume)!, labelled.labels)).toBe(0);
      expect(splitLabelVolume(labelled, volume)).toBe(labelled.labels);
    });
  }
});
