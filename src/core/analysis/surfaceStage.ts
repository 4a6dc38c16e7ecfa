/**
 * The surface stage of the analysis: mesh/surface.ts `surface` with the
 * analysis' surface parameters (marching-cubes step, smoothing, display
 * budget). The pipeline of the tutorial keeps the full surface (no
 * smoothing, no budget by default); the browser asks for colours and drops
 * a decimated surface's full mesh (exports make it again from the mask).
 *
 * Kept in a module of its own, with only the mesh code behind it, so that a
 * thread that only meshes (the CLI's mesh worker) loads little.
 *
 * Cost and memory: those of `surface`.
 */
import type { SurfaceStageParams } from './analysisParams';
import { surface, type MeshSource, type Surface, type SurfaceOptions } from '../mesh/surface';

export interface SurfaceStageOptions extends SurfaceOptions {
  /** RGB per vertex of the drawn mesh (the 3D view's height colours). Default false. */
  colours?: boolean;
  /** Keep the full surface when a display copy is made. Default true. */
  keepFull?: boolean;
  /** Also measure the enclosed volume (one more pass over the triangles). Default true. */
  volume?: boolean;
}

/** The surface of one mask with the analysis' surface parameters. */
export function surfaceStage(source: MeshSource, params: SurfaceStageParams, opts: SurfaceStageOptions = {}): Surface {
  if (opts.signal?.aborted) {
    const e = new Error('analysis aborted');
    e.name = 'AbortError';
    throw e;
  }
  return surface(
    source,
    {
      stepSize: params.stepSize,
      smoothIterations: params.smoothIterations,
      maxDisplayTriangles: params.maxDisplayTriangles,
      colours: opts.colours ?? false,
      keepFull: opts.keepFull ?? true,
      volume: opts.volume ?? true,
    },
    opts,
  );
}
