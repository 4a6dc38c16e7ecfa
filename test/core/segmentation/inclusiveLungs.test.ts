import { beforeAll, describe, expect, it } from 'vitest';
import { inclusiveStage, INCLUSIVE_LABEL, lungLabelsOfSplit, segmentStage, splitStage, type InclusiveStageResult } from '../../../src/core/analysis/stages';
import { makePathologyPhantom, PATHOLOGY_LABEL, PATHOLOGY_LUNG_LABELS, type PathologyPhantom } from '../../../src/core/io/pathologyPhantom';
import { lungsCutByFieldOfView } from '../../../src/core/segmentation/inclusiveLungs';
import { paintRuns, type RunSet } from '../../../src/core/segmentation/runs';
import { splitAirwayAndLungsOfRuns } from '../../../src/core/segmentation/splitAirwayAndLungs';
import type { Volume } from '../../../src/core/volume/volume';
import { loadRealSeries } from '../../helpers/loadSeries';
import { resliceData, reslicer, resliceVolume, SAGITTAL_DICOM, SAGITTAL_PERMUTED } from '../../helpers/reslice';
import { describeWithRealData, REAL_SERIES } from '../../helpers/sharedData';

const SEG = { thresholdHu: -700, background: 'border' as const };

function maskOf(runs: RunSet): Uint8Array {
  return paintRuns(runs, new Uint8Array(runs.nx * runs.ny * runs.nz));
}

/** Voxels of each truth label, and of each inside the mask. */
function countByLabel(labels: Uint8Array, mask: Uint8Array): { all: number[]; inside: number[] } {
  const all = new Array<number>(256).fill(0);
  const inside = new Array<number>(256).fill(0);
  for (let i = 0; i < labels.length; i++) {
    all[labels[i]]++;
    if (mask[i]) inside[labels[i]]++;
  }
  return { all, inside };
}

