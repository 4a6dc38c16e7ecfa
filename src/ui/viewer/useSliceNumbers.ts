import { useMemo } from 'react';
import { useAppStore, volumesViewable } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { sliceNumber, sliceNumberRange, type SliceGeometry } from '../../viewer2d/sliceNumbering';
import type { SliceAxis } from '../../shared/view';

/** Identity geometry (numbers follow the index) until the open series' volume exists. */
const UNKNOWN: SliceGeometry = { directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, -1]] };

/** The open series' volume geometry for slice numbering (viewer2d/sliceNumbering.ts). */
export function useSliceGeometry(): SliceGeometry {
  const id = useAppStore((s) => s.selectedSeriesId);
  const phase = useAppStore((s) => s.load.phase);
  return useMemo(() => (volumesViewable(phase) ? volumeCache.get(id) : undefined) ?? UNKNOWN, [id, phase]);
}

/** Slice numbers along `axis` of the open series: number(index) and the range text of index from .. from + planes - 1. */
export function useSliceNumbers(axis: SliceAxis, count: number): { number(index: number): number; range(from: number, planes: number): string } {
  const g = useSliceGeometry();
  return useMemo(
    () => ({
      number: (index: number) => sliceNumber(g, axis, index, count),
      range: (from: number, planes: number) => {
        const [a, b] = sliceNumberRange(g, axis, from, planes, count);
        return a === b ? String(a) : `${a}–${b}`;
      },
    }),
    [g, axis, count],
  );
}
