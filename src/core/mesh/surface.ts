/**
 * The one surface maker: the closed surface of a mask as the analysis, the
 * 3D crop and the exports all draw or write it.
 *
 *   marching cubes  level 0.5 of a 0/1 mask (marchingCubes.ts: Lorensen &
 *                   Cline with consistent faces, as the reference's
 *                   skimage.measure.marching_cubes), from voxels or straight
 *                   from row runs (the same arrays, no voxel mask)
 *   smoothing       Taubin lambda/mu (taubinSmooth.ts), when iterations > 0
 *   decimation      vertex clustering for display (decimateForDisplay.ts),
 *                   when the surface has more triangles than the budget
 *   colours         RGB per vertex of the drawn mesh by height (heightColors.ts)
 *   measures        area (mm²) and enclosed volume (mL) of the full surface
 *
 * Variants by parameter, never by copy: the analysis pipeline of the
 * tutorial asks for marching cubes alone (no smoothing, no display budget,
 * no colours) and gets the reference's surface; the browser asks for all
 * steps; an export asks for the full surface with the analysis' smoothing.
 *
 * Memory: marching cubes writes into buffers sized from the mask (runs:
 * exactly; voxels: generously), whose arrays are views of their used part.
 * `trim` copies them to size (only where a buffer is much larger than its
 * surface) so that what is handed on owns exactly its bytes. A decimated
 * surface's full mesh is dropped (its buffers freed at once) unless
 * `keepFull` asks for it.
 *
 * Cost: marching cubes O(voxels / 4 + surface) (runs: O(runs + surface));
 * smoothing O(iterations * (V + T)); decimation O(V + T) per attempt; area,
 * volume and colours one pass each over the triangles or vertices.
 */
import { freeNow } from '../memory/freeNow';
import type { RunSet } from '../segmentation/runs';
import type { Mask, VolumeGeometry } from '../volume/volume';
import { decimateForDisplay } from './decimateForDisplay';
import { heightColors } from './heightColors';
import { marchingCubes, marchingCubesOfRuns } from './marchingCubes';
import { meshAreaMm2, meshVolumeMl, type CancelSignal, type Mesh } from './mesh';
import { taubinSmooth } from './taubinSmooth';

/** A mask to mesh: its voxels, or its row runs with the grid's geometry. */
export type MeshSource = Mask | { runs: RunSet; geometry: VolumeGeometry };

export interface SurfaceParams {
  /** Marching-cubes step (every step-th voxel along each axis), integer >= 1. */
  stepSize: number;
  /** Taubin lambda/mu pairs; 0: none. Default 0. */
  smoothIterations?: number;
  /** Above this many triangles a decimated copy is made for display; null (default): never. */
  maxDisplayTriangles?: number | null;
  /** RGB per vertex of the drawn mesh, by patient z. Default false. */
  colours?: boolean;
  /** Arrays that own exactly their whole buffers (to transfer them). Default false: views of the used part (trimmed to within an eighth when a display copy is made). */
  trim?: boolean;
  /** Keep the full surface when a display copy is made (default false: dropped, its buffers freed). */
  keepFull?: boolean;
  /** Also compute the enclosed volume (mL). Default true. */
  volume?: boolean;
  /** Close the surface where the mask reaches the grid's border (default true; false: open there, as the tutorial's crop). */
  closeBorders?: boolean;
}

export interface SurfaceOptions {
  /** Fraction of the whole surface in [0, 1] and the step running. */
  onProgress?: (fraction: number, step: string) => void;
  signal?: CancelSignal;
}

export interface Surface {
  /** The full-resolution surface (patient LPS mm); null when it was decimated for display and not kept. */
  full: Mesh | null;
  /** The decimated surface to draw, or null when the full one is drawn. */
  display: Mesh | null;
  /** RGB per vertex of the drawn mesh (display ?? full), or null when colours were not asked for. */
  heightColors: Float32Array | null;
  /** True when a 1 lies on the (sampled) border of the grid. */
  touchesBorder: boolean;
  vertices: number;
  triangles: number;
  displayTriangles: number;
  areaMm2: number;
  /** Enclosed volume of the full surface (NaN when not asked for). */
  volumeMl: number;
  timingsMs: { marchingCubes: number; smoothing: number; decimation: number; measures: number };
}