describe('inclusive lung mask on the pathology phantom', () => {
  let ph: PathologyPhantom;
  let fill: RunSet;
  let exclude: InclusiveStageResult;
  let include: InclusiveStageResult;
  let tutorial: ReturnType<typeof countByLabel>;
  let ex: ReturnType<typeof countByLabel>;
  let inc: ReturnType<typeof countByLabel>;

  beforeAll(() => {
    ph = makePathologyPhantom();
    fill = segmentStage(ph.volume, SEG).runs.fill;
    exclude = inclusiveStage(ph.volume, fill);
    include = inclusiveStage(ph.volume, fill, { effusion: 'include' });
    tutorial = countByLabel(ph.labels, maskOf(fill));
    ex = countByLabel(ph.labels, maskOf(exclude.runs));
    inc = countByLabel(ph.labels, maskOf(include.runs));
  });

  const L = PATHOLOGY_LABEL;
  const kept = (c: ReturnType<typeof countByLabel>, l: number) => c.inside[l] / c.all[l];

  const lesions: Array<[string, number]> = [
    ['posterior consolidation', L.consolidation],
    ['juxtapleural nodules (5–20 mm)', L.nodule],
    ['hilar mass', L.hilarMass],
    ['ground glass against the wall', L.groundGlass],
    ['dense dependent lung', L.dependent],
  ];
  for (const [name, l] of lesions) {
    it(`keeps ≥ 95 % of the ${name}`, () => {
      expect(ex.all[l]).toBeGreaterThan(0);
      expect(kept(ex, l)).toBeGreaterThanOrEqual(0.95);
    });
  }

  it('the tutorial mask misses the lesions against the wall (what this stage is for)', () => {
    for (const l of [L.consolidation, L.dependent]) expect(kept(tutorial, l)).toBeLessThan(0.05);
    expect(kept(tutorial, L.nodule)).toBeLessThan(0.5);
  });

  it('keeps ≥ 98 % of the rest of the lung', () => {
    expect(kept(ex, L.lung)).toBeGreaterThanOrEqual(0.98);
  });

  it('adds ≤ 2 % of the lung outside it (airway aside)', () => {
    let lung = 0;
    for (const l of PATHOLOGY_LUNG_LABELS) lung += ex.all[l];
    let outside = 0;
    for (let l = 0; l < 256; l++) if (!PATHOLOGY_LUNG_LABELS.includes(l) && l !== L.airway) outside += ex.inside[l];
    expect(outside / lung).toBeLessThanOrEqual(0.02);
  });

  const organs: Array<[string, number]> = [
    ['heart', L.heart],
    ['liver', L.liver],
    ['spleen', L.spleen],
    ['bowel gas', L.bowelGas],
    ['mediastinum', L.mediastinum],
    ['chest wall', L.body],
    ['ribs and spine', L.bone],
  ];
  for (const [name, l] of organs) {
    it(`does not leak into the ${name}`, () => {
      expect(ex.all[l]).toBeGreaterThan(0);
      expect(ex.inside[l] / ex.all[l]).toBeLessThanOrEqual(0.001);
    });
  }

  it("leaves the pleural effusion out by default ('exclude')", () => {
    expect(ex.all[L.effusion]).toBeGreaterThan(0);
    expect(kept(ex, L.effusion)).toBeLessThanOrEqual(0.01);
    expect(exclude.voxels.effusionExcluded).toBeGreaterThan(0);
  });

  it("takes the effusion with effusion: 'include'", () => {
    expect(kept(inc, L.effusion)).toBeGreaterThanOrEqual(0.5);
    expect(inc.inside[L.effusion]).toBeGreaterThan(10 * ex.inside[L.effusion]);
    // Everything else as with 'exclude'.
    expect(inc.inside[L.heart] + inc.inside[L.liver] + inc.inside[L.mediastinum]).toBe(0);
  });

  it('counts: inclusive = fill + added, the runs hold exactly that', () => {
    const n = maskOf(exclude.runs).reduce((a, v) => a + v, 0);
    expect(exclude.voxels.inclusive).toBe(exclude.voxels.fill + exclude.voxels.added);
    expect(n).toBe(exclude.voxels.inclusive);
    expect(exclude.notes.length).toBeGreaterThan(0);
  });

  it('labels the inclusive mask 1 right lung, 2 left lung, 3 airway', () => {
    const split = splitStage(ph.volume, exclude.runs, { withLabels: true });
    if (!split.ok) throw new Error(split.reason);
    const r = { labels: lungLabelsOfSplit(split)! };
    const at = (l: number) => {
      const c = new Array<number>(4).fill(0);
      for (let i = 0; i < ph.labels.length; i++) if (ph.labels[i] === l) c[r.labels[i]]++;
      return c;
    };
    // The consolidation lies in the right lung (patient x < 0: low index here), the band in the left.
    const cons = at(L.consolidation);
    expect(cons[INCLUSIVE_LABEL.rightLung]).toBeGreaterThanOrEqual(0.95 * ph.labels.filter((v) => v === L.consolidation).length);
    const dep = at(L.dependent);
    expect(dep[INCLUSIVE_LABEL.leftLung]).toBeGreaterThanOrEqual(0.9 * dep.reduce((a, v) => a + v, 0));
    const trachea = at(L.airway);
    expect(trachea[INCLUSIVE_LABEL.airway]).toBeGreaterThan(0.5 * trachea.reduce((a, v) => a + v, 0));
    expect(split.rightLungMl + split.leftLungMl).toBeGreaterThan(0);
    expect(split.airwayVoxels).toBeGreaterThan(0);
  });

  it('gives the same voxels for the phantom made into a sagittal stack (axis permutation), nearly the same with DICOM sagittal flips', () => {
    for (const axes of [SAGITTAL_PERMUTED, SAGITTAL_DICOM]) {
      const rs = reslicer(ph.volume, axes);
      const sag = resliceVolume(ph.volume, rs);
      const r = inclusiveStage(sag, segmentStage(sag, SEG).runs.fill);
      expect(r.fieldOfView.cut).toBe(false);
      const m = maskOf(r.runs);
      const want = resliceData(maskOf(exclude.runs), rs);
      let differ = 0;
      for (let i = 0; i < m.length; i++) if (m[i] !== want[i]) differ++;
      // Flipped axes change the rounding of the rays, nothing more.
      if (axes === SAGITTAL_PERMUTED) expect(differ).toBe(0);
      else expect(differ / exclude.voxels.inclusive).toBeLessThan(0.001);
    }
  });

  it('stops when aborted', () => {
    expect(() => inclusiveStage(ph.volume, fill, {}, { signal: { aborted: true } })).toThrow(/abort/);
  });
});

/** The phantom cropped to x indices [0, nx1): the right lung cut in its middle. */
function cropX(v: Volume, nx1: number): Volume {
  const { nx, ny, nz } = v;
  const hu = new Int16Array(nx1 * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) hu.set(v.hu.subarray((z * ny + y) * nx, (z * ny + y) * nx + nx1), (z * ny + y) * nx1);
  return { ...v, nx: nx1, hu };
}

