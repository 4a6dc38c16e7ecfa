import { beforeAll, describe, expect, it } from 'vitest';
import { segmentLungVariantsAnyOrientation, segmentLungVariantRunsAnyOrientation } from '../../../src/core/segmentation/anyOrientation';
import { axialMaskOfRuns, segmentLungsAnyOrientation, splitAirwayAndLungsAnyOrientation } from '../../reference/anyOrientation';
import { runsFromMask, type RunSet } from '../../../src/core/segmentation/runs';
import { segmentLungs, segmentLungVariants, type LungVariantsResult } from '../../../src/core/segmentation/segmentLungs';
import { maskVolumeMl, maskVoxelCount } from '../../reference/segmentLungs';
import { splitAirwayAndLungs, type AirwaySplitResult } from '../../../src/core/segmentation/splitAirwayAndLungs';
import { axialOrderOf } from '../../../src/core/volume/reorient';
import { geometryOf, type Mask, type Volume } from '../../../src/core/volume/volume';
import { loadRealSeries } from '../../helpers/loadSeries';
import {
  CORONAL_DICOM,
  CORONAL_PERMUTED,
  reslicer,
  resliceData,
  resliceMask,
  resliceVolume,
  SAGITTAL_DICOM,
  SAGITTAL_PERMUTED,
  type ResliceAxes,
  type Reslicer,
} from '../../helpers/reslice';
import { describeWithRealData } from '../../helpers/sharedData';
import { phantomSeries } from '../../workers/phantomSeries';

const ORIENTATIONS: [string, ResliceAxes][] = [
  ['DICOM sagittal (rows AP, columns feet-ward, slices to the right)', SAGITTAL_DICOM],
  ['DICOM coronal (rows LR, columns feet-ward, slices to the back)', CORONAL_DICOM],
  ['sagittal as a bare axis permutation', SAGITTAL_PERMUTED],
  ['coronal as a bare axis permutation', CORONAL_PERMUTED],
];

