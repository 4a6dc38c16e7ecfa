/**
 * Runs the Python reference (../shared/reference/seed_pipeline.py) on a
 * series with Debian's /usr/bin/python3 and collects its `seconds` per stage
 * and its peak RSS from the JSON it prints.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { referenceDir } from '../helpers/sharedData';

export const PYTHON = '/usr/bin/python3';
export const SEED_SCRIPT = path.join(referenceDir, 'seed_pipeline.py');

export interface SeedRun {
  seconds: Record<string, number>;
  peakRssMb: number;
  /** Numbers to check that both pipelines did the same work. */
  check: { lungFillVoxels: number; gkKeptPixels: number[]; lungFaces: number; internalFaces: number };
}

/** null when the reference can run; otherwise why not. */
export function seedUnavailable(): string | null {
  if (!existsSync(SEED_SCRIPT)) return `${SEED_SCRIPT} not found`;
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, skimage, pydicom, scipy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot start: ${r.error.message}`;
  if (r.status !== 0) return `${PYTHON} lacks a module: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

export function runSeed(series: string): SeedRun {
  const out = mkdtempSync(path.join(tmpdir(), 'lungview-seed-'));
  try {
    const r = spawnSync(PYTHON, [SEED_SCRIPT, series, '--out', out], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`seed_pipeline.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const j = JSON.parse(r.stdout) as {
      seconds: Record<string, number>;
      peak_rss_mb: number;
      voxel_counts: { lung_fill: number };
      gk: { kept_pixels: number[] };
      marching_cubes: { lung_fill: { faces: number }; internal: { faces: number } };
    };
    return {
      seconds: j.seconds,
      peakRssMb: j.peak_rss_mb,
      check: {
        lungFillVoxels: j.voxel_counts.lung_fill,
        gkKeptPixels: j.gk.kept_pixels,
        lungFaces: j.marching_cubes.lung_fill.faces,
        internalFaces: j.marching_cubes.internal.faces,
      },
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
