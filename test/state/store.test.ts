import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, DEFAULT_WINDOW, createAppStore, pickDefaultSeries, selectedSeries } from '../../src/state/store';
import { summary } from './fixtures';

function loadedStore() {
  const store = createAppStore();
  const a = summary('small-ct', 40);
  const b = summary('big-ct', 120, {}, { windowCenter: -500, windowWidth: 1400 });
  const mr = summary('big-mr', 300, { modality: 'MR' });
  store.getState().beginLoad('test', 0);
  store.getState().setCollected(3, 300);
  store.getState().finishLoad([a, b, mr], [{ file: 'notes.txt', reason: 'not DICOM' }], [], 10);
  return store;
}

describe('app store: loading', () => {
  it('starts idle, with patient identifiers hidden', () => {
    const s = createAppStore().getState();
    expect(s.load.phase).toBe('idle');
    expect(s.showPatientIds).toBe(false);
    expect(s.series).toEqual([]);
  });

  it('a new load clears the previous series, skipped files and errors', () => {
    const store = loadedStore();
    store.getState().addError('old');
    store.getState().beginLoad('next', 50);
    const s = store.getState();
    expect(s.series).toEqual([]);
    expect(s.skipped).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.selectedSeriesId).toBeNull();
    expect(s.load).toMatchObject({ phase: 'collecting', source: 'next', startedAtMs: 50 });
  });

  it('counts progress without passing the totals', () => {
    const store = createAppStore();
    store.getState().beginLoad('x', 0);
    store.getState().setCollected(10, 1000);
    store.getState().setProgress(4, 400);
    expect(store.getState().load).toMatchObject({ phase: 'parsing', filesDone: 4, bytesDone: 400, filesTotal: 10 });
    store.getState().setProgress(12, 5000);
    expect(store.getState().load).toMatchObject({ filesDone: 10, bytesDone: 1000 });
  });

  it('opens the CT series with the most slices when loading finishes, at its middle slice and own window', () => {
    const s = loadedStore().getState();
    expect(s.load.phase).toBe('done');
    expect(s.selectedSeriesId).toBe('big-ct');
    expect(s.sliceZ).toBe(59);
    expect(s.window).toEqual({ center: -500, width: 1400 });
    expect(s.windowSource).toBe('series');
    expect(s.skipped).toHaveLength(1);
  });

  it('reports an error when nothing readable was found', () => {
    const store = createAppStore();
    store.getState().beginLoad('x', 0);
    store.getState().finishLoad([], [{ file: 'a.txt', reason: 'not DICOM' }, { file: 'b.txt', reason: 'not DICOM' }], [], 1);
    expect(store.getState().errors[0]).toMatch(/all 2 files were skipped/);
    expect(store.getState().selectedSeriesId).toBeNull();
  });

  it('cancel and failure end the load and keep the reason', () => {
    const store = createAppStore();
    store.getState().beginLoad('x', 0);
    store.getState().cancelLoad(5);
    expect(store.getState().load).toMatchObject({ phase: 'cancelled', finishedAtMs: 5 });
    store.getState().beginLoad('y', 6);
    store.getState().failLoad('disk on fire', 7);
    expect(store.getState().load.phase).toBe('error');
    expect(store.getState().errors).toEqual(['disk on fire']);
    store.getState().dismissError(0);
    expect(store.getState().errors).toEqual([]);
  });
});

describe('app store: a session of several loads', () => {
  it('a load added to a done session keeps the series on screen and tracks its progress apart', () => {
    const store = loadedStore();
    store.getState().setSlice(7);
    store.getState().beginLoad('more', 20, true);
    store.getState().setCollected(5, 500);
    store.getState().setProgress(2, 200);
    const s = store.getState();
    expect(s.load.phase).toBe('done');
    expect(s.adding).toMatchObject({ phase: 'parsing', source: 'more', filesDone: 2, bytesDone: 200, filesTotal: 5 });
    expect(s.series.map((x) => x.id)).toEqual(['small-ct', 'big-ct', 'big-mr']);
    expect(s.selectedSeriesId).toBe('big-ct');
    expect(s.sliceZ).toBe(7);
  });

  it('an ignored, cancelled or failed added load leaves the session as it was', () => {
    const store = loadedStore();
    const before = store.getState();
    store.getState().beginLoad('junk', 20, true);
    store.getState().ignoreLoad('Nothing was added', [{ file: 'junk/a.txt', reason: 'not DICOM' }], []);
    store.getState().beginLoad('more', 30, true);
    store.getState().cancelLoad(31);
    store.getState().beginLoad('more', 40, true);
    store.getState().failLoad('worker died', 41);
    const s = store.getState();
    expect(s.adding).toBeNull();
    expect(s.load).toBe(before.load);
    expect(s.series).toBe(before.series);
    expect(s.selectedSeriesId).toBe('big-ct');
    expect(s.skipped.map((f) => f.file)).toEqual(['notes.txt', 'junk/a.txt']);
    expect(s.errors).toEqual(['worker died']);
  });

  it('an added load whose series arrive opens the largest new CT, not the largest of all', () => {
    const store = loadedStore();
    store.getState().beginLoad('more', 20, true);
    const old = store.getState().series;
    const added = summary('new-ct', 60);
    store.getState().beginStreaming([...old, added], [], [], 60, 0, [added]);
    expect(store.getState().load).toMatchObject({ phase: 'streaming', source: 'more' });
    expect(store.getState().adding).toBeNull();
    expect(store.getState().selectedSeriesId).toBe('new-ct');
    store.getState().finishLoad([...old, added], [], [], 30);
    expect(store.getState().selectedSeriesId).toBe('new-ct');
    expect(store.getState().series).toHaveLength(4);
  });

  it('without a done session an added load replaces, and clearSession empties everything', () => {
    const store = createAppStore();
    store.getState().beginLoad('x', 0, true);
    expect(store.getState().adding).toBeNull();
    expect(store.getState().load.phase).toBe('collecting');
    const loaded = loadedStore();
    loaded.getState().setSkippedOpen(true);
    loaded.getState().clearSession();
    const s = loaded.getState();
    expect(s).toMatchObject({ series: [], skipped: [], skippedOpen: false, selectedSeriesId: null, adding: null });
    expect(s.load.phase).toBe('idle');
  });
});

