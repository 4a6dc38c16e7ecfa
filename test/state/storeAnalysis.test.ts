/** The store's analysis, overlay, crosshair and per-view actions, as specs. */
import { describe, expect, it } from 'vitest';
import { ANALYSIS_STAGE_IDS, DEFAULT_ANALYSIS_UI_PARAMS, DEFAULT_OVERLAYS } from '../../src/state/analysisState';
import { DEFAULT_VIEW, createAppStore } from '../../src/state/store';
import { summary } from './fixtures';

function loaded() {
  const store = createAppStore();
  store.getState().beginLoad('x', 0);
  store.getState().finishLoad([summary('a', 40), summary('b', 20, { dimsZyx: [20, 256, 300] })], [], [], 1);
  return store;
}

const meta = (kind: 'lung' | 'gk') => ({
  id: `m-${kind}`, kind, seriesId: 'a', triangles: 10, vertices: 8, displayTriangles: 10, decimated: false, areaMm2: 1, volumeMl: 1,
});

describe('store: analysis status', () => {
  it('starts idle with default parameters and overlays', () => {
    const s = createAppStore().getState();
    expect(s.analysis.phase).toBe('idle');
    expect(s.analysisResults).toBeNull();
    expect(s.analysisParams).toEqual(DEFAULT_ANALYSIS_UI_PARAMS);
    expect(s.overlays).toEqual(DEFAULT_OVERLAYS);
    expect(s.sliceColormap).toBe('grey');
  });

  it('a run goes running → stage by stage → done, with a fresh run id, results and no old meshes', () => {
    const store = loaded();
    store.getState().setMesh('lung', meta('lung'));
    const runId = store.getState().beginAnalysis('a', 100);
    let s = store.getState();
    expect(runId).toBe(1);
    expect(s.analysis).toMatchObject({ phase: 'running', seriesId: 'a', runId: 1, startedAtMs: 100, error: null });
    expect(s.meshes.lung).toBeNull();
    expect(s.analysisResults).toEqual({ seriesId: 'a', runId: 1, maskIds: {}, voxels: {}, ml: {}, timingsMs: {} });
    for (const id of ANALYSIS_STAGE_IDS) expect(s.analysis.stages[id].state).toBe('pending');
    s.startStage('segment');
    s.setStageProgress('segment', 0.4, 'label air');
    expect(store.getState().analysis.stages.segment).toEqual({ state: 'running', fraction: 0.4, step: 'label air', ms: null });
    s.setStageProgress('segment', 7);
    expect(store.getState().analysis.stages.segment.fraction).toBe(1);
    // Progress of a stage that is not running is ignored.
    s.setStageProgress('gk', 0.5);
    expect(store.getState().analysis.stages.gk.state).toBe('pending');
    s.finishStage('segment', 420);
    s = store.getState();
    expect(s.analysis.stages.segment).toEqual({ state: 'done', fraction: 1, step: '', ms: 420 });
    expect(s.analysisResults!.timingsMs.segment).toBe(420);
    s.finishAnalysis(900);
    expect(store.getState().analysis).toMatchObject({ phase: 'done', finishedAtMs: 900 });
    expect(store.getState().beginAnalysis('a', 1000)).toBe(2);
  });

  it('merges results only into the run they belong to', () => {
    const store = loaded();
    const first = store.getState().beginAnalysis('a', 0);
    const second = store.getState().beginAnalysis('a', 1);
    store.getState().updateAnalysisResults(first, { ml: { fill: 1 } });
    expect(store.getState().analysisResults!.ml).toEqual({});
    store.getState().updateAnalysisResults(second, { ml: { fill: 2 } });
    expect(store.getState().analysisResults!.ml).toEqual({ fill: 2 });
  });

  it('a failure marks the running stage and keeps the message; cancel marks running and pending stages', () => {
    const store = loaded();
    store.getState().beginAnalysis('a', 0);
    store.getState().startStage('segment');
    store.getState().finishStage('segment', 1);
    store.getState().startStage('internal');
    store.getState().failAnalysis('Analysis failed: boom', 5);
    let s = store.getState();
    expect(s.analysis).toMatchObject({ phase: 'error', error: 'Analysis failed: boom', finishedAtMs: 5 });
    expect(s.analysis.stages.segment.state).toBe('done');
    expect(s.analysis.stages.internal.state).toBe('error');
    expect(s.analysis.stages.gk.state).toBe('pending');
    // Cancel only acts on a running analysis.
    s.cancelAnalysis(6);
    expect(store.getState().analysis.phase).toBe('error');
    store.getState().beginAnalysis('a', 10);
    store.getState().startStage('segment');
    store.getState().cancelAnalysis(11);
    s = store.getState();
    expect(s.analysis.phase).toBe('cancelled');
    for (const id of ANALYSIS_STAGE_IDS) expect(s.analysis.stages[id].state).toBe('cancelled');
  });

  it('a new load or another series clears the analysis, its meshes and the picked point', () => {
    for (const next of ['load', 'select'] as const) {
      const store = loaded();
      store.getState().beginAnalysis('a', 0);
      store.getState().setMesh('gk', meta('gk'));
      store.getState().setPickedPoint({ voxel: [1, 2, 3], patientMm: [0, 0, 0] });
      if (next === 'load') store.getState().beginLoad('y', 5);
      else store.getState().selectSeries('b');
      const s = store.getState();
      expect(s.analysis.phase).toBe('idle');
      expect(s.analysis.runId).toBe(1);
      expect(s.analysisResults).toBeNull();
      expect(s.meshes.gk).toBeNull();
      expect(s.pickedPoint).toBeNull();
    }
  });

  it('patches parameters field by field', () => {
    const store = createAppStore();
    store.getState().setAnalysisParams({ thresholdHu: -650, gk: { clusters: 4 }, mesh: { stepSize: 2 } });
    const p = store.getState().analysisParams;
    expect(p.thresholdHu).toBe(-650);
    expect(p.gk).toEqual({ ...DEFAULT_ANALYSIS_UI_PARAMS.gk, clusters: 4 });
    expect(p.mesh).toEqual({ ...DEFAULT_ANALYSIS_UI_PARAMS.mesh, stepSize: 2 });
    expect(p.background).toBe('border');
  });
});

