import { describe, expect, it } from 'vitest';
import { buildSeries } from '../../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../../src/core/dicom/types';
import { makePhantomSeries, PHANTOM_LABEL } from '../../../src/core/io/phantom';

function parseAll(files: Array<{ name: string; bytes: Uint8Array }>): DecodedSlice[] {
  return files.flatMap((f) => {
    const r = parseDicomFile(f.bytes, f.name);
    if (!r.ok) throw new Error(`${f.name}: ${r.skipped.reason}`);
    return r.slices;
  });
}

describe('makePhantomSeries', () => {
  const { files, truth } = makePhantomSeries({ size: 64, slices: 24, withLabels: true, withVolume: true });

  it('writes Part-10 files: preamble, DICM, explicit VR little endian CT Image Storage', () => {
    expect(files).toHaveLength(24);
    for (const f of files) {
      expect(String.fromCharCode(...f.bytes.subarray(128, 132))).toBe('DICM');
      const r = parseDicomFile(f.bytes, f.name);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.slices[0].header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
        expect(r.slices[0].header.modality).toBe('CT');
        expect(r.slices[0].header.rescaleIntercept).toBe(-1024);
      }
    }
  });

  it('round-trips through parseDicomFile and buildSeries: dims, spacing, positions, HU', () => {
    const series = buildSeries(parseAll(files));
    expect(series).toHaveLength(1);
    const s = series[0];
    expect(s.summary.dimsZyx).toEqual([24, 64, 64]);
    expect(s.summary.spacingMmZyx[0]).toBeCloseTo(2.5, 6);
    expect(s.summary.spacingMmZyx[1]).toBeCloseTo(350 / 64, 5);
    expect(s.summary.spacingMmZyx).toEqual(truth.spacingMmZyx);
    expect(s.summary.slicePositionsMm).toEqual(truth.slicePositionsMm);
    expect(s.volume.originMm).toEqual(truth.originMm);
    expect(s.summary.seriesInstanceUid).toBe(truth.seriesInstanceUid);
    expect(s.summary.warnings).toEqual([]);
    expect(s.summary.files).toEqual(truth.fileForSlice);
    let diff = 0;
    for (let i = 0; i < s.volume.hu.length; i++) if (s.volume.hu[i] !== truth.volumeHu![i]) diff++;
    expect(diff).toBe(0);
  });

  it('centres the field of view on the isocentre and pads outside it', () => {
    const [s] = buildSeries(parseAll(files));
    const half = 175 - 350 / 64 / 2;
    expect(truth.originMm[0]).toBeCloseTo(-half, 5);
    expect(truth.slicePositionsMm[0]).toBeCloseTo(-truth.slicePositionsMm[23], 6);
    expect(s.volume.hu[0]).toBe(-1024); // corner: padding -> air
  });

  it('shuffles file names and numbers instances top-down (InstanceNumber decreases with z)', () => {
    expect(truth.instanceNumberForSlice).toEqual(Array.from({ length: 24 }, (_, z) => 24 - z));
    const byName = files.map((f) => f.name);
    expect(byName).toEqual([...byName].sort());
    expect(truth.fileForSlice).not.toEqual(byName);
    expect(truth.fileForSlice).not.toEqual([...byName].reverse());
    const slices = parseAll(files);
    const zOf = new Map(slices.map((s) => [s.header.instanceNumber!, s.header.imagePositionMm![2]]));
    for (let n = 2; n <= 24; n++) expect(zOf.get(n)!).toBeLessThan(zOf.get(n - 1)!);
  });

  it('is deterministic for a seed; another seed changes noise, UIDs and names', () => {
    const again = makePhantomSeries({ size: 64, slices: 24 });
    expect(again.files.map((f) => f.name)).toEqual(files.map((f) => f.name));
    expect(again.files.every((f, i) => Buffer.from(f.bytes).equals(Buffer.from(files[i].bytes)))).toBe(true);
    const other = makePhantomSeries({ size: 64, slices: 24, seed: 2 });
    expect(other.truth.seriesInstanceUid).not.toBe(truth.seriesInstanceUid);
    expect(other.truth.fileForSlice).not.toEqual(truth.fileForSlice);
  });

  it('can be segmented with a -700 HU threshold: lungs below, body tissue above', () => {
    const hu = truth.volumeHu!;
    const lab = truth.labels!;
    let lung = 0;
    let lungBelow = 0;
    let tissue = 0;
    let tissueBelow = 0;
    const n = 64;
    for (let z = 0; z < 24; z++) {
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const i = x + y * n + z * n * n;
          const mx = -175 + (x + 0.5) * (350 / n);
          const my = -175 + (y + 0.5) * (350 / n);
          const insideBody = (mx / 140) ** 2 + (my / 95) ** 2 <= 1; // well inside the fat ring
          // Away from edges (the blur mixes neighbours): all 8 in-plane neighbours carry the same label.
          if (x === 0 || y === 0 || x === n - 1 || y === n - 1) continue;
          let uniform = true;
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (lab[i + dx + dy * n] !== lab[i]) uniform = false;
          if (!uniform) continue;
          if (lab[i] === PHANTOM_LABEL.lung) {
            lung++;
            if (hu[i] < -700) lungBelow++;
          } else if (lab[i] === 0 && insideBody) {
            tissue++;
            if (hu[i] < -700) tissueBelow++;
          }
        }
      }
    }
    expect(lung).toBeGreaterThan(0.4 * (truth.voxelCounts.lungs - countBits(lab, PHANTOM_LABEL.vessel | PHANTOM_LABEL.nodule, PHANTOM_LABEL.lung)));
    expect(lungBelow / lung).toBeGreaterThan(0.99);
    expect(tissueBelow / tissue).toBeLessThan(0.01);
  });

  it('has lungs of about the ellipsoid volume and two airway-joined lungs per middle slice', () => {
    expect(truth.lungsAndAirwaysMl).toBeGreaterThan(0.9 * truth.lungEllipsoidsMl);
    expect(truth.lungsAndAirwaysMl).toBeLessThan(1.15 * truth.lungEllipsoidsMl);
    const mid = truth.perSliceLungsAndAirways[12];
    expect(mid).toBeGreaterThan(0);
    expect(truth.perSliceLungsAndAirways.reduce((a, b) => a + b, 0)).toBe(truth.voxelCounts.lungsAndAirways);
  });
});

/** Voxels that carry `mustHave` and any bit of `anyOf`. */
function countBits(lab: Uint8Array, anyOf: number, mustHave: number): number {
  let c = 0;
  for (const v of lab) if (v & mustHave && v & anyOf) c++;
  return c;
}