const clock: { now(): number } = (globalThis as { performance?: { now(): number } }).performance ?? Date;

/**
 * The mesh with arrays that own their bytes: `exact`, each array its whole
 * buffer; else within an eighth (+64 KiB) of it. Larger buffers are copied
 * to size and freed.
 */
function trimmed(m: Mesh, exact: boolean): Mesh {
  const trim = <T extends Float32Array | Uint32Array>(a: T): T => {
    const slack = exact ? 0 : (a.byteLength >> 3) + 65536;
    if (a.byteOffset === 0 && a.buffer.byteLength <= a.byteLength + slack) return a;
    const copy = a.slice() as T;
    freeNow(a);
    return copy;
  };
  return { positionsMm: trim(m.positionsMm), indices: trim(m.indices), normals: trim(m.normals) };
}

/** The surface of `source` (see the header for the steps and their parameters). */
export function surface(source: MeshSource, params: SurfaceParams, opts: SurfaceOptions = {}): Surface {
  const smoothIterations = params.smoothIterations ?? 0;
  const budget = params.maxDisplayTriangles ?? null;
  const report = opts.onProgress;
  const mcShare = smoothIterations > 0 ? 0.75 : 0.9;
  const t0 = clock.now();
  const mcParams = {
    stepSize: params.stepSize,
    closeBorders: params.closeBorders ?? true,
    trim: false,
    signal: opts.signal,
    onProgress: report ? (f: number) => report(f * mcShare, 'marching cubes') : undefined,
  };
  const mc = 'runs' in source ? marchingCubesOfRuns(source.runs, source.geometry, mcParams) : marchingCubes(source, mcParams);
  let full: Mesh = { positionsMm: mc.positionsMm, indices: mc.indices, normals: mc.normals };
  const t1 = clock.now();
  if (smoothIterations > 0) {
    full = taubinSmooth(full, {
      iterations: smoothIterations,
      signal: opts.signal,
      onProgress: report ? (f) => report(mcShare + f * (0.9 - mcShare), 'smoothing') : undefined,
    });
  }
  const t2 = clock.now();
  // Trimmed before decimating, so marching cubes' spare capacity is gone while the copy is made.
  if (params.trim || budget !== null) full = trimmed(full, params.trim === true);
  const triangles = full.indices.length / 3;
  let display: Mesh | null = null;
  if (budget !== null && triangles > budget) {
    report?.(0.9, 'decimating for display');
    display = decimateForDisplay(full, budget).mesh;
  }
  const t3 = clock.now();
  const drawn = display ?? full;
  const colours = params.colours ? heightColors(drawn) : null;
  const vertices = full.positionsMm.length / 3;
  const areaMm2 = meshAreaMm2(full);
  const volumeMl = params.volume === false ? NaN : meshVolumeMl(full);
  const t4 = clock.now();
  let kept: Mesh | null = full;
  if (display && !params.keepFull) {
    for (const a of [full.positionsMm, full.indices, full.normals]) freeNow(a);
    kept = null;
  }
  report?.(1, 'done');
  return {
    full: kept,
    display,
    heightColors: colours,
    touchesBorder: mc.touchesBorder,
    vertices,
    triangles,
    displayTriangles: drawn.indices.length / 3,
    areaMm2,
    volumeMl,
    timingsMs: { marchingCubes: t1 - t0, smoothing: t2 - t1, decimation: t3 - t2, measures: t4 - t3 },
  };
}

/** The full surface of a result that kept it (throws when it was dropped for a display copy). */
export function fullMesh(s: Surface): Mesh {
  if (!s.full) throw new Error('the full surface was not kept (decimated for display); make it again with keepFull');
  return s.full;
}