describe('lungs cut by the field of view', () => {
  let ph: PathologyPhantom;
  beforeAll(() => {
    ph = makePathologyPhantom();
  });

  it('not flagged on the whole phantom', () => {
    const fill = segmentStage(ph.volume, SEG).runs.fill;
    const r = lungsCutByFieldOfView(ph.volume, fill);
    expect(r.cut).toBe(false);
    expect(r.reason).toBeNull();
  });

  it('flagged on the phantom cropped through one lung, with a reason', () => {
    const crop = cropX(ph.volume, 70);
    const fill = segmentStage(crop, SEG).runs.fill;
    const r = lungsCutByFieldOfView(crop, fill);
    expect(r.cut).toBe(true);
    expect(r.reason).toMatch(/lungs cut by the field of view/);
    // Also from the HU alone (the 'border' background drops a lung open to the border).
    expect(lungsCutByFieldOfView(crop, null).cut).toBe(true);
  });
});

describeWithRealData('inclusive lung mask on the real series', () => {
  for (const name of REAL_SERIES) {
    it(`${name}: contains the tutorial's filled mask less the airway and grows it by ≤ 5 %`, async () => {
      const { volume } = await loadRealSeries(name);
      const fill = segmentStage(volume, SEG).runs.fill;
      const r = inclusiveStage(volume, fill);
      const split = splitAirwayAndLungsOfRuns(fill, volume);
      if (!split.ok) throw new Error(split.reason);
      const m = maskOf(r.runs);
      let lungs = 0;
      let inside = 0;
      for (let i = 0; i < m.length; i++) {
        if (split.labels[i] >= 2) {
          lungs++;
          inside += m[i];
        }
      }
      expect(inside / lungs).toBeGreaterThanOrEqual(0.999);
      expect(r.voxels.added / r.voxels.fill).toBeLessThanOrEqual(0.05);
      expect(r.fieldOfView.cut).toBe(false);
    });
  }

  it('dsb2017: a 10 mm-radius 40 HU ball against the chest wall is ≥ 95 % inside (the tutorial mask: ~0 %)', async () => {
    const { volume } = await loadRealSeries('dsb2017-00cba091');
    const fill0 = segmentStage(volume, SEG).runs.fill;
    const m0 = maskOf(fill0);
    const { nx, ny, nz } = volume;
    const [sx, sy, sz] = volume.spacingMmXyz;
    // Middle slice, the row through the centroid of the low-x lung: its outermost lung voxel.
    const z = nz >> 1;
    let n = 0;
    let cy = 0;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx >> 1; x++) if (m0[x + y * nx + z * nx * ny]) {
      n++;
      cy += y;
    }
    cy = Math.round(cy / n);
    let xl = -1;
    for (let x = 0; x < nx && xl < 0; x++) if (m0[x + cy * nx + z * nx * ny]) xl = x;
    expect(xl).toBeGreaterThan(0);
    const rMm = 10;
    // Centre 7 mm inside the lung's edge: the ball reaches 3 mm into the
    // chest wall, where it is not painted (the lesion is the ball ∩ lung).
    const c = [xl + (rMm - 3) / sx, cy, z];
    const hu = volume.hu.slice();
    const ball: number[] = [];
    for (let k = Math.floor(z - rMm / sz); k <= Math.ceil(z + rMm / sz); k++) {
      for (let y = Math.floor(cy - rMm / sy); y <= Math.ceil(cy + rMm / sy); y++) {
        for (let x = Math.floor(c[0] - rMm / sx); x <= Math.ceil(c[0] + rMm / sx); x++) {
          const d = ((x - c[0]) * sx) ** 2 + ((y - c[1]) * sy) ** 2 + ((k - c[2]) * sz) ** 2;
          const i = x + y * nx + k * nx * ny;
          if (d <= rMm * rMm && m0[i]) {
            hu[i] = 40;
            ball.push(i);
          }
        }
      }
    }
    expect(ball.length).toBeGreaterThan(500);
    const lesioned: Volume = { ...volume, hu };
    const fill = segmentStage(lesioned, SEG).runs.fill;
    const tut = maskOf(fill);
    const inc = maskOf(inclusiveStage(lesioned, fill).runs);
    const frac = (m: Uint8Array) => ball.reduce((a, i) => a + m[i], 0) / ball.length;
    expect({ tutorial: frac(tut) < 0.05, inclusive: frac(inc) >= 0.95 }).toEqual({ tutorial: true, inclusive: true });
    console.log(`dsb2017 lesion: ${ball.length} voxels, tutorial ${(100 * frac(tut)).toFixed(1)} %, inclusive ${(100 * frac(inc)).toFixed(1)} %`);
  });
});
