/**
 * Analysis masks, kept out of the store like volumes: the store's analysis
 * results hold mask ids, the bytes live here. A mask may cover only some
 * slices of its series (the GK mask: `zOffset` and `nz` say which).
 */
import type { SliceMask } from '../viewer2d/maskSlice';

/** filled lungs, unfilled lungs, internal structures, GK structures. */
export type MaskKind = 'fill' | 'noFill' | 'internal' | 'gk';
export const MASK_KINDS: readonly MaskKind[] = ['fill', 'noFill', 'internal', 'gk'];

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

  size(): number {
    return this.masks.size;
  }

  byteLength(): number {
    let n = 0;
    for (const m of this.masks.values()) n += m.data.byteLength;
    return n;
  }
}

/** The application's mask cache. */
export const maskCache = new MaskCache();
