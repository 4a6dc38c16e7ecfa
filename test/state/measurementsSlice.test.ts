import { describe, expect, it } from 'vitest';
import { createAppStore, seriesAnnotations } from '../../src/state/store';

describe('measurements slice', () => {
  it('adds, moves, selects and deletes annotations per series, as plain JSON', () => {
    const store = createAppStore();
    const s = () => store.getState();
    const a = s().addAnnotation({ seriesId: 'A', kind: 'ruler', axis: 'axial', sliceIndex: 3, pointsLps: [[0, 0, 0], [10, 0, 0]] });
    const b = s().addAnnotation({ seriesId: 'A', kind: 'ellipse', axis: 'coronal', sliceIndex: 9, pointsLps: [[1, 2, 3], [4, 5, 6]] });
    const c = s().addAnnotation({ seriesId: 'B', kind: 'bidirectional', axis: 'sagittal', sliceIndex: 1, pointsLps: [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, -1, 0]] });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(s().selectedAnnotationId).toBe(c);
    expect(seriesAnnotations(s(), 'A').map((x) => x.id)).toEqual([a, b]);
    const before = s().annotations;
    s().setAnnotationPoints(a, [[0, 0, 0], [20, 0, 0]]);
    expect(s().annotations).not.toBe(before);
    expect(s().annotations[0].pointsLps[1]).toEqual([20, 0, 0]);
    expect(JSON.parse(JSON.stringify(s().annotations))).toEqual(s().annotations);
    s().removeAnnotation(c);
    expect(s().selectedAnnotationId).toBeNull();
    s().clearAnnotations('A');
    expect(s().annotations).toEqual([]);
    // Ids stay unique next to restored ones.
    const restored = createAppStore({ annotations: [{ id: 'm900', seriesId: 'A', kind: 'ruler', axis: 'axial', sliceIndex: 0, pointsLps: [[0, 0, 0], [1, 0, 0]] }] });
    expect(restored.getState().addAnnotation({ seriesId: 'A', kind: 'ruler', axis: 'axial', sliceIndex: 0, pointsLps: [[0, 0, 0], [1, 0, 0]] })).toBe('m901');
  });

  it('keeps the slab thickness and cine speed within bounds', () => {
    const s = createAppStore().getState;
    s().setSlabMm(10);
    expect(s().slabMm).toBe(10);
    s().setSlabMm(-5);
    expect(s().slabMm).toBe(0);
    s().setCineFps(0);
    expect(s().cineFps).toBe(10);
    s().setCineFps(100);
    expect(s().cineFps).toBe(60);
  });
});
