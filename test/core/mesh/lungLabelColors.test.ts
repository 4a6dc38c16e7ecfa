import { describe, expect, it } from 'vitest';
import { LUNG_SIDE_STYLE, lungSideColors, NO_LABEL_RGB, SIDE_CODE, vertexLungSides } from '../../../src/core/mesh/lungLabelColors';
import { surfaceStage } from '../../../src/core/analysis/surfaceStage';
import { runsFromMask } from '../../../src/core/segmentation/runs';
import type { VolumeGeometry } from '../../../src/core/volume/volume';

/** Two boxes (right lung at low x, left lung at high x) and a tube (airway) on a 24 × 12 × 12 grid; label bytes as the page's lung label array codes them. */
function twoLungs(): { g: VolumeGeometry; labels: Uint8Array; labelOf: Uint8Array; side: Uint8Array } {
  const g: VolumeGeometry = { nx: 24, ny: 12, nz: 12, spacingMmXyz: [1.5, 1, 2], originMm: [-10, 5, -30], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
  const labels = new Uint8Array(g.nx * g.ny * g.nz);
  const side = new Uint8Array(labels.length);
  const RIGHT = 4 | 8, LEFT = 4, AIRWAY = 4 | 16;
  for (let z = 2; z < 10; z++) for (let y = 2; y < 10; y++) for (let x = 2; x < 22; x++) {
    const i = x + y * g.nx + z * g.nx * g.ny;
    if (x < 9) { labels[i] = RIGHT; side[i] = SIDE_CODE.right; }
    else if (x >= 15) { labels[i] = LEFT; side[i] = SIDE_CODE.left; }
    else if (y >= 5 && y < 7 && z >= 5) { labels[i] = AIRWAY; side[i] = SIDE_CODE.airway; }
  }
  const labelOf = new Uint8Array(256);
  labelOf[RIGHT] = SIDE_CODE.right;
  labelOf[LEFT] = SIDE_CODE.left;
  labelOf[AIRWAY] = SIDE_CODE.airway;
  return { g, labels, labelOf, side };
}

describe('lung surface coloured by right lung, left lung and airway', () => {
  it('gives each vertex of the surface of the lungs the label of the voxels just inside it', () => {
    const { g, labels, labelOf, side } = twoLungs();
    const mask = new Uint8Array(labels.length);
    for (let i = 0; i < mask.length; i++) mask[i] = labels[i] ? 1 : 0;
    const m = surfaceStage({ runs: runsFromMask(mask, g), geometry: g }, { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 1e9 }).full!;
    const codes = vertexLungSides(m, g, labels, labelOf);
    const n = codes.length;
    let wrong = 0;
    const seen = new Set<number>();
    for (let k = 0; k < n; k++) {
      seen.add(codes[k]);
      // The voxel the vertex lies nearest to, among the labelled ones: the truth.
      const [px, py, pz] = [m.positionsMm[3 * k], m.positionsMm[3 * k + 1], m.positionsMm[3 * k + 2]];
      let best = 0;
      let bestD = Infinity;
      for (let i = 0; i < side.length; i++) {
        if (!side[i]) continue;
        const x = i % g.nx, y = Math.floor(i / g.nx) % g.ny, z = Math.floor(i / (g.nx * g.ny));
        const d = (g.originMm[0] + 1.5 * x - px) ** 2 + (g.originMm[1] + y - py) ** 2 + (g.originMm[2] + 2 * z - pz) ** 2;
        if (d < bestD) { bestD = d; best = side[i]; }
      }
      if (codes[k] !== best) wrong++;
    }
    expect([...seen].sort()).toEqual([SIDE_CODE.right, SIDE_CODE.left, SIDE_CODE.airway]);
    expect(wrong).toBe(0);
    const rgb = lungSideColors(m, g, labels, labelOf);
    const k = codes.indexOf(SIDE_CODE.left);
    const hex = LUNG_SIDE_STYLE.left.color;
    expect(Math.round(rgb[3 * k] * 255)).toBe(parseInt(hex.slice(1, 3), 16));
  });

  it('leaves a vertex with no label near it grey', () => {
    const { g, labels, labelOf } = twoLungs();
    const far = { positionsMm: new Float32Array([g.originMm[0] + 1.5 * 12, g.originMm[1] + 11, g.originMm[2] + 2]), normals: new Float32Array([0, 0, 1]) };
    expect(vertexLungSides(far, g, labels, labelOf)[0]).toBe(0);
    expect(Array.from(lungSideColors(far, g, labels, labelOf))).toEqual(NO_LABEL_RGB.map((c) => Math.fround(c)));
  });
});
