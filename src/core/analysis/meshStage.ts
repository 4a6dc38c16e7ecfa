/**
 * The mesh stage of the analysis pipeline (runAnalysis.ts): the closed
 * marching-cubes surface of a mask at level 0.5 (mesh/marchingCubes.ts,
 * Lorensen & Cline with consistent faces, as the reference's
 * skimage.measure.marching_cubes) and its area, timed apart. The mask is
 * given as voxels or as row runs (marchingCubesOfRuns: the same arrays, no
 * voxel mask needed; the internal structures are meshed that way).
 *
 * The mesh arrays are views of the used part of larger buffers (marching
 * cubes with `trim: false`), which saves copying them; use byteOffset and
 * length as for any view. Kept in its own module, with only the mesh code as
 * dependencies, so that a thread that only meshes (the CLI's analysis
 * worker) loads little.
 *
 * Cost: that of marchingCubes (or marchingCubesOfRuns) plus one pass over
 * the triangles for the area.
 */
import type { MeshStageParams } from './analysisParams';
import { marchingCubes, marchingCubesOfRuns, type MarchingCubesResult } from '../mesh/marchingCubes';
import { meshAreaMm2 } from '../mesh/mesh';
import type { RunSet } from '../segmentation/runs';
import type { Mask, VolumeGeometry } from '../volume/volume';

/** A mask to mesh: its voxels, or its row runs with the grid's geometry (marchingCubesOfRuns: the same surface, no voxel mask). */
export type MeshSource = Mask | { runs: RunSet; geometry: VolumeGeometry };

export interface MeshStageResult {
  mesh: MarchingCubesResult;
  vertices: number;
  triangles: number;
  areaMm2: number;
  /** Marching cubes (with normals) and the area sum, timed apart (the reference times only the former). */
  timingsMs: { marchingCubes: number; area: number };
}

/** Progress and cancellation of the mesh stage (a subset of runAnalysis's StageOptions). */
export interface MeshStageOptions {
  onProgress?: (fraction: number, stage: 'meshLung' | 'meshInternal') => void;
  signal?: { readonly aborted: boolean };
}

const clock: { now(): number } = (globalThis as { performance?: { now(): number } }).performance ?? Date;

/** Closed marching-cubes surface of a mask, given as voxels or as runs (level 0.5), and its area. */
export function runMeshStage(source: MeshSource, params: MeshStageParams, stage: 'meshLung' | 'meshInternal', opts: MeshStageOptions = {}): MeshStageResult {
  const report = opts.onProgress;
  const t0 = clock.now();
  const mcParams = {
    stepSize: params.stepSize,
    // Views of the used part of the output buffers: no trimmed copies (see marchingCubes.ts).
    trim: false,
    signal: opts.signal,
    onProgress: report ? (f: number) => report(f, stage) : undefined,
  };
  const mesh = 'runs' in source ? marchingCubesOfRuns(source.runs, source.geometry, mcParams) : marchingCubes(source, mcParams);
  const t1 = clock.now();
  const areaMm2 = meshAreaMm2(mesh);
  const t2 = clock.now();
  report?.(1, stage);
  return {
    mesh,
    vertices: mesh.positionsMm.length / 3,
    triangles: mesh.indices.length / 3,
    areaMm2,
    timingsMs: { marchingCubes: t1 - t0, area: t2 - t1 },
  };
}
