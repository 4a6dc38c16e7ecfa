/**
 * Vertex colours of the 'density' colour mode for the meshes on screen:
 * core densityClassColors over the series' HU volume (one pass over the
 * drawn mesh's vertices, on the main thread), made once per mesh.
 */
import { defaultHuClassLut } from '../../core/density/huClassLut';
import { densityClassColors } from '../../core/mesh/densityColors';
import type { Mesh } from '../../core/mesh/mesh';
import { volumeCache } from '../../state/volumeCache';

const made = new WeakMap<Mesh, Float32Array>();

/** RGB per vertex of `mesh` by the HU class just inside it, or null while the series' volume is not loaded. */
export function meshDensityColors(mesh: Mesh, seriesId: string): Float32Array | null {
  const done = made.get(mesh);
  if (done) return done;
  const volume = volumeCache.get(seriesId);
  if (!volume) return null;
  const rgb = densityClassColors(mesh, volume, defaultHuClassLut());
  made.set(mesh, rgb);
  return rgb;
}
