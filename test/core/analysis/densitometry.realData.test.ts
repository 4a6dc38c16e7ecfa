/**
 * Densitometry of the tutorial's filled lung mask (the Python reference's
 * lung_fill) on the three real series, treated as one lung, against an
 * independent numpy computation (test/fixtures/densitometry_reference.py,
 * run with /usr/bin/python3 on the HU this test writes in the reference's
 * slice order and on the reference mask file itself).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { densitometry, type DensitometryMeasures } from '../../../src/core/analysis/densitometry';
import { RIGHT_LUNG_LABEL } from '../../../src/core/segmentation/splitAirwayAndLungs';
import { loadRealSeries } from '../../helpers/loadSeries';
import { describeRequiring, haveRealData, REAL_SERIES, readReferenceMask, readReferenceSummary, referenceDir } from '../../helpers/sharedData';

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

type Numpy = Omit<DensitometryMeasures, 'voxels'> & { voxels: number; classes: Record<string, number> };

describeRequiring('densitometry of the reference lung_fill mask equals numpy', numpyProblem(), () => {
  for (const name of REAL_SERIES) {
    describe(name, () => {
      it('every measure of the whole lung and the HU classes', async () => {
        const { volume, summary: ours } = await loadRealSeries(name);
        const summary = readReferenceSummary(name);
        const plane = volume.nx * volume.ny;
        const n = plane * volume.nz;
        // Our z order is by position; the reference's is sorted_files order.
        const kOfZ = ours.files.map((f) => summary.load.sorted_files.indexOf(f));
        const refMask = readReferenceMask(name, 'lung_fill', n);
        const labels = new Uint8Array(n);
        const huRef = new Int16Array(n);
        for (let z = 0; z < volume.nz; z++) {
          const k = kOfZ[z];
          huRef.set(volume.hu.subarray(z * plane, (z + 1) * plane), k * plane);
          for (let i = 0; i < plane; i++) if (refMask[k * plane + i]) labels[z * plane + i] = RIGHT_LUNG_LABEL;
        }
        const dir = mkdtempSync(path.join(tmpdir(), 'densito-'));
        let want: Numpy;
        try {
          const huPath = path.join(dir, 'hu.raw');
          writeFileSync(huPath, new Uint8Array(huRef.buffer, huRef.byteOffset, huRef.byteLength));
          const out = execFileSync(PYTHON, [SCRIPT, huPath, path.join(referenceDir, name)], { encoding: 'utf8', maxBuffer: 1 << 20 });
          want = JSON.parse(out) as Numpy;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        const got = densitometry(volume.hu, volume, { labels }, { lungMask: 'lung_fill' });
        expect(got.whole.voxels).toBe(want.voxels);
        expect(got.whole.voxels).toBe(summary.voxel_counts.lung_fill);
        expect(got.left.voxels).toBe(0);
        expect(got.right).toEqual(got.whole);
        const keys = [
          'volumeMl', 'massG', 'laa950', 'laa910', 'laa856', 'haa700', 'haa600', 'haa500', 'haa250',
          'perc10', 'perc15', 'meanHu', 'stdHu', 'medianHu',
        ] as const;
        for (const k of keys) {
          const g = got.whole[k] as number;
          const w = want[k] as number;
          expect(Math.abs(g - w), `${k}: lungview ${g}, numpy ${w}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
        }
        expect(Object.fromEntries(got.classes.whole.classes.map((c) => [c.name, c.voxels]))).toEqual(want.classes);
        // The tutorial's mask holds real lung: emphysema-range voxels and a median in the lung's range.
        expect(got.whole.medianHu).toBeLessThan(-700);
      }, 120_000);
    });
  }
});
