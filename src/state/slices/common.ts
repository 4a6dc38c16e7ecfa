/**
 * Pure helpers that several slices of the store share: how many slices a
 * series has, which one is open, which one a load opens, and clamping. They
 * read state and never write it.
 */
import type { SeriesSummary } from '../../core/dicom/types';

/** Slices in a series' volume. */
export function seriesSliceCount(s: SeriesSummary): number {
  return s.dimsZyx[0];
}

/**
 * The series to open after a load: the CT series with the most slices (ties:
 * more pixels per slice, then list order); without CT, the largest series.
 */
export function pickDefaultSeries(series: readonly SeriesSummary[]): SeriesSummary | null {
  const size = (s: SeriesSummary) => s.dimsZyx[0] * s.dimsZyx[1] * s.dimsZyx[2];
  let best: SeriesSummary | null = null;
  for (const s of series) {
    if (best === null) {
      best = s;
      continue;
    }
    const isCt = s.modality === 'CT';
    const bestCt = best.modality === 'CT';
    if (isCt !== bestCt) {
      if (isCt) best = s;
      continue;
    }
    const ds = seriesSliceCount(s) - seriesSliceCount(best);
    if (ds > 0 || (ds === 0 && size(s) > size(best))) best = s;
  }
  return best;
}

/** The open series (the session's series with the selected id), or null. */
export function selectedSeries(state: { series: readonly SeriesSummary[]; selectedSeriesId: string | null }): SeriesSummary | null {
  if (state.selectedSeriesId === null) return null;
  return state.series.find((s) => s.id === state.selectedSeriesId) ?? null;
}

/** `v` clamped into [0, 1] (0 when not finite). */
export function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
