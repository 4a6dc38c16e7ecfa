/**
 * The analysis worker's functions, called directly (no worker) on a small
 * phantom: each stage gives what the core gives, with the right sizes, and
 * refuses to run out of order.
 */
import { describe, expect, it } from 'vitest';
import { gkSliceRange } from '../../src/core/analysis/analysisParams';
import { gkSegment } from '../../src/core/clustering/gkSegment';
import { marchingCubes } from '../../src/core/mesh/marchingCubes';
import { segmentLungVariants } from '../../src/core/segmentation/segmentLungs';
import { internalStructures, maskVolumeMl } from '../reference/segmentLungs';
import { voxelVolumeMm3 } from '../../src/core/volume/volume';
import { meshFile, meshFileBytes } from '../../src/core/io/meshFile';
import { createAnalysisWorkerApi } from '../../src/workers/analysisWorkerApi';
import { phantomSeries } from './phantomSeries';

const { volume } = phantomSeries();
const voxels = volume.nx * volume.ny * volume.nz;
const plane = volume.nx * volume.ny;
const reference = segmentLungVariants(volume, { thresholdHu: -700, background: 'border' });
const referenceInternal = internalStructures(reference.fill, reference.noFill);

function loadedApi() {
  const api = createAnalysisWorkerApi();
  api.loadVolume('s1', { ...volume, hu: volume.hu.slice() });
  return api;
}

