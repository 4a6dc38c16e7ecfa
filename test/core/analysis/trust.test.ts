import { describe, expect, it } from 'vitest';
import { assessTrust, LUNG_BODY_MIN, LUNG_ON_BORDER_MAX, measureLungField, measureLungFieldOfRuns } from '../../../src/core/analysis/trust';
import { mulberry32 } from '../../../src/core/random/mulberry32';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import type { Geometry3dTrust } from '../../../src/core/dicom/types';
import type { Mask } from '../../../src/core/volume/volume';

const N = 40;
const NZ = 6;

/** A chest-like slab: air outside, a body box (40 HU) from x0..x1 × y0..y1, a lung box inside it (-850 HU, in the mask). */
function chest(lung: { x0: number; x1: number; y0: number; y1: number }, body = { x0: 4, x1: 35, y0: 6, y1: 33 }) {
  const hu = new Int16Array(N * N * NZ).fill(-1000);
  const data = new Uint8Array(hu.length);
  for (let z = 0; z < NZ; z++) {
    for (let y = 0; y < N; y++) {
      for (let x = 0; x < N; x++) {
        const i = x + y * N + z * N * N;
        if (x >= body.x0 && x <= body.x1 && y >= body.y0 && y <= body.y1) hu[i] = 40;
        if (x >= lung.x0 && x <= lung.x1 && y >= lung.y0 && y <= lung.y1) {
          hu[i] = -850;
          data[i] = 1;
        }
      }
    }
  }
  const mask: Mask = { nx: N, ny: N, nz: NZ, spacingMmXyz: [1, 1, 1], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], data };
  return { hu, mask };
}

const trusted: Geometry3dTrust = { trusted: true, problems: [], reasons: [], stackAngleDeg: 0 };

describe('measureLungField', () => {
  it('counts the lung, the body and the lung outline, and the outline on the image border', () => {
    const { hu, mask } = chest({ x0: 10, x1: 19, y0: 12, y1: 27 });
    const f = measureLungField(hu, mask, -700);
    expect(f.lungVoxels).toBe(10 * 16 * NZ);
    expect(f.bodyVoxels).toBe(32 * 28 * NZ);
    // The rectangle's outline: 2 * (10 + 16) - 4 voxels per slice, none on the border.
    expect(f.lungBoundaryVoxels).toBe((2 * (10 + 16) - 4) * NZ);
    expect(f.lungBoundaryOnBorder).toBe(0);

    // The same lung running into the left edge of the image (a field of view that cuts it).
    const cut = chest({ x0: 0, x1: 19, y0: 12, y1: 27 }, { x0: 0, x1: 35, y0: 6, y1: 33 });
    const g = measureLungField(cut.hu, cut.mask, -700);
    expect(g.lungBoundaryOnBorder).toBe(16 * NZ);
    expect(g.lungBoundaryVoxels).toBe((2 * (20 + 16) - 4) * NZ);
  });

  it('refuses a mask on another grid', () => {
    const { mask } = chest({ x0: 10, x1: 19, y0: 12, y1: 27 });
    expect(() => measureLungField(new Int16Array(10), mask, -700)).toThrow(RangeError);
  });
});

describe('measureLungFieldOfRuns', () => {
  it('gives measureLungField\'s numbers from the mask\'s row runs: whole, cut at the border, and ragged masks with dense lung voxels', () => {
    const cases = [chest({ x0: 10, x1: 19, y0: 12, y1: 27 }), chest({ x0: 0, x1: 19, y0: 0, y1: 39 }, { x0: 0, x1: 35, y0: 0, y1: 39 })];
    const rnd = mulberry32(9);
    for (let k = 0; k < 4; k++) {
      // Random blobs of mask and HU (some mask voxels above the threshold, some on every border).
      const c = chest({ x0: 0, x1: -1, y0: 0, y1: -1 });
      for (let i = 0; i < c.hu.length; i++) {
        c.hu[i] = Math.floor(rnd() * 2000) - 1000;
        c.mask.data[i] = rnd() < 0.2 + 0.2 * k ? 1 : 0;
      }
      cases.push(c);
    }
    for (const { hu, mask } of cases) {
      const runs = runsFromMask(mask.data, mask);
      expect(measureLungFieldOfRuns(hu, runs, -700)).toEqual(measureLungField(hu, mask, -700));
    }
  });
});

describe('assessTrust', () => {
  it('trusts a series with sound geometry and lungs inside the field of view', () => {
    const { hu, mask } = chest({ x0: 10, x1: 19, y0: 12, y1: 27 });
    expect(assessTrust({ geometry3d: trusted, field: measureLungField(hu, mask, -700) })).toEqual({ geometryTrusted: true, problems: [], reasons: [] });
    expect(assessTrust({}).geometryTrusted).toBe(true);
  });

  it('passes on the series geometry problems with their sentences', () => {
    const g: Geometry3dTrust = {
      trusted: false, problems: ['singleSlice', 'gap'], reasons: ['a single slice: no 3D', 'about 30 slices missing'], stackAngleDeg: null,
    };
    const v = assessTrust({ geometry3d: g });
    expect(v.geometryTrusted).toBe(false);
    expect(v.problems).toEqual(['singleSlice', 'gap']);
    expect(v.reasons).toEqual(g.reasons);
  });

  it('flags lungs that run into the image border', () => {
    const cut = chest({ x0: 0, x1: 19, y0: 12, y1: 27 }, { x0: 0, x1: 35, y0: 6, y1: 33 });
    const f = measureLungField(cut.hu, cut.mask, -700);
    expect(f.lungBoundaryOnBorder / f.lungBoundaryVoxels).toBeGreaterThan(LUNG_ON_BORDER_MAX);
    const v = assessTrust({ geometry3d: trusted, field: f });
    expect(v.geometryTrusted).toBe(false);
    expect(v.problems).toEqual(['lungsOnBorder']);
    expect(v.reasons[0]).toMatch(/image border .* field of view/);
  });

  it('flags a lung mask that is tiny against the body (what is left when the cut lungs became outside air)', () => {
    const { hu, mask } = chest({ x0: 15, x1: 17, y0: 15, y1: 17 });
    const f = measureLungField(hu, mask, -700);
    expect(f.lungVoxels / f.bodyVoxels).toBeLessThan(LUNG_BODY_MIN);
    const v = assessTrust({ field: f });
    expect(v.problems).toEqual(['lungsTiny']);
    expect(v.reasons[0]).toMatch(/lung mask is 1\.\d %/);
    // An empty mask is no lungs at all.
    expect(assessTrust({ field: { ...f, lungVoxels: 0, lungBoundaryVoxels: 0, lungBoundaryOnBorder: 0 } }).problems).toEqual(['lungsTiny']);
  });
});
