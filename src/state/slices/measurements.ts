/**
 * Measurements slice of the store: the rulers, ellipse ROIs and
 * bidirectional measurements drawn on the slice views (shared/annotations:
 * points in patient coordinates plus view and slice; plain data, so a
 * session can keep them as JSON), and the one selected in the list. Values
 * are not stored: they are measured from the volume where they are shown.
 */
import type { StateCreator } from 'zustand/vanilla';
import type { Vec3 } from '../../core/volume/volume';
import type { Annotation } from '../../shared/annotations';
import type { AppState } from '../store';

export interface MeasurementsData {
  /** In the order they were drawn, every series' together. */
  annotations: Annotation[];
  selectedAnnotationId: string | null;
}

export interface MeasurementsActions {
  /** Adds an annotation and selects it; returns its id. */
  addAnnotation(a: Omit<Annotation, 'id'>): string;
  /** Moves an annotation's points (a handle dragged). */
  setAnnotationPoints(id: string, pointsLps: Vec3[]): void;
  removeAnnotation(id: string): void;
  /** Removes every annotation of a series. */
  clearAnnotations(seriesId: string): void;
  selectAnnotation(id: string | null): void;
}

export type MeasurementsSlice = MeasurementsData & MeasurementsActions;

export function measurementsDefaults(): MeasurementsData {
  return { annotations: [], selectedAnnotationId: null };
}

/** The annotations of one series, in the order they were drawn. */
export function seriesAnnotations(s: Pick<MeasurementsData, 'annotations'>, seriesId: string | null): Annotation[] {
  return seriesId === null ? [] : s.annotations.filter((a) => a.seriesId === seriesId);
}

let lastId = 0;

export const createMeasurementsSlice: StateCreator<AppState, [], [], MeasurementsSlice> = (set, get) => ({
  ...measurementsDefaults(),

  addAnnotation(a) {
    // Ids stay unique next to annotations restored from elsewhere.
    for (const x of get().annotations) {
      const n = Number(/^m(\d+)$/.exec(x.id)?.[1] ?? 0);
      if (n > lastId) lastId = n;
    }
    const id = `m${++lastId}`;
    set({ annotations: [...get().annotations, { ...a, id, pointsLps: a.pointsLps.map((p) => [...p] as Vec3) }], selectedAnnotationId: id });
    return id;
  },
  setAnnotationPoints(id, pointsLps) {
    set({ annotations: get().annotations.map((a) => (a.id === id ? { ...a, pointsLps: pointsLps.map((p) => [...p] as Vec3) } : a)) });
  },
  removeAnnotation(id) {
    const s = get();
    set({ annotations: s.annotations.filter((a) => a.id !== id), selectedAnnotationId: s.selectedAnnotationId === id ? null : s.selectedAnnotationId });
  },
  clearAnnotations(seriesId) {
    set({ annotations: get().annotations.filter((a) => a.seriesId !== seriesId), selectedAnnotationId: null });
  },
  selectAnnotation(id) {
    if (get().selectedAnnotationId !== id) set({ selectedAnnotationId: id });
  },
});
