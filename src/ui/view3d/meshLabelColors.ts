/**
 * Vertex colours of the 'labels' colour mode for the meshes on screen: core
 * lungSideColors over the page's lung label array (right lung, left lung
 * and airway bits, state/maskCache.ts LUNG_LABEL_BITS), one pass over the
 * drawn mesh's vertices on the main thread, made once per mesh and label
 * array. Null until the split has put its labels there.
 */
import { lungSideColors, SIDE_CODE } from '../../core/mesh/lungLabelColors';
import type { Mesh } from '../../core/mesh/mesh';
import { LUNG_LABEL_BITS, maskCache } from '../../state/maskCache';
import { appStore } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';

const made = new WeakMap<Mesh, { labels: Uint8Array; rgb: Float32Array }>();

/** Label byte → 0 none, 1 right, 2 left, 3 airway (the LUNG_LABEL_BITS masks). */
const LABEL_OF = (() => {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    for (const side of ['right', 'left', 'airway'] as const) {
      const b = LUNG_LABEL_BITS[side];
      if ((v & b.select) === b.equals) t[v] = SIDE_CODE[side];
    }
  }
  return t;
})();

/** RGB per vertex of `mesh` by the lung label just inside it, or null while the series has no split labels. */
export function meshLabelColors(mesh: Mesh, seriesId: string): Float32Array | null {
  const r = appStore.getState().analysisResults;
  const mask = r && r.seriesId === seriesId ? maskCache.get(r.maskIds.right) : undefined;
  const volume = volumeCache.get(seriesId);
  if (!mask || !volume || mask.data.length !== volume.hu.length) return null;
  const done = made.get(mesh);
  if (done && done.labels === mask.data) return done.rgb;
  const rgb = lungSideColors(mesh, volume, mask.data, LABEL_OF);
  made.set(mesh, { labels: mask.data, rgb });
  return rgb;
}
