/**
 * Per-series settings remembered in the browser: saved while a series is
 * open, put back when it opens again (in the same store or a new one over
 * the same storage, as after a reload), checked against the series.
 */
import { describe, expect, it } from 'vitest';
import { attachSeriesSettings, restoredSettings, seriesSettingsKey, forgetSeriesSettings } from '../../src/state/seriesSettings';
import { createAppStore, type AppStore } from '../../src/state/store';
import { phantomSeries } from '../workers/phantomSeries';
import type { SeriesSummary } from '../../src/core/dicom/types';

class MemoryStorage {
  readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
}

const summaries: SeriesSummary[] = [0, 1].map((k) => ({ ...phantomSeries().summary, id: `series-${k}` }));

function loaded(storage: MemoryStorage): { store: AppStore; detach: () => void } {
  const store = createAppStore();
  const detach = attachSeriesSettings(store, storage, { debounceMs: 0 });
  store.getState().beginLoad('test', 0);
  store.getState().setCollected(1, 1);
  store.getState().finishLoad(summaries, [], [], 1);
  return { store, detach };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('series settings remembered', () => {
  it('puts back window, views, slice, crosshair, pick, crop and parameters when the series opens again, also after a reload', async () => {
    const storage = new MemoryStorage();
    const { store, detach } = loaded(storage);
    const first = store.getState().selectedSeriesId!;
    const s = store.getState();
    s.setWindow({ center: 40, width: 400 });
    s.setSlice(3);
    s.setCrosshair(7, 9);
    s.setAxisView('coronal', { zoom: 2, panXPx: 10, panYPx: -4 });
    s.setPickedPoint({ voxel: [7, 9, 3], patientMm: [1, 2, 3] });
    s.setCrop({ radiusMm: 22 });
    s.setAnalysisParams({ thresholdHu: -650 });
    const ruler = { seriesId: first, kind: 'ruler' as const, axis: 'axial' as const, sliceIndex: 3, pointsLps: [[0, 0, 10], [30, 40, 10]] as [number, number, number][] };
    s.addAnnotation(ruler);
    await tick();
    const saved = storage.getItem(seriesSettingsKey(summaries.find((x) => x.id === first)!));
    expect(saved).not.toBeNull();

    const other = summaries.find((x) => x.id !== first)!.id;
    store.getState().selectSeries(other);
    // The other series opens with its own defaults (the parameters are global until it has its own).
    expect(store.getState().window).not.toEqual({ center: 40, width: 400 });
    store.getState().selectSeries(first);
    const back = store.getState();
    expect(back.window).toEqual({ center: 40, width: 400 });
    expect(back.sliceZ).toBe(3);
    expect(back.crosshair).toEqual({ x: 7, y: 9 });
    expect(back.mprViews.coronal).toEqual({ zoom: 2, panXPx: 10, panYPx: -4 });
    expect(back.pickedPoint).toEqual({ voxel: [7, 9, 3], patientMm: [1, 2, 3] });
    expect(back.crop.radiusMm).toBe(22);
    expect(back.analysisParams.thresholdHu).toBe(-650);
    expect(back.annotations.map(({ id: _id, ...a }) => a)).toEqual([ruler]);
    detach();

    // A new page over the same storage.
    const again = loaded(storage);
    if (again.store.getState().selectedSeriesId !== first) again.store.getState().selectSeries(first);
    expect(again.store.getState().window).toEqual({ center: 40, width: 400 });
    expect(again.store.getState().sliceZ).toBe(3);
    // The measurement came back with the series, once.
    expect(again.store.getState().annotations.map((a) => [a.kind, a.seriesId, a.pointsLps])).toEqual([['ruler', first, ruler.pointsLps]]);
    again.detach();

    expect(forgetSeriesSettings(storage)).toBeGreaterThan(0);
    expect(storage.length).toBe(0);
  });

  it('ignores what does not fit the series or is not its settings', () => {
    const s = summaries[0];
    const [nz] = s.dimsZyx;
    expect(restoredSettings('not json', s)).toEqual({});
    expect(restoredSettings(JSON.stringify({ version: 99, sliceZ: 1 }), s)).toEqual({});
    const out = restoredSettings(JSON.stringify({ version: 1, sliceZ: nz, crosshair: { x: -1, y: 0 }, analysisParams: { thresholdHu: 'x' }, window: { center: 0, width: 0 }, windowSource: 'custom' }), s);
    expect(out).toEqual({});
    expect(restoredSettings(JSON.stringify({ version: 1, sliceZ: nz - 1 }), s)).toEqual({ sliceZ: nz - 1 });
    // A measurement on a slice the series does not have, or with a point that is not a number, is left out.
    const bad = [
      { id: 'm1', kind: 'ruler', axis: 'axial', sliceIndex: nz, pointsLps: [[0, 0, 0], [1, 1, 1]] },
      { id: 'm2', kind: 'ruler', axis: 'axial', sliceIndex: 0, pointsLps: [[0, 0, 0], [1, null, 1]] },
      { id: 'm3', kind: 'circle', axis: 'axial', sliceIndex: 0, pointsLps: [[0, 0, 0], [1, 1, 1]] },
    ];
    expect(restoredSettings(JSON.stringify({ version: 1, annotations: bad }), s)).toEqual({});
  });

  it('a storage that refuses to save changes nothing else', async () => {
    const storage = new MemoryStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const { store, detach } = loaded(storage);
    store.getState().setSlice(2);
    await tick();
    expect(store.getState().sliceZ).toBe(2);
    detach();
  });
});
