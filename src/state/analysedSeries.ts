/**
 * The analyses kept for series the person switched away from, so that
 * switching back shows them at once instead of running again. A kept
 * analysis is its store state (status, numbers, mesh metadata, picked
 * point) and the parameters it ran with; its masks and meshes stay in the
 * caches under their ids. Kept are the most recently finished ones, at most
 * `maxSeries` of them and `maxMaskBytes` of masks in all (the open series'
 * own analysis is never dropped); what is dropped leaves the caches too.
 */
import type { AnalysisData } from './slices/analysis';
import type { AnalysisUiParams } from './analysisState';

export type AnalysisSnapshot = Pick<AnalysisData, 'analysis' | 'analysisResults' | 'meshes' | 'pickedPoint'>;

interface Kept {
  snapshot: AnalysisSnapshot;
  paramsKey: string;
}

export interface AnalysedSeriesOptions {
  maxSeries: number;
  maxMaskBytes: number;
  /** Bytes of masks the caches hold for a series. */
  maskBytes(seriesId: string): number;
  /** Drops a series' masks and meshes from the caches. */
  drop(seriesId: string): void;
}

/** Kept: the last four analysed series, up to 1 GiB of masks. */
export const KEEP_ANALYSED = { maxSeries: 4, maxMaskBytes: 1024 ** 3 };

export function paramsKeyOf(params: AnalysisUiParams): string {
  return JSON.stringify(params);
}

export class AnalysedSeries {
  /** In order of use, the most recent last. */
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly opts: AnalysedSeriesOptions) {}

  /** Keeps a finished analysis of `seriesId` (replacing an older one), then trims the others. */
  keep(seriesId: string, snapshot: AnalysisSnapshot, params: AnalysisUiParams): void {
    this.kept.delete(seriesId);
    this.kept.set(seriesId, { snapshot, paramsKey: paramsKeyOf(params) });
    this.trim(seriesId);
  }

  /** The kept analysis of `seriesId` made with `params`, marked as just used; undefined when there is none. */
  take(seriesId: string, params: AnalysisUiParams): AnalysisSnapshot | undefined {
    const k = this.kept.get(seriesId);
    if (!k || k.paramsKey !== paramsKeyOf(params)) return undefined;
    this.kept.delete(seriesId);
    this.kept.set(seriesId, k);
    return k.snapshot;
  }

  /** Forgets `seriesId`'s analysis and drops its masks and meshes (it runs again). */
  forget(seriesId: string): void {
    this.kept.delete(seriesId);
    this.opts.drop(seriesId);
  }

  /** Forgets everything (the caches are cleared by the caller). */
  clear(): void {
    this.kept.clear();
  }

  has(seriesId: string): boolean {
    return this.kept.has(seriesId);
  }

  size(): number {
    return this.kept.size;
  }

  /** Drops the least recently used analyses beyond the limits, never `protect`'s. */
  private trim(protect: string): void {
    let bytes = 0;
    for (const id of this.kept.keys()) bytes += this.opts.maskBytes(id);
    for (const id of [...this.kept.keys()]) {
      if (this.kept.size <= this.opts.maxSeries && bytes <= this.opts.maxMaskBytes) break;
      if (id === protect) continue;
      bytes -= this.opts.maskBytes(id);
      this.forget(id);
    }
  }
}