/** Number of voxels where a and b differ (-1 when their lengths differ). */
function differing(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** Where two run sets differ ('' when they hold the same runs in the same rows). */
function runsDiffer(a: RunSet, b: RunSet): string {
  if (a.nx !== b.nx || a.ny !== b.ny || a.nz !== b.nz) return 'grid';
  if (a.count !== b.count) return `count ${a.count} vs ${b.count}`;
  for (let r = 0; r <= a.ny * a.nz; r++) if (a.rowStart[r] !== b.rowStart[r]) return `rowStart[${r}]`;
  for (let k = 0; k < a.count; k++) if (a.x0[k] !== b.x0[k] || a.x1[k] !== b.x1[k]) return `run ${k}`;
  return '';
}

function okSplit(r: AirwaySplitResult): Extract<AirwaySplitResult, { ok: true }> {
  if (!r.ok) throw new Error(`split failed: ${r.reason}`);
  return r;
}

/** airwaySlices of the axial stack as indices along the resliced grid's head-feet axis. */
function mappedAirwaySlices(range: [number, number] | null, axial: Volume, axes: ResliceAxes): [number, number] | null {
  if (range === null) return null;
  const a = axes.find((ax) => ax.from === 2);
  if (!a?.flip) return range;
  return [axial.nz - 1 - range[1], axial.nz - 1 - range[0]];
}

interface AxialResult {
  seg: LungVariantsResult;
  split: Extract<AirwaySplitResult, { ok: true }>;
}

function axialResult(volume: Volume): AxialResult {
  const seg = segmentLungVariants(volume, { withRuns: true });
  return { seg, split: okSplit(splitAirwayAndLungs(seg.fill)) };
}

/** The axial stack with the same axis signs as the resliced one: each axial axis flipped as the stack's axis made of it. */
function sameSigns(axes: ResliceAxes): ResliceAxes {
  return ([0, 1, 2] as const).map((p) => ({ from: p, flip: axes.find((a) => a.from === p)!.flip })) as ResliceAxes;
}

/**
 * The split of the axial mask with the stack's axis signs, its labels on the
 * stack's grid. splitAirwayAndLungs settles a voxel that both lungs reach in
 * the same growing step by the lungs' order in the index raster, so its
 * result can depend on the axes' signs (not on their order).
 */
function signedAxialSplit(axial: Volume, want: AxialResult, axes: ResliceAxes, r: Reslicer): { split: Extract<AirwaySplitResult, { ok: true }>; labelsOnStack: Uint8Array } {
  const signed = reslicer(axial, sameSigns(axes));
  const split = okSplit(splitAirwayAndLungs(resliceMask(want.seg.fill, signed)));
  const onAxial = new Uint8Array(split.labels.length);
  for (let i = 0; i < onAxial.length; i++) onAxial[i] = split.labels[signed.newIndexOf[i]];
  return { split, labelsOnStack: resliceData(onAxial, r) };
}

/**
 * The wrappers on the resliced stack give the axial results, resliced: masks
 * voxel for voxel, runs, volumes; the split equals that of the axial stack
 * with the same axis signs voxel for voxel (and that of `want` when there
 * are no flips), and the axial split's airway and total lung in any case.
 */
function expectSameAsAxial(axial: Volume, want: AxialResult, stack: Volume, r: Reslicer, axes: ResliceAxes): void {
  const got = segmentLungVariantsAnyOrientation(stack, { withRuns: true });
  for (const variant of ['fill', 'noFill'] as const) {
    const m = got[variant];
    expect(geometryOf(m)).toEqual(geometryOf(stack));
    expect(differing(m.data, resliceMask(want.seg[variant], r).data)).toBe(0);
    expect(maskVoxelCount(m)).toBe(maskVoxelCount(want.seg[variant]));
    expect(maskVolumeMl(m)).toBeCloseTo(maskVolumeMl(want.seg[variant]), 6);
    expect(runsDiffer(got.runs![variant], runsFromMask(m.data, m))).toBe('');
  }
  // The runs-only form (what the analysis worker uses): the same runs, no masks painted.
  const runsOnly = segmentLungVariantRunsAnyOrientation(stack);
  expect(Object.keys(runsOnly).sort()).toEqual(['fill', 'noFill', 'voxels']);
  expect(runsOnly.voxels).toEqual({ fill: maskVoxelCount(want.seg.fill), noFill: maskVoxelCount(want.seg.noFill) });
  expect(got.runs!.voxels).toEqual(runsOnly.voxels);
  for (const variant of ['fill', 'noFill'] as const) expect(runsDiffer(runsOnly[variant], got.runs![variant])).toBe('');
  for (const fill of [true, false]) {
    const one = segmentLungsAnyOrientation(stack, { fillLungStructures: fill });
    expect(differing(one.data, got[fill ? 'fill' : 'noFill'].data)).toBe(0);
  }
  const flips = axes.some((a) => a.flip);
  const ref = flips ? signedAxialSplit(axial, want, axes, r) : { split: want.split, labelsOnStack: resliceData(want.split.labels, r) };
  for (const runs of [undefined, got.runs!.fill]) {
    const s = okSplit(splitAirwayAndLungsAnyOrientation(got.fill, {}, runs));
    expect(differing(s.labels, ref.labelsOnStack)).toBe(0);
    expect([s.airwayVoxels, s.rightLungVoxels, s.leftLungVoxels]).toEqual([
      ref.split.airwayVoxels,
      ref.split.rightLungVoxels,
      ref.split.leftLungVoxels,
    ]);
    expect(s.airwayMl).toBeCloseTo(ref.split.airwayMl, 6);
    expect(s.rightLungMl).toBeCloseTo(ref.split.rightLungMl, 6);
    expect(s.leftLungMl).toBeCloseTo(ref.split.leftLungMl, 6);
    expect(s.erosionMm).toBeCloseTo(ref.split.erosionMm, 9);
    expect(s.airwaySlices).toEqual(ref.split.airwaySlices);
    // Against the axial stack as acquired: same airway, same lungs in total.
    expect(s.airwayVoxels).toBe(want.split.airwayVoxels);
    expect(s.airwaySlices).toEqual(mappedAirwaySlices(want.split.airwaySlices, axial, axes));
    expect(s.rightLungVoxels + s.leftLungVoxels).toBe(want.split.rightLungVoxels + want.split.leftLungVoxels);
    expect(Math.abs(s.leftLungVoxels - want.split.leftLungVoxels)).toBeLessThanOrEqual(flips ? 1e-3 * s.leftLungVoxels : 0);
  }
}

describe('lung segmentation and split of sagittal and coronal stacks (synthetic chest phantom)', () => {
  let axial: Volume;
  let want: AxialResult;
  beforeAll(() => {
    axial = phantomSeries(64, 32, 5).volume;
    want = axialResult(axial);
  });

  it('the phantom has lungs, an airway and two lungs that need an erosion to separate', () => {
    expect(maskVoxelCount(want.seg.fill)).toBeGreaterThan(5000);
    expect(want.split.airwayVoxels).toBeGreaterThan(0);
    expect(want.split.erosionMm).toBeGreaterThan(0);
  });

  for (const [name, axes] of ORIENTATIONS) {
    it(`${name}: masks, runs, lung mL and the split equal the axial result on that grid`, () => {
      const r = reslicer(axial, axes);
      const stack = resliceVolume(axial, r);
      expect(axialOrderOf(stack).identity).toBe(false);
      expectSameAsAxial(axial, want, stack, r, axes);
    });
  }

  it('without the wrapper, segmentLungVariants on the sagittal stack misses the lungs (the bug this fixes)', () => {
    const r = reslicer(axial, SAGITTAL_DICOM);
    const stack = resliceVolume(axial, r);
    const direct = segmentLungVariants(stack);
    const lungVoxels = maskVoxelCount(want.seg.fill);
    // Most of the lung is lost (per-slice filling and the border rule act on sagittal slices).
    expect(differing(direct.fill.data, resliceMask(want.seg.fill, r).data)).toBeGreaterThan(lungVoxels / 2);
    expect(maskVolumeMl(direct.fill)).toBeLessThan(0.5 * maskVolumeMl(want.seg.fill));
    // And the split of a correct sagittal mask, unwrapped, does not find the airway of the axial split.
    const split = splitAirwayAndLungs(resliceMask(want.seg.fill, r));
    expect(split.ok ? split.airwayVoxels : -1).not.toBe(want.split.airwayVoxels);
  });

  it('an axial stack goes straight to the original functions: same progress steps, same results', () => {
    const steps = (run: (cb: (f: number, s: string) => void) => unknown): [number, string][] => {
      const seen: [number, string][] = [];
      run((f, s) => seen.push([f, s]));
      return seen;
    };
    const direct = steps((cb) => segmentLungVariants(axial, { onProgress: cb }));
    const wrapped = steps((cb) => segmentLungVariantsAnyOrientation(axial, { onProgress: cb }));
    expect(wrapped).toEqual(direct);
    expect(wrapped.some(([, s]) => s === 'reorient to axial')).toBe(false);
    const got = segmentLungVariantsAnyOrientation(axial, { withRuns: true });
    expect(differing(got.fill.data, want.seg.fill.data)).toBe(0);
    expect(runsDiffer(got.runs!.noFill, want.seg.runs!.noFill)).toBe('');
    const one = segmentLungsAnyOrientation(axial, { fillLungStructures: true });
    expect(differing(one.data, segmentLungs(axial, { fillLungStructures: true }).data)).toBe(0);

    const splitDirect = steps((cb) => splitAirwayAndLungs(want.seg.fill, { onProgress: cb }));
    const splitWrapped = steps((cb) => splitAirwayAndLungsAnyOrientation(want.seg.fill, { onProgress: cb }));
    expect(splitWrapped).toEqual(splitDirect);
    const s = okSplit(splitAirwayAndLungsAnyOrientation(want.seg.fill));
    expect(differing(s.labels, want.split.labels)).toBe(0);
  });

  it('on a sagittal stack, progress runs from 0 to 1 through the inner steps, and an abort stops it', () => {
    const stack = resliceVolume(axial, reslicer(axial, SAGITTAL_DICOM));
    const seen: [number, string][] = [];
    segmentLungVariantsAnyOrientation(stack, { onProgress: (f, s) => seen.push([f, s]) });
    expect(seen[0]).toEqual([0, 'reorient to axial']);
    expect(seen[seen.length - 1]).toEqual([1, 'done']);
    expect(seen.filter(([, s]) => s === 'done')).toHaveLength(1);
    expect(seen.map(([, s]) => s)).toContain('fill lung structures (2D per slice)');
    for (let k = 1; k < seen.length; k++) expect(seen[k][0]).toBeGreaterThanOrEqual(seen[k - 1][0]);

    expect(() => segmentLungVariantsAnyOrientation(stack, { signal: { aborted: true } })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
    const signal = { aborted: false };
    const onProgress = (_f: number, s: string) => {
      if (s === 'largest air pocket') signal.aborted = true;
    };
    expect(() => segmentLungVariantsAnyOrientation(stack, { signal, onProgress })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    const mask = resliceMask(want.seg.fill, reslicer(axial, SAGITTAL_DICOM));
    expect(() => splitAirwayAndLungsAnyOrientation(mask, { signal: { aborted: true } })).toThrow(
      expect.objectContaining({ name: 'AbortError' }),
    );
  });

  it('axialMaskOfRuns paints a sagittal mask in axial order: the split of it has the axial numbers', () => {
    const r = reslicer(axial, SAGITTAL_DICOM);
    const mask = resliceMask(want.seg.fill, r);
    const a = axialMaskOfRuns(runsFromMask(mask.data, mask), mask);
    expect([a.nx, a.ny, a.nz]).toEqual([axial.nx, axial.ny, axial.nz]);
    expect(maskVoxelCount(a)).toBe(maskVoxelCount(mask));
    const s = okSplit(splitAirwayAndLungs(a));
    const ref = signedAxialSplit(axial, want, SAGITTAL_DICOM, r).split;
    expect([s.airwayVoxels, s.rightLungVoxels, s.leftLungVoxels, s.erosionMm]).toEqual([
      ref.airwayVoxels,
      ref.rightLungVoxels,
      ref.leftLungVoxels,
      ref.erosionMm,
    ]);
    // On an axial grid it is just the painted mask.
    const same: Mask = axialMaskOfRuns(want.seg.runs!.fill, axial);
    expect(differing(same.data, want.seg.fill.data)).toBe(0);
    expect(() => axialMaskOfRuns(want.seg.runs!.fill, mask)).toThrow(RangeError);
  });
});

describeWithRealData('lung segmentation and split of a real series made sagittal and coronal', () => {
  let axial: Volume;
  let want: AxialResult;
  beforeAll(async () => {
    axial = (await loadRealSeries('lung-pet-ct-dx-a0001')).volume;
    want = axialResult(axial);
  });

  for (const [name, axes] of ORIENTATIONS) {
    it(`${name}: masks, runs, lung mL and the split equal the axial result on that grid`, () => {
      const r = reslicer(axial, axes);
      expectSameAsAxial(axial, want, resliceVolume(axial, r), r, axes);
    });
  }

  it('without the wrapper, the sagittal stack gives a near-empty lung mask and no airway', () => {
    const r = reslicer(axial, SAGITTAL_DICOM);
    const direct = segmentLungVariants(resliceVolume(axial, r));
    expect(maskVolumeMl(direct.fill)).toBeLessThan(0.1 * maskVolumeMl(want.seg.fill));
    const split = splitAirwayAndLungs(resliceMask(want.seg.fill, r));
    expect(split.ok ? split.airwayVoxels : -1).not.toBe(want.split.airwayVoxels);
  });
});
