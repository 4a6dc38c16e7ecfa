/** The analyses kept for series switched away from: most recent first, within a count and a byte budget. */
import { describe, expect, it } from 'vitest';
import { AnalysedSeries, type AnalysisSnapshot } from '../../src/state/analysedSeries';
import { DEFAULT_ANALYSIS_UI_PARAMS } from '../../src/state/analysisState';

const snap = (id: string) => ({ analysis: { seriesId: id } }) as unknown as AnalysisSnapshot;

function make(maxSeries: number, maxMaskBytes: number, bytes: Record<string, number>) {
  const dropped: string[] = [];
  const kept = new AnalysedSeries({ maxSeries, maxMaskBytes, maskBytes: (id) => bytes[id] ?? 0, drop: (id) => dropped.push(id) });
  return { kept, dropped };
}

describe('analysed series kept', () => {
  it('drops the least recently used beyond the count, and its caches with it', () => {
    const { kept, dropped } = make(2, Infinity, {});
    kept.keep('a', snap('a'), DEFAULT_ANALYSIS_UI_PARAMS);
    kept.keep('b', snap('b'), DEFAULT_ANALYSIS_UI_PARAMS);
    // Using a makes b the oldest.
    expect(kept.take('a', DEFAULT_ANALYSIS_UI_PARAMS)).toEqual(snap('a'));
    kept.keep('c', snap('c'), DEFAULT_ANALYSIS_UI_PARAMS);
    expect(dropped).toEqual(['b']);
    expect([kept.has('a'), kept.has('b'), kept.has('c')]).toEqual([true, false, true]);
  });

  it('keeps within the byte budget but never drops the one just kept', () => {
    const { kept, dropped } = make(10, 100, { a: 60, b: 30, c: 120 });
    kept.keep('a', snap('a'), DEFAULT_ANALYSIS_UI_PARAMS);
    kept.keep('b', snap('b'), DEFAULT_ANALYSIS_UI_PARAMS);
    expect(dropped).toEqual([]);
    kept.keep('c', snap('c'), DEFAULT_ANALYSIS_UI_PARAMS);
    expect(dropped).toEqual(['a', 'b']);
    expect(kept.has('c')).toBe(true);
  });

  it('gives nothing back for other parameters', () => {
    const { kept } = make(4, Infinity, {});
    kept.keep('a', snap('a'), DEFAULT_ANALYSIS_UI_PARAMS);
    expect(kept.take('a', { ...DEFAULT_ANALYSIS_UI_PARAMS, thresholdHu: DEFAULT_ANALYSIS_UI_PARAMS.thresholdHu + 1 })).toBeUndefined();
    expect(kept.take('b', DEFAULT_ANALYSIS_UI_PARAMS)).toBeUndefined();
  });
});
