/**
 * Densitometry of the tutorial's filled lung mask (the Python reference's
 * lung_fill) on the three real series against an independent numpy
 * computation (test/fixtures/densitometry_reference.py, run with
 * /usr/bin/python3 on the HU this test writes in the reference's slice
 * order, checked there against the reference's sha256): first the mask as
 * one lung (the script reads the reference mask file itself), then the mask
 * split into airway / right / left (splitAirwayAndLungs), where the script
 * cuts the thirds and halves in patient coordinates with numpy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BOUNDARY_TOLERANCE_MM,
  DEFAULT_LABEL_CODES,
  densitometry,
  REGION_NAMES,
  type DensitometryMeasures,
} from '../../../src/core/analysis/densitometry';
import { RIGHT_LUNG_LABEL, splitAirwayAndLungs } from '../../../src/core/segmentation/splitAirwayAndLungs';
import { geometryOf } from '../../../src/core/volume/volume';
import { loadRealSeries } from '../../helpers/loadSeries';
import {
  describeRequiring,
  haveRealData,
  REAL_SERIES,
  readReferenceMask,
  readReferenceSummary,
  referenceDir,
  type RealSeries,
} from '../../helpers/sharedData';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/densitometry_reference.py');

function numpyProblem(): string | null {
  if (!haveRealData) return 'real data not found';
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'numpy missing for /usr/bin/python3 (apt-get install -y python3-numpy)';
  }
}

type NumpyMeasures = Partial<Omit<DensitometryMeasures, 'voxels'>> & { voxels: number; classes: Record<string, number> };

const KEYS = [
  'volumeMl', 'massG', 'laa950', 'laa910', 'laa856', 'haa700', 'haa600', 'haa500', 'haa250',
  'perc10', 'perc15', 'meanHu', 'stdHu', 'medianHu',
] as const;

/** Every measure equal to numpy's to 1e-9 (relative above 1), the counts exactly. */
function expectNumpy(got: DensitometryMeasures, want: NumpyMeasures, where: string): void {
  expect(got.voxels, `${where} voxels`).toBe(want.voxels);
  for (const k of KEYS) {
    const g = got[k];
    const w = want[k] ?? null;
    if (g === null || w === null) {
      expect(g, `${where} ${k}`).toBe(w);
      continue;
    }
    expect(Math.abs(g - w), `${where} ${k}: lungview ${g}, numpy ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
  }
}

/** The series, its reference summary, and our-z-order helpers. */
async function realCase(name: RealSeries) {
  const { volume, summary: ours } = await loadRealSeries(name);
  const summary = readReferenceSummary(name);
  const plane = volume.nx * volume.ny;
  const n = plane * volume.nz;
  // Our z order is by position; the reference's is sorted_files order.
  const kOfZ = ours.files.map((f) => summary.load.sorted_files.indexOf(f));
  const refMask = readReferenceMask(name, 'lung_fill', n);
  const mask = new Uint8Array(n);
  const huRef = new Int16Array(n);
  for (let z = 0; z < volume.nz; z++) {
    const k = kOfZ[z];
    huRef.set(volume.hu.subarray(z * plane, (z + 1) * plane), k * plane);
    mask.set(refMask.subarray(k * plane, (k + 1) * plane), z * plane);
  }
  return { volume, summary, kOfZ, mask, huRef };
}

/** Runs the numpy script with the HU (reference order) and any extra files; returns its JSON. */
function runNumpy(name: RealSeries, huRef: Int16Array, extra: Array<{ file: string; data: Uint8Array | string }> = []): unknown {
  const dir = mkdtempSync(path.join(tmpdir(), 'densito-'));
  try {
    const huPath = path.join(dir, 'hu.raw');
    writeFileSync(huPath, new Uint8Array(huRef.buffer, huRef.byteOffset, huRef.byteLength));
    const args = [SCRIPT, huPath, path.join(referenceDir, name)];
    for (const e of extra) {
      const p = path.join(dir, e.file);
      writeFileSync(p, e.data);
      args.push(p);
    }
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 22 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describeRequiring('densitometry on the real series equals numpy', numpyProblem(), () => {
  for (const name of REAL_SERIES) {
    describe(name, () => {
      it('the reference lung_fill mask as one lung: every measure and the HU classes', async () => {
        const { volume, summary, mask, huRef } = await realCase(name);
        const labels = mask.map((m) => (m ? RIGHT_LUNG_LABEL : 0));
        const want = (runNumpy(name, huRef) as { whole: NumpyMeasures }).whole;
        const got = densitometry(volume.hu, volume, { labels }, { lungMask: 'lung_fill' });
        expectNumpy(got.whole, want, 'whole');
        expect(got.whole.voxels).toBe(summary.voxel_counts.lung_fill);
        expect(got.left.voxels).toBe(0);
        expect(got.right).toEqual(got.whole);
        expect(Object.fromEntries(got.classes.whole.classes.map((c) => [c.name, c.voxels]))).toEqual(want.classes);
        // The tutorial's mask holds aerated lung: its median lies in the lung's range.
        expect(got.whole.medianHu).toBeLessThan(-700);
      }, 120_000);

      it('the same mask split into airway, right and left lung: every set and region, in patient coordinates', async () => {
        const { volume, kOfZ, mask, huRef } = await realCase(name);
        const split = splitAirwayAndLungs({ ...geometryOf(volume), data: mask });
        expect(split.ok).toBe(true);
        if (!split.ok) return;
        const got = densitometry(volume.hu, volume, { labels: split.labels });
        const geometry = {
          kOfZ,
          originMm: volume.originMm,
          spacingMmXyz: volume.spacingMmXyz,
          directionXyz: volume.directionXyz,
          codes: DEFAULT_LABEL_CODES,
          tolMm: BOUNDARY_TOLERANCE_MM,
        };
        const want = runNumpy(name, huRef, [
          { file: 'labels.raw', data: split.labels },
          { file: 'geometry.json', data: JSON.stringify(geometry) },
        ]) as Record<string, NumpyMeasures> & { airwayMedianHu: number | null };
        expectNumpy(got.whole, want.whole, 'whole');
        expectNumpy(got.right, want.right, 'right');
        expectNumpy(got.left, want.left, 'left');
        for (const r of REGION_NAMES) expectNumpy(got.regions[r], want[r], r);
        for (const lung of ['right', 'left'] as const) {
          expect(Object.fromEntries(got.classes[lung].classes.map((c) => [c.name, c.voxels]))).toEqual(want[lung].classes);
        }
        expect(got.airway.medianHu).toBe(want.airwayMedianHu);
        // Both lungs are real lungs, and every region holds part of them.
        for (const r of REGION_NAMES) expect(got.regions[r].voxels, r).toBeGreaterThan(0);
      }, 120_000);
    });
  }
});
