/**
 * Where tests find the real data: ../shared/data and ../shared/reference next
 * to the repository, or the folders named by LUNGVIEW_DATA / LUNGVIEW_REFERENCE.
 *
 * Without the data the real-data suites are skipped on a developer's machine,
 * but when CI is set they fail instead: CI must never pass by skipping them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const dataDir = path.resolve(process.env.LUNGVIEW_DATA ?? path.join(repoRoot, '../shared/data'));
export const referenceDir = path.resolve(process.env.LUNGVIEW_REFERENCE ?? path.join(repoRoot, '../shared/reference'));

export const REAL_SERIES = ['cptac-lscc-c3n-00247', 'dsb2017-00cba091', 'lung-pet-ct-dx-a0001'] as const;
export type RealSeries = (typeof REAL_SERIES)[number];

export const haveRealData = existsSync(path.join(dataDir, 'ct')) && existsSync(referenceDir);

export function seriesDir(name: RealSeries): string {
  return path.join(dataDir, 'ct', name);
}

export function edgeFile(name: string): string {
  return path.join(dataDir, 'edge', name);
}

/**
 * `describe` for suites that need ../shared. Skips without the data, except
 * under CI, where a missing data folder is an error.
 */
/**
 * A suite that needs something this machine may lack (`problem` says what,
 * null when all is there): without it the suite is skipped locally and fails
 * when CI is set, so CI can never pass by skipping it.
 */
export function describeRequiring(name: string, problem: string | null, fn: () => void): void {
  if (!problem) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      throw new Error(`${problem}, and CI is set`);
    });
    return;
  }
  // Skipped suites still run their body to collect tests, and these bodies
  // read the data: register a stand-in that says what is missing instead.
  describe.skip(name, () => {
    it(`needs: ${problem}`, () => undefined);
  });
}

export function describeWithRealData(name: string, fn: () => void): void {
  describeRequiring(name, haveRealData ? null : `real data not found at ${dataDir} / ${referenceDir}`, fn);
}

export interface ReferenceSummary {
  dims_zyx: [number, number, number];
  spacing_mm_zyx: [number, number, number];
  load: { sorted_files: string[]; instance_numbers: number[] };
  hu: { min: number; max: number; mean: number; sha256_int16_le_zyx: string };
  voxel_counts: { lung_fill: number; lung_nofill: number; internal: number };
  per_slice_counts: { lung_fill: number[]; lung_nofill: number[]; internal: number[] };
  lung_volume_ml: { fill: number; nofill: number; internal: number };
  marching_cubes: {
    lung_fill: { vertices: number; faces: number; area_mm2: number };
    internal: { vertices: number; faces: number; area_mm2: number };
  };
  gk: {
    middle: number;
    slices: number[];
    kept_pixels: number[];
    per_slice: Array<{
      slice: number;
      centers: number[];
      centers_truncated: number[];
      kept_value: number;
      kept_pixels: number;
      iterations: number;
      init_u_first3: number[][];
    }>;
  };
  seconds: Record<string, number>;
  [key: string]: unknown;
}

export function readReferenceSummary(name: string): ReferenceSummary {
  return JSON.parse(readFileSync(path.join(referenceDir, name, 'summary.json'), 'utf8')) as ReferenceSummary;
}

/**
 * Read a reference mask (*.mask.gz: uint8 0/1 in z,y,x C order of the
 * reference's slice order, numpy.packbits big bit order, gzip) as one byte
 * per voxel, in the reference's order (z = position in summary.load.sorted_files).
 */
export function readReferenceMask(name: string, mask: string, voxels: number): Uint8Array {
  const bits = gunzipSync(readFileSync(path.join(referenceDir, name, `${mask}.mask.gz`)));
  const out = new Uint8Array(voxels);
  for (let i = 0; i < voxels; i++) out[i] = (bits[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}
