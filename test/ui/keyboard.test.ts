/** The page's keyboard shortcuts, on a store with a small volume loaded. */
import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store';
import { VolumeCache } from '../../src/state/volumeCache';
import { handleViewerKey } from '../../src/ui/viewer/keyboard';
import { summary } from '../state/fixtures';

/** A small volume; `zDir` +1: index z grows towards the head (a head-first axial stack), -1: towards the feet. */
function setup(zDir: 1 | -1 = 1) {
  const store = createAppStore();
  const volumes = new VolumeCache();
  const nx = 30, ny = 20, nz = 10;
  volumes.set('s', { nx, ny, nz, hu: new Int16Array(nx * ny * nz), spacingMmXyz: [1, 1, 2], originMm: [0, 0, 0], directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, zDir]] });
  store.getState().beginLoad('x', 0);
  store.getState().finishLoad([summary('s', nz, { dimsZyx: [nz, ny, nx] })], [], [], 1);
  const press = (key: string, extra: Partial<KeyboardEvent> = {}) =>
    handleViewerKey({ key, altKey: false, ctrlKey: false, metaKey: false, target: null, defaultPrevented: false, ...extra }, store, volumes);
  return { store, press };
}

describe('keyboard shortcuts', () => {
  it('steps the axial slice with arrows, pages and Home/End as radiology viewers do: down towards the feet, Home at the head', () => {
    const { store, press } = setup();
    expect(store.getState().sliceZ).toBe(4);
    // Index z grows towards the head: the next slice (↓) is one lower.
    expect(press('ArrowDown')).toBe(true);
    expect(store.getState().sliceZ).toBe(3);
    press('ArrowUp');
    press('ArrowLeft');
    expect(store.getState().sliceZ).toBe(5);
    press('Home');
    expect(store.getState().sliceZ).toBe(9);
    press('PageDown');
    expect(store.getState().sliceZ).toBe(8);
    press('End');
    expect(store.getState().sliceZ).toBe(0);
  });

  it('steps a feet-first stack (index z towards the feet) the same way on screen', () => {
    const { store, press } = setup(-1);
    press('ArrowDown');
    expect(store.getState().sliceZ).toBe(5);
    press('Home');
    expect(store.getState().sliceZ).toBe(0);
    press('End');
    expect(store.getState().sliceZ).toBe(9);
  });

  it('steps the active view: the crosshair row in the coronal view, its column in the sagittal view', () => {
    const { store, press } = setup();
    store.getState().setActiveView('coronal');
    const { x, y } = store.getState().crosshair;
    // Coronal numbers run front to back (y grows to posterior here): ↓ goes one row back.
    press('ArrowDown');
    expect(store.getState().crosshair).toEqual({ x, y: y + 1 });
    expect(store.getState().sliceZ).toBe(4);
    press('End');
    expect(store.getState().crosshair.y).toBe(19);
    store.getState().setActiveView('sagittal');
    press('Home');
    expect(store.getState().crosshair.x).toBe(0);
  });

  it('switches tabs with 1-6, opens and closes the help, toggles colour map, crosshair and overlays', () => {
    const { store, press } = setup();
    press('5');
    expect(store.getState().centreTab).toBe('story');
    press('2');
    expect(store.getState().centreTab).toBe('coronal');
    expect(store.getState().activeView).toBe('coronal');
    press('?');
    expect(store.getState().helpOpen).toBe(true);
    press('Escape');
    expect(store.getState().helpOpen).toBe(false);
    press('b');
    expect(store.getState().sliceColormap).toBe('bone');
    press('c');
    expect(store.getState().showCrosshair).toBe(false);
    const before = store.getState().overlays;
    press('o');
    for (const k of ['lungFill', 'lungNoFill', 'internal', 'gk'] as const) expect(store.getState().overlays[k].visible).toBe(false);
    press('o');
    for (const k of ['lungFill', 'lungNoFill', 'internal', 'gk'] as const) expect(store.getState().overlays[k].visible).toBe(before[k].visible);
    press('i');
    expect(store.getState().dragMode).toBe('pick');
    const id = store.getState().addAnnotation({ seriesId: 's', kind: 'ruler', axis: 'axial', sliceIndex: 0, pointsLps: [[0, 0, 0], [1, 0, 0]] });
    expect(store.getState().selectedAnnotationId).toBe(id);
    press('Delete');
    expect(store.getState().annotations).toEqual([]);
    for (const [key, mode] of [['n', 'crosshair'], ['w', 'window'], ['m', 'ruler'], ['e', 'ellipse'], ['d', 'bidirectional']] as const) {
      press(key);
      expect(store.getState().dragMode).toBe(mode);
    }
  });

  it('leaves keys alone in text fields and with modifiers', () => {
    const { store, press } = setup();
    const input = { tagName: 'INPUT', isContentEditable: false } as unknown as EventTarget;
    expect(press('ArrowUp', { target: input })).toBe(false);
    expect(press('ArrowUp', { ctrlKey: true })).toBe(false);
    expect(press('x')).toBe(false);
    expect(store.getState().sliceZ).toBe(4);
  });
});
