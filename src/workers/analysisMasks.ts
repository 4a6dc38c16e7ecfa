/**
 * Helpers for moving an analysis worker's masks (kept as runs) from one
 * worker to another: the list of buffers to transfer.
 */
import type { RunSet } from '../core/segmentation/runs';
import type { AnalysisMasksState } from './analysisApi';

/** The distinct buffers of a masks state (a transfer list must not name one twice). */
export function masksStateBuffers(m: AnalysisMasksState): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (r: RunSet | undefined) => {
    if (!r) return;
    for (const a of [r.rowStart, r.x0, r.x1, r.value]) if (a) out.add(a.buffer as ArrayBuffer);
  };
  add(m.fill);
  add(m.noFill);
  add(m.internal);
  add(m.gk?.runs);
  add(m.measured);
  add(m.sides?.right);
  add(m.sides?.left);
  add(m.sides?.airway);
  return [...out];
}