describe('app store: default series', () => {
  it('prefers CT over larger series of other modalities', () => {
    expect(pickDefaultSeries([summary('mr', 300, { modality: 'MR' }), summary('ct', 10)])?.id).toBe('ct');
  });
  it('breaks a tie in slice count by pixels per slice', () => {
    const small = summary('s', 50, { dimsZyx: [50, 256, 256] });
    const big = summary('b', 50);
    expect(pickDefaultSeries([small, big])?.id).toBe('b');
  });
  it('takes the largest series when there is no CT', () => {
    expect(pickDefaultSeries([summary('a', 3, { modality: 'MR' }), summary('b', 9, { modality: 'MR' })])?.id).toBe('b');
    expect(pickDefaultSeries([])).toBeNull();
  });
});

describe('app store: viewing', () => {
  it('opening another series resets slice, window and view; a series without window uses the lung default', () => {
    const store = loadedStore();
    store.getState().setView({ zoom: 3, panXPx: 10, panYPx: 5 });
    store.getState().selectSeries('small-ct');
    const s = store.getState();
    expect(selectedSeries(s)?.id).toBe('small-ct');
    expect(s.sliceZ).toBe(19);
    expect(s.window).toEqual(DEFAULT_WINDOW);
    expect(s.view).toEqual(DEFAULT_VIEW);
  });

  it('ignores unknown series ids', () => {
    const store = loadedStore();
    store.getState().selectSeries('nope');
    expect(store.getState().selectedSeriesId).toBe('big-ct');
  });

  it('keeps the slice index inside the series and whole', () => {
    const store = loadedStore();
    store.getState().setSlice(500);
    expect(store.getState().sliceZ).toBe(119);
    store.getState().setSlice(-3);
    expect(store.getState().sliceZ).toBe(0);
    store.getState().setSlice(7.6);
    expect(store.getState().sliceZ).toBe(8);
    store.getState().stepSlice(-1);
    expect(store.getState().sliceZ).toBe(7);
    store.getState().stepSlice(1000);
    expect(store.getState().sliceZ).toBe(119);
  });

  it('does not notify subscribers when the slice does not change', () => {
    const store = loadedStore();
    store.getState().setSlice(119);
    let calls = 0;
    const unsub = store.subscribe(() => calls++);
    store.getState().stepSlice(1);
    store.getState().setSlice(119);
    unsub();
    expect(calls).toBe(0);
  });

  it('applies presets, the series window and custom windows', () => {
    const store = loadedStore();
    store.getState().applyWindowPreset('bone');
    expect(store.getState().window).toEqual({ center: 500, width: 2000 });
    expect(store.getState().windowSource).toBe('bone');
    store.getState().applyWindowPreset('series');
    expect(store.getState().window).toEqual({ center: -500, width: 1400 });
    store.getState().setWindow({ center: 10, width: 20 });
    expect(store.getState()).toMatchObject({ window: { center: 10, width: 20 }, windowSource: 'custom' });
    store.getState().setWindow({ center: 10, width: 0 });
    expect(store.getState().window.width).toBe(20);
  });

  it('replaces state objects instead of mutating them', () => {
    const store = loadedStore();
    const before = store.getState();
    const view = before.view;
    store.getState().zoomBy(2);
    expect(store.getState().view).not.toBe(view);
    expect(view).toEqual(DEFAULT_VIEW);
    expect(before.view).toBe(view);
  });

  it('zooms about the centre (pan scales with the zoom) and resets', () => {
    const store = loadedStore();
    store.getState().setView({ zoom: 1, panXPx: 10, panYPx: -4 });
    store.getState().zoomBy(2);
    expect(store.getState().view).toEqual({ zoom: 2, panXPx: 20, panYPx: -8 });
    store.getState().resetView();
    expect(store.getState().view).toEqual(DEFAULT_VIEW);
  });

  it('switches the drag mode and the patient identifier toggle', () => {
    const store = loadedStore();
    store.getState().setDragMode('pan');
    store.getState().setShowPatientIds(true);
    expect(store.getState()).toMatchObject({ dragMode: 'pan', showPatientIds: true });
  });
});
