/**
 * Real archives that go wrong in one way each: a real series copied by
 * pydicom with ONE thing changed (test/fixtures/archiveCases.py), read the
 * way the CLI reads a folder (readFolder: header pass, buildSeries, pixels
 * into the volume), compared with the unchanged copy of the same slices.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFolder, type ReadFolderResult } from '../../../src/cli/readFolder';
import { buildSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { makeTestFile, type TestImage } from './testFiles';
import { describeRequiring, haveRealData, seriesDir } from '../../helpers/sharedData';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../fixtures/archiveCases.py', import.meta.url));

function problem(): string | null {
  if (!haveRealData) return 'the real series in ../shared/data/ct';
  try {
    execFileSync(PYTHON, ['-c', 'import pydicom, numpy']);
    return null;
  } catch {
    return `${PYTHON} with pydicom and numpy`;
  }
}

/** Slices 40-51 of the 134-slice dsb series (2.5 mm apart) and 10-21 of the 64-slice lung-pet-ct-dx series (5 mm thick). */
const DSB_CASES = ['none', 'for', 'acquisitions', 'nopos', 'localizer', 'dup', 'float', 'imager', 'slope0', 'slope-neg', 'norescale'];
const PET_CASES = ['none', 'recon', 'pet'];

function same(a: Int16Array, b: Int16Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describeRequiring('archive cases made from real series', problem(), () => {
  let tmp = '';
  const dsb = new Map<string, ReadFolderResult>();
  const pet = new Map<string, ReadFolderResult>();

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lungview-archive-'));
    execFileSync(PYTHON, [SCRIPT, seriesDir('dsb2017-00cba091'), path.join(tmp, 'dsb'), '40', '12', DSB_CASES.join(',')]);
    execFileSync(PYTHON, [SCRIPT, seriesDir('lung-pet-ct-dx-a0001'), path.join(tmp, 'pet'), '10', '12', PET_CASES.join(',')]);
    for (const c of DSB_CASES) dsb.set(c, await readFolder(path.join(tmp, 'dsb', c)));
    for (const c of PET_CASES) pet.set(c, await readFolder(path.join(tmp, 'pet', c)));
  }, 60_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** The unchanged copy: one clean 12-slice series. */
  const ref = () => {
    const r = dsb.get('none')!;
    expect(r.series).toHaveLength(1);
    expect(r.series[0].summary.dimsZyx[0]).toBe(12);
    expect(r.series[0].summary.warnings).toEqual([]);
    return r.series[0];
  };

  it('a FrameOfReferenceUID per file: one series, the same volume, and a warning', () => {
    const r = dsb.get('for')!;
    expect(r.series).toHaveLength(1);
    const s = r.series[0];
    expect(s.summary.dimsZyx).toEqual(ref().summary.dimsZyx);
    expect(s.summary.spacingMmZyx).toEqual(ref().summary.spacingMmZyx);
    expect(same(s.volume.hu, ref().volume.hu)).toBe(true);
    expect(s.summary.warnings.join('\n')).toMatch(/FrameOfReferenceUID differs between slices \(12 different UIDs\): kept as one series/);
  });

  it('two overlapping acquisitions under one SeriesInstanceUID: split, the complete one opened first, both say so', () => {
    const r = dsb.get('acquisitions')!;
    expect(r.series.map((s) => s.summary.dimsZyx[0])).toEqual([12, 8]);
    const [first, second] = r.series;
    expect(first.summary.spacingMmZyx).toEqual(ref().summary.spacingMmZyx);
    expect(same(first.volume.hu, ref().volume.hu)).toBe(true);
    expect(first.summary.warnings.join('\n')).toMatch(/2 acquisitions that overlap in position .*split into separate series.*this one is AcquisitionNumber 1, the preferred one/);
    expect(second.summary.warnings.join('\n')).toMatch(/this one is AcquisitionNumber 2, not the preferred one/);
    expect(second.summary.spacingMmZyx[0]).toBeCloseTo(ref().summary.spacingMmZyx[0], 3);
  });

  it('a second reconstruction with thicker slices: split, the thin one opened first', () => {
    const thin = pet.get('none')!.series[0];
    const r = pet.get('recon')!;
    expect(r.series.map((s) => s.summary.dimsZyx[0])).toEqual([12, 6]);
    expect(same(r.series[0].volume.hu, thin.volume.hu)).toBe(true);
    expect(r.series[0].summary.warnings.join('\n')).toMatch(/2 reconstructions .*this one is SliceThickness 5 mm, the preferred one/);
    expect(r.series[1].summary.spacingMmZyx[0]).toBeCloseTo(10, 3);
  });

  it('three slices without ImagePositionPatient: placed from InstanceNumber, positions and spacing kept', () => {
    const r = dsb.get('nopos')!;
    expect(r.series).toHaveLength(1);
    const s = r.series[0];
    expect(s.summary.spacingMmZyx).toEqual(ref().summary.spacingMmZyx);
    s.summary.slicePositionsMm.forEach((p, k) => expect(p).toBeCloseTo(ref().summary.slicePositionsMm[k], 2));
    expect(s.volume.originMm.map((v) => Number(v.toFixed(2)))).toEqual(ref().volume.originMm.map((v) => Number(v.toFixed(2))));
    expect(same(s.volume.hu, ref().volume.hu)).toBe(true);
    expect(s.summary.geometry3d?.trusted).toBe(true);
    expect(s.summary.warnings.join('\n')).toMatch(/ImagePositionPatient missing on 3 of 12 slices.*3 placed from their InstanceNumber/);
  });

  it('an axial localizer in the series: kept out of the volume, in a series of its own', () => {
    const r = dsb.get('localizer')!;
    const [vol, loc] = r.series;
    expect(same(vol.volume.hu, ref().volume.hu)).toBe(true);
    expect(vol.summary.warnings.join('\n')).not.toMatch(/gap/);
    expect(vol.summary.warnings.join('\n')).toMatch(/1 localizer image .* kept out of this volume/);
    expect(loc.summary.files).toEqual(['localizer.dcm']);
    expect(loc.summary.warnings[0]).toMatch(/localizer image \(ImageType LOCALIZER\)/);
  });

  it('blank copies at two positions: the slices with content are kept, by InstanceNumber order and by pixels, and the dropped files named', () => {
    const r = dsb.get('dup')!;
    expect(r.series).toHaveLength(1);
    const s = r.series[0];
    expect(same(s.volume.hu, ref().volume.hu)).toBe(true);
    expect(s.summary.files).not.toContain('000blank-a.dcm');
    expect(s.summary.files).not.toContain('000blank-b.dcm');
    const w = s.summary.warnings.join('\n');
    expect(w).toMatch(/kept s002\.dcm, dropped 000blank-a\.dcm \(its InstanceNumber fits the series order\)/);
    expect(w).toMatch(/kept s005\.dcm, dropped 000blank-b\.dcm \(the other has pixels of one value only\)/);
  });

  it('Float Pixel Data: skipped as floating-point pixels, not as "not an image"', () => {
    const r = dsb.get('float')!;
    const sk = r.skipped.find((s) => s.file === 's000.dcm');
    expect(sk?.reason).toMatch(/^Float Pixel Data \(7FE0,0008\): floating-point pixel values/);
    expect(r.series[0].summary.dimsZyx[0]).toBe(11);
  });

  it('ImagerPixelSpacing without PixelSpacing: used, with a warning', () => {
    const s = dsb.get('imager')!.series[0];
    expect(s.summary.spacingMmZyx).toEqual(ref().summary.spacingMmZyx);
    expect(s.summary.geometry3d?.trusted).toBe(true);
    expect(s.summary.warnings.join('\n')).toMatch(/no PixelSpacing: ImagerPixelSpacing \(0\.598 × 0\.598 mm/);
  });

  it('RescaleSlope 0: slope 1 used, said in the warnings and in rescaleWarning', () => {
    const s = dsb.get('slope0')!.series[0];
    expect(same(s.volume.hu, ref().volume.hu)).toBe(true);
    expect(s.summary.rescaleWarning).toMatch(/RescaleSlope 0 \(invalid\) on 12 of 12 slices/);
    expect(s.summary.warnings).toContain(s.summary.rescaleWarning);
  });

  it('a negative RescaleSlope: every file refused with the reason', () => {
    const r = dsb.get('slope-neg')!;
    expect(r.series).toHaveLength(0);
    expect(r.skipped).toHaveLength(12);
    for (const sk of r.skipped) expect(sk.reason).toMatch(/RescaleSlope -1 is negative: the values cannot be Hounsfield units/);
  });

  it('PET values with a slope of 0.0003: refused with the reason instead of rounded away', () => {
    const r = pet.get('pet')!;
    expect(r.series).toHaveLength(0);
    expect(r.skipped).toHaveLength(12);
    for (const sk of r.skipped) expect(sk.reason).toMatch(/modality PT with RescaleSlope 0\.0003 .*not Hounsfield units/);
  });

  it('a CT without rescale tags: stored values kept, the doubt recorded in rescaleWarning', () => {
    const s = dsb.get('norescale')!.series[0];
    expect(s.summary.rescaleWarning).toMatch(/no RescaleSlope\/RescaleIntercept on 12 of 12 slices: stored values taken as HU/);
    expect(s.summary.warnings).toContain(s.summary.rescaleWarning);
    expect(ref().summary.rescaleWarning).toBeUndefined();
  });
});

/** A synthetic slice whose pixels all hold `value` (rows × columns 2 × 3, intercept 0). */
function slice(name: string, value: number, img: Partial<TestImage> = {}): DecodedSlice {
  const r = parseDicomFile(makeTestFile({ rows: 2, columns: 3, intercept: 0, pixels: new Int16Array(6).fill(value), ...img }), name);
  if (!r.ok) throw new Error(r.skipped.reason);
  return r.slices[0];
}

const acquisition = (n: number) => ({ tag: 0x00200012, vr: 'IS' as const, value: n });

describe('archive cases with synthetic headers', () => {
  it('splits acquisitions that overlap in position, keeps acquisitions that follow each other (step-and-shoot) as one stack', () => {
    const overlapping = [
      ...Array.from({ length: 6 }, (_, k) => slice(`a${k}.dcm`, k, { ipp: [0, 0, 2 * k], instanceNumber: k + 1, extraElements: [acquisition(1)] })),
      ...Array.from({ length: 4 }, (_, k) => slice(`b${k}.dcm`, k, { ipp: [0, 0, 2 * k + 1], instanceNumber: k + 7, extraElements: [acquisition(2)] })),
    ];
    expect(buildSeries(overlapping).map((s) => [s.summary.id, s.summary.dimsZyx[0], s.summary.spacingMmZyx[0]])).toEqual([
      ['2.25.2222#1', 6, 2], ['2.25.2222#2', 4, 2],
    ]);
    const following = Array.from({ length: 8 }, (_, k) =>
      slice(`c${k}.dcm`, k, { seriesUid: '2.25.77', ipp: [0, 0, 2 * k], instanceNumber: k + 1, extraElements: [acquisition(1 + (k >> 2))] }));
    const [one, ...rest] = buildSeries(following);
    expect(rest).toHaveLength(0);
    expect(one.summary.dimsZyx[0]).toBe(8);
    expect(one.summary.warnings).toEqual([]);
  });

  it('keeps slices with a FrameOfReferenceUID each as one series when they form one stack, not when a slice is missing', () => {
    const clean = Array.from({ length: 5 }, (_, k) => slice(`f${k}.dcm`, k, { ipp: [0, 0, k], frameOfReferenceUid: `2.25.9${k}` }));
    expect(buildSeries(clean).map((s) => s.summary.dimsZyx[0])).toEqual([5]);
    const gapped = clean.filter((_, k) => k !== 2);
    expect(buildSeries(gapped).map((s) => s.summary.dimsZyx[0])).toEqual([1, 1, 1, 1]);
  });

  it('drops slices without a position, with the reason, when InstanceNumber does not follow the positions', () => {
    const n = [5, 1, 4, 2, 6, 3];
    const slices = n.map((num, k) => slice(`p${k}.dcm`, k, { ipp: k === 3 ? null : [0, 0, 3 * k], instanceNumber: num }));
    const [s] = buildSeries(slices);
    expect(s.summary.files).toEqual(['p0.dcm', 'p1.dcm', 'p2.dcm', 'p4.dcm', 'p5.dcm']);
    expect(s.summary.slicePositionsMm).toEqual([0, 3, 6, 12, 15]);
    expect(s.summary.warnings.join('\n')).toMatch(/1 dropped \(the positioned slices do not follow their InstanceNumbers on one line\): p3\.dcm/);
  });

  it('places a first slice without a position from InstanceNumber and derives the volume origin from the next one', () => {
    const slices = [0, 1, 2, 3, 4].map((k) => slice(`o${k}.dcm`, k, { ipp: k === 0 ? null : [-50, -60, 10 + 2 * k], instanceNumber: k + 1 }));
    const [s] = buildSeries(slices);
    expect(s.summary.files).toEqual(['o0.dcm', 'o1.dcm', 'o2.dcm', 'o3.dcm', 'o4.dcm']);
    expect(s.summary.spacingMmZyx[0]).toBeCloseTo(2, 6);
    expect(s.volume.originMm.map((v) => Number(v.toFixed(6)))).toEqual([-50, -60, 10]);
  });

  it('refuses a CT slope that cannot give HU, warns about one far from 1', () => {
    const big = parseDicomFile(makeTestFile({ pixels: new Int16Array(16), slope: 1000 }), 'big.dcm');
    expect(big.ok ? '' : big.skipped.reason).toMatch(/RescaleSlope 1000 is outside 0\.01–100/);
    const [s] = buildSeries([0, 1, 2].map((k) => slice(`q${k}.dcm`, k, { ipp: [0, 0, k], slope: 4 })));
    expect(s.summary.rescaleWarning).toMatch(/RescaleSlope 4 on 3 of 3 slices is far from 1/);
  });
});