/** Number of positions where two arrays differ (a fast stand-in for toEqual on big typed arrays). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const gkParams = { clusters: 5, m: 2, maxIter: 100, error: 1e-6, seed: 0 };

describe('analysis worker API (called directly)', () => {
  it('segments both lung masks exactly as the core does, with voxel counts and mL', () => {
    const api = loadedApi();
    const progress: number[] = [];
    const out = api.segment('s1', { thresholdHu: -700, background: 'border' }, (f) => progress.push(f));
    expect(out.labels.length).toBe(voxels);
    // Bit 1 is the filled mask, bit 0 the unfilled one; no other bits.
    expect(differences(out.labels.map((v) => (v >> 1) & 1), reference.fill.data)).toBe(0);
    expect(differences(out.labels.map((v) => v & 1), reference.noFill.data)).toBe(0);
    expect(out.labels.every((v) => v <= 3)).toBe(true);
    const fillCount = reference.fill.data.reduce((a, v) => a + v, 0);
    expect(fillCount).toBeGreaterThan(1000);
    expect(out.voxels.fill).toBe(fillCount);
    expect(out.ml.fill).toBeCloseTo(maskVolumeMl(reference.fill), 6);
    expect(out.ml.noFill).toBeCloseTo(maskVolumeMl(reference.noFill), 6);
    // Progress rises to 1.
    expect(progress.at(-1)).toBe(1);
    for (let k = 1; k < progress.length; k++) expect(progress[k]).toBeGreaterThanOrEqual(progress[k - 1]);
  });

  it('hands its masks over: changing them does not change later stages', () => {
    const api = loadedApi();
    const seg = api.segment('s1', { thresholdHu: -700, background: 'border' });
    seg.labels.fill(0);
    const inner = api.internal('s1');
    expect(inner.voxels).toBe(referenceInternal.data.reduce((a, v) => a + v, 0));
    const m = api.mesh('s1', 'internal', { stepSize: 2, smoothIterations: 0, maxDisplayTriangles: 10_000_000 });
    expect(m.triangles).toBe(marchingCubes(referenceInternal, { stepSize: 2 }).indices.length / 3);
  });

  it('makes the internal structures (fill − noFill) and a histogram of the lung HU values', () => {
    const api = loadedApi();
    const seg = api.segment('s1', { thresholdHu: -700, background: 'border' });
    const out = api.internal('s1');
    // The internal structures are the voxels labelled 2 (fill without noFill).
    expect(differences(seg.labels.map((v) => (v === 2 ? 1 : 0)), referenceInternal.data)).toBe(0);
    expect(out.voxels).toBe(referenceInternal.data.reduce((a, v) => a + v, 0));
    expect(out.ml).toBeCloseTo((out.voxels * voxelVolumeMm3(volume)) / 1000, 9);
    expect(out.minusOneVoxels).toBe(referenceInternal.minusOneVoxels);
    const h = out.histogram;
    const fillCount = reference.fill.data.reduce((a, v) => a + v, 0);
    expect(h.total).toBe(fillCount);
    expect(h.counts.reduce((a, v) => a + v, 0)).toBe(fillCount);
    // Mean of the lung HU, computed here directly.
    let sum = 0;
    for (let i = 0; i < voxels; i++) if (reference.fill.data[i]) sum += volume.hu[i];
    expect(h.meanHu).toBeCloseTo(sum / fillCount, 6);
  });

  it('clusters 2k+1 slices centred on the given slice, as gkSegment does on the lung-only slices', () => {
    const api = loadedApi();
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    const centre = Math.floor(volume.nz / 2);
    const out = api.gk('s1', { ...gkParams, scope: 'slices', centreSlice: centre, halfSlices: 2 });
    expect(out.scope).toBe('slices');
    expect(out.zFrom).toBe(centre - 2);
    expect(out.planes).toBe(5);
    expect(out.mask.length).toBe(5 * plane);
    expect(out.perSlice.map((s) => s.z)).toEqual(gkSliceRange(volume, centre, 2));
    for (let k = 0; k < 5; k++) {
      const z = out.zFrom + k;
      const lungOnly = new Int16Array(plane);
      for (let i = 0; i < plane; i++) if (reference.fill.data[z * plane + i]) lungOnly[i] = volume.hu[z * plane + i];
      const direct = gkSegment(lungOnly, gkParams);
      expect(differences(out.mask.subarray(k * plane, (k + 1) * plane), direct.mask)).toBe(0);
      expect(out.perSlice[k].keptPixels).toBe(direct.keptPixels);
      expect(out.perSlice[k].centersHu).toEqual(direct.centers);
    }
    expect(out.keptVoxels).toBe(out.mask.reduce((a, v) => a + v, 0));
  });

  it('clamps the GK window inside the volume, and clusters the whole lung in volume scope', () => {
    const api = loadedApi();
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    const edge = api.gk('s1', { ...gkParams, scope: 'slices', centreSlice: 0, halfSlices: 2 });
    expect(edge.zFrom).toBe(0);
    expect(edge.perSlice.map((s) => s.z)).toEqual([0, 1, 2, 3, 4]);
    const whole = api.gk('s1', { ...gkParams, scope: 'volume', centreSlice: 0, halfSlices: 2 });
    expect(whole.zFrom).toBe(0);
    expect(whole.planes).toBe(volume.nz);
    expect(whole.mask.length).toBe(voxels);
    // Only lung voxels can be kept.
    let outside = 0;
    for (let i = 0; i < voxels; i++) if (whole.mask[i] && !reference.fill.data[i]) outside++;
    expect(outside).toBe(0);
    expect(whole.keptVoxels).toBeGreaterThan(0);
  });

  it('meshes the filled lungs like the core, and decimates the drawn mesh above the display budget', () => {
    const api = loadedApi();
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    const direct = marchingCubes(reference.fill);
    const big = api.mesh('s1', 'lung', { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 10_000_000 });
    expect(big.triangles).toBe(direct.indices.length / 3);
    expect(differences(big.full!.positionsMm, direct.positionsMm)).toBe(0);
    expect(big.full!.indices).toEqual(direct.indices);
    expect(big.display).toBeNull();
    expect(big.displayTriangles).toBe(big.triangles);
    expect(big.heightColors.length).toBe(big.full!.positionsMm.length);
    // A closed surface around the voxels encloses about the mask's volume.
    expect(big.volumeMl).toBeGreaterThan(0.85 * maskVolumeMl(reference.fill));
    expect(big.volumeMl).toBeLessThan(1.15 * maskVolumeMl(reference.fill));

    const budget = Math.floor(big.triangles / 4);
    const small = api.mesh('s1', 'lung', { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: budget });
    expect(small.triangles).toBe(big.triangles);
    expect(small.areaMm2).toBe(big.areaMm2);
    expect(small.volumeMl).toBe(big.volumeMl);
    expect(small.display).not.toBeNull();
    // The full surface of a decimated mesh is not sent (exports make it again from the mask).
    expect(small.full).toBeNull();

    // What an export writes from the 0/1 mask (the export worker's meshFile) is this very surface, smoothing included, byte for byte.
    const smoothed = api.mesh('s1', 'lung', { stepSize: 1, smoothIterations: 3, maxDisplayTriangles: 10_000_000 });
    const again = meshFile({ source: { mask: reference.fill, stepSize: 1, smoothIterations: 3 }, format: 'stl', name: 'lung', colour: '#ffffff' });
    const drawn = meshFileBytes(smoothed.full!, 'stl', { name: 'lung' });
    expect(again.length).toBe(drawn.length);
    expect(differences(again, drawn)).toBe(0);
    expect(small.displayTriangles).toBe(small.display!.indices.length / 3);
    expect(small.displayTriangles).toBeLessThanOrEqual(budget);
    expect(small.displayTriangles).toBeGreaterThan(0);
    expect(small.heightColors.length).toBe(small.display!.positionsMm.length);
  });

  it('meshes the GK structures stacked over their slices, in patient mm of those slices', () => {
    const api = loadedApi();
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    api.internal('s1');
    const gk = api.gk('s1', { ...gkParams, scope: 'slices', centreSlice: 20, halfSlices: 2 });
    const m = api.mesh('s1', 'gk', { stepSize: 1, smoothIterations: 2, maxDisplayTriangles: 10_000_000 });
    expect(m.triangles).toBeGreaterThan(0);
    // Every vertex lies within the clustered slab (half a slice of padding on each side).
    const zs = [gk.zFrom - 0.5, gk.zFrom + gk.planes - 0.5].map((k) => volume.originMm[2] + volume.directionXyz[2][2] * k * volume.spacingMmXyz[2]);
    const lo = Math.min(...zs) - 1e-3;
    const hi = Math.max(...zs) + 1e-3;
    const p = m.full!.positionsMm;
    for (let i = 2; i < p.length; i += 3) {
      expect(p[i]).toBeGreaterThanOrEqual(lo);
      expect(p[i]).toBeLessThanOrEqual(hi);
    }
    const internal = api.mesh('s1', 'internal', { stepSize: 2, smoothIterations: 0, maxDisplayTriangles: 10_000_000 });
    expect(internal.kind).toBe('internal');
  });

  it('splits the filled lungs into left, right and airway, or says why not', () => {
    const api = loadedApi();
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    const r = api.split('s1');
    if (r.ok) {
      const total = r.leftLungMl + r.rightLungMl + r.airwayMl;
      expect(total).toBeCloseTo(maskVolumeMl(reference.fill), 3);
      expect(r.leftLungMl).toBeGreaterThan(0);
      expect(r.rightLungMl).toBeGreaterThan(0);
    } else {
      expect(r.reason.length).toBeGreaterThan(5);
    }
  });

  it('hands its masks to another worker: mask stages run there, HU stages ask for the volume; loadVolume with keepResults keeps the masks', () => {
    const old = loadedApi();
    old.segment('s1', { thresholdHu: -700, background: 'border' });
    const state = old.exportMasks('s1');
    expect(() => old.internal('s1')).toThrow(/no volume loaded/);
    const api = createAnalysisWorkerApi();
    api.importMasks('s1', state);
    expect(() => api.internal('s1')).toThrow(/HU values of "s1" are not here/);
    expect(() => api.gk('s1', { ...gkParams, scope: 'slices', centreSlice: 20, halfSlices: 2 })).toThrow(/not here/);
    const m = api.mesh('s1', 'lung', { stepSize: 2, smoothIterations: 0, maxDisplayTriangles: 10_000_000 });
    expect(m.triangles).toBe(marchingCubes(reference.fill, { stepSize: 2 }).indices.length / 3);
    api.loadVolume('s1', { ...volume, hu: volume.hu.slice() }, true);
    const inner = api.internal('s1');
    expect(inner.voxels).toBe(referenceInternal.data.reduce((a, v) => a + v, 0));
    // Without keepResults the masks go.
    api.loadVolume('s1', { ...volume, hu: volume.hu.slice() });
    expect(() => api.internal('s1')).toThrow(/not computed yet/);
  });

  it('refuses stages out of order and unknown volumes with a clear message', () => {
    const api = createAnalysisWorkerApi();
    expect(() => api.segment('nope', { thresholdHu: -700, background: 'border' })).toThrow(/no volume loaded under id "nope"/);
    api.loadVolume('s1', { ...volume, hu: volume.hu.slice() });
    expect(() => api.internal('s1')).toThrow(/lung mask is not computed yet/);
    expect(() => api.mesh('s1', 'gk', { stepSize: 1, smoothIterations: 0, maxDisplayTriangles: 1000 })).toThrow(/GK mask is not computed yet/);
    // A new volume replaces the old one and its masks.
    api.segment('s1', { thresholdHu: -700, background: 'border' });
    api.loadVolume('s2', { ...volume, hu: volume.hu.slice() });
    expect(() => api.internal('s1')).toThrow(/no volume loaded/);
    expect(() => api.internal('s2')).toThrow(/not computed yet/);
  });
});