describe('store: views, crosshair and overlays', () => {
  it('opens a series with the crosshair at the middle column and row', () => {
    const store = loaded();
    expect(store.getState().crosshair).toEqual({ x: 256, y: 256 });
    store.getState().selectSeries('b');
    expect(store.getState().crosshair).toEqual({ x: 150, y: 128 });
  });

  it('moves the crosshair and the slice to a voxel, clamped to the volume', () => {
    const store = loaded();
    store.getState().moveToVoxel(10, 20, 30);
    expect(store.getState().crosshair).toEqual({ x: 10, y: 20 });
    expect(store.getState().sliceZ).toBe(30);
    store.getState().moveToVoxel(-5, 9999, 9999);
    expect(store.getState().crosshair).toEqual({ x: 0, y: 511 });
    expect(store.getState().sliceZ).toBe(39);
  });

  it('zooms and resets the active view only', () => {
    const store = loaded();
    store.getState().setCentreTab('coronal');
    expect(store.getState().activeView).toBe('coronal');
    store.getState().zoomBy(2);
    expect(store.getState().mprViews.coronal.zoom).toBe(2);
    expect(store.getState().view).toEqual(DEFAULT_VIEW);
    store.getState().setActiveView('axial');
    store.getState().zoomBy(1.5);
    expect(store.getState().view.zoom).toBe(1.5);
    store.getState().resetView();
    expect(store.getState().view).toEqual(DEFAULT_VIEW);
    expect(store.getState().mprViews.coronal.zoom).toBe(2);
    store.getState().setCentreTab('story');
    expect(store.getState().activeView).toBe('axial');
  });

  it('keeps overlay opacity within 0..1 and crop values valid', () => {
    const store = createAppStore();
    store.getState().setOverlay('gk', { opacity: 3, color: '#00ff00' });
    expect(store.getState().overlays.gk).toEqual({ visible: true, color: '#00ff00', opacity: 1 });
    store.getState().setOverlay('gk', { opacity: -1 });
    expect(store.getState().overlays.gk.opacity).toBe(0);
    store.getState().setCrop({ radiusMm: 20, halfSlices: 3 });
    expect(store.getState().crop).toEqual({ radiusMm: 20, halfSlices: 3 });
    store.getState().setCrop({ radiusMm: -1 });
    store.getState().setCrop({ halfSlices: 1.5 });
    expect(store.getState().crop).toEqual({ radiusMm: 20, halfSlices: 3 });
  });
});
