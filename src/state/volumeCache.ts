/**
 * Big typed arrays, kept out of the store: the HU volume of each loaded
 * series, keyed by series id (SeriesSummary.id). The store only holds ids.
 */
import type { Volume } from '../core/volume/volume';

export class VolumeCache {
  private readonly volumes = new Map<string, Volume>();

  get(id: string | null): Volume | undefined {
    return id === null ? undefined : this.volumes.get(id);
  }

  set(id: string, volume: Volume): void {
    this.volumes.set(id, volume);
  }

  has(id: string): boolean {
    return this.volumes.has(id);
  }

  delete(id: string): void {
    this.volumes.delete(id);
  }

  /** Drops every volume (a new load replaces the previous one). */
  clear(): void {
    this.volumes.clear();
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
