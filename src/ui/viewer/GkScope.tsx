import { selectedSeries, useAppStore, type AppState } from '../../state/store';
import type { SliceAxis } from '../../shared/view';
import { useSliceNumbers } from './useSliceNumbers';

/** The GK summary of the open series' analysis, if any. */
export function openGk(s: AppState) {
  const r = s.analysisResults;
  return r && r.seriesId === s.selectedSeriesId ? r.gk : undefined;
}

/**
 * Where GK clustering ran, on every slice view: "GK: whole lung", or the
 * axial slice numbers of its slab ("GK slices 61–65"), between dashed lines on the coronal and sagittal views (bindSliceView) and said on the
 * axial view when the slice shown is outside it.
 */
export function GkScope({ axis }: { axis: SliceAxis }) {
  const gk = useAppStore(openGk);
  const visible = useAppStore((s) => s.overlays.gk.visible);
  const z = useAppStore((s) => s.sliceZ);
  const numbers = useSliceNumbers('axial', useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0));
  if (!gk || !visible) return null;
  const testId = `gk-scope-${axis}`;
  if (gk.scope === 'volume') {
    return (
      <div className="gk-scope" data-testid={testId} title="Gustafson–Kessel clustering ran on every lung voxel">
        GK: whole lung
      </div>
    );
  }
  const range = numbers.range(gk.zFrom, gk.planes);
  const outside = axis === 'axial' && (z < gk.zFrom || z >= gk.zFrom + gk.planes);
  return (
    <div
      className="gk-scope"
      data-testid={testId}
      title={`Gustafson–Kessel clustering ran on axial slices ${range} only (the tutorial's choice; the Analysis panel runs it on the whole lung)${axis === 'axial' ? '' : '; the dashed lines in the GK colour bound those slices'}`}
    >
      GK slices {range}
      {outside ? ' · not this slice' : axis === 'axial' ? '' : ' (dashed lines)'}
    </div>
  );
}
