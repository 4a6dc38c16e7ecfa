/**
 * Analysis masks, kept out of the store like volumes: the store's analysis
 * results hold mask ids, the bytes live here. A mask may cover only some
 * slices of its series (the GK mask: `zOffset` and `nz` say which). The three
 * lung masks share one label array (LUNG_LABEL_BITS), a third of the memory
 * of three 0/1 masks.
 */
import type { MaskBits, SliceMask } from '../shared/view';

/** filled lungs, unfilled lungs, internal structures, GK structures, the lungs measured and their split (right lung, left lung, airway). */
export type MaskKind = 'fill' | 'noFill' | 'internal' | 'gk' | 'measured' | 'right' | 'left' | 'airway';
export const MASK_KINDS: readonly MaskKind[] = ['measured', 'right', 'left', 'airway', 'fill', 'noFill', 'internal', 'gk'];

/**
 * The lung label array the analysis worker makes (analysisApi.ts
 * SegmentOutput.labels): bit 0 = unfilled lungs, bit 1 = filled lungs; the
 * internal structures (fill − noFill) are bit 1 without bit 0; bit 2 = the
 * lungs measured (the inclusive mask by default), set by the measure stage;
 * bit 3 = the right lung and bit 4 = the airway of the split of the lungs
 * measured (set by the split stage from its runs per label); the left lung
 * is the lungs measured with neither (only once the split succeeded).
 */
export const LUNG_LABEL_BITS: Record<'fill' | 'noFill' | 'internal' | 'measured' | 'right' | 'left' | 'airway', MaskBits> = {
  measured: { select: 4, equals: 4 },
  right: { select: 4 | 8, equals: 4 | 8 },
  airway: { select: 4 | 16, equals: 4 | 16 },
  left: { select: 4 | 8 | 16, equals: 4 },
  noFill: { select: 1, equals: 1 },
  fill: { select: 2, equals: 2 },
  internal: { select: 3, equals: 2 },
};

export interface CachedMask extends SliceMask {
  kind: MaskKind;
  seriesId: string;
}

export class MaskCache {
  private readonly masks = new Map<string, CachedMask>();
  /** Bumped on every change, so views can tell that a mask under the same id was replaced. */
  version = 0;

  get(id: string | null | undefined): CachedMask | undefined {
    return id ? this.masks.get(id) : undefined;
  }

  set(id: string, mask: CachedMask): void {
    if (mask.data.length !== mask.nx * mask.ny * mask.nz) {
      throw new RangeError(`mask ${id} holds ${mask.data.length} values, expected ${mask.nx * mask.ny * mask.nz}`);
    }
    this.masks.set(id, mask);
    this.version++;
  }

  delete(id: string): void {
    if (this.masks.delete(id)) this.version++;
  }

  clear(): void {
    if (this.masks.size) this.version++;
    this.masks.clear();
  }

  /** Drops every mask of one series. */
  deleteSeries(seriesId: string): void {
    for (const [id, m] of this.masks) if (m.seriesId === seriesId) this.delete(id);
  }

  /** Bytes held by one series' masks (masks that share one label array count it once). */
  seriesByteLength(seriesId: string): number {
    return distinctBytes([...this.masks.values()].filter((m) => m.seriesId === seriesId));
  }

  size(): number {
    return this.masks.size;
  }

  /** Bytes held (masks that share one label array count it once). */
  byteLength(): number {
    return distinctBytes(this.masks.values());
  }
}

function distinctBytes(masks: Iterable<CachedMask>): number {
  const buffers = new Set<ArrayBufferLike>();
  let n = 0;
  for (const m of masks) {
    if (buffers.has(m.data.buffer)) continue;
    buffers.add(m.data.buffer);
    n += m.data.byteLength;
  }
  return n;
}

/** The application's mask cache. */
export const maskCache = new MaskCache();
