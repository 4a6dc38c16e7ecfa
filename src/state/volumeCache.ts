/**
 * Big typed arrays, kept out of the store: the HU volume of each loaded
 * series, keyed by series id (SeriesSummary.id). The store only holds ids.
 * While a load streams, a volume is shown before all its slices are in
 * place; the cache tracks which slices are (sliceReady).
 */
import type { Volume } from '../core/volume/volume';

export class VolumeCache {
  private readonly volumes = new Map<string, Volume>();
  /** Per streaming volume: 1 for each z whose pixels are in place. */
  private readonly filled = new Map<string, Uint8Array>();

  get(id: string | null): Volume | undefined {
    return id === null ? undefined : this.volumes.get(id);
  }

  set(id: string, volume: Volume): void {
    this.volumes.set(id, volume);
    this.filled.delete(id);
  }

  /** A volume whose slices arrive one by one: `filledZ[z]` is 1 for the slices already in place. */
  setStreaming(id: string, volume: Volume, filledZ: Uint8Array): void {
    this.volumes.set(id, volume);
    this.filled.set(id, filledZ);
  }

  markSliceFilled(id: string, z: number): void {
    const f = this.filled.get(id);
    if (f) f[z] = 1;
  }

  /** Whether slice z of the volume has its pixels (always true once the load is complete). */
  sliceReady(id: string | null, z: number): boolean {
    if (id === null || !this.volumes.has(id)) return false;
    const f = this.filled.get(id);
    return !f || f[z] === 1;
  }

  /** Every slice of every volume is in place: stop tracking. */
  completeStreaming(): void {
    this.filled.clear();
  }

  has(id: string): boolean {
    return this.volumes.has(id);
  }

  delete(id: string): void {
    this.volumes.delete(id);
    this.filled.delete(id);
  }

  /** Drops every volume (a new load replaces the previous one). */
  clear(): void {
    this.volumes.clear();
    this.filled.clear();
  }

  /** Bytes held by all cached volumes. */
  byteLength(): number {
    let n = 0;
    for (const v of this.volumes.values()) n += v.hu.byteLength;
    return n;
  }
}

/** The application's volume cache. */
export const volumeCache = new VolumeCache();
