import { OVERLAY_KINDS, OVERLAY_LABELS, OVERLAY_MASK, type OverlayKind } from '../../state/analysisState';
import { selectedSeries, useAppStore, type AppState } from '../../state/store';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import { DensityClassLegend } from './DensityClassLegend';
import { LungSideLegend } from './LungSideLegend';

/** Overlays that are switched on and have something to draw for the open series. */
function drawnOverlayKinds(s: AppState): OverlayKind[] {
  const r = s.analysisResults;
  return OVERLAY_KINDS.filter((k) => {
    const o = s.overlays[k];
    if (!o.visible || o.opacity <= 0) return false;
    if (k === 'crop') return s.pickedPoint !== null;
    return !!r && r.seriesId === s.selectedSeriesId && !!r.maskIds[OVERLAY_MASK[k]];
  });
}

/** Colour key of the overlays on the slice view. */
export function OverlayLegend() {
  const kinds = useAppStore((s) => drawnOverlayKinds(s).join(','));
  const overlays = useAppStore((s) => s.overlays);
  const gk = useAppStore((s) => s.analysisResults?.gk);
  const numbers = useSliceNumbers('axial', useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0));
  if (!kinds) return null;
  return (
    <ul className="overlay-legend" data-testid="overlay-legend" aria-label="Overlay legend">
      {(kinds.split(',') as OverlayKind[]).map((k) => (
        <li key={k} data-testid={`legend-${k}`}>
          {k === 'density' || k === 'lungSides' ? null : (
            <span
              className={`legend-swatch${k === 'crop' ? ' legend-swatch-outline' : ''}`}
              style={k === 'crop' ? { borderColor: overlays[k].color } : { background: overlays[k].color, opacity: Math.max(0.35, overlays[k].opacity) }}
            />
          )}
          {OVERLAY_LABELS[k]}
          {k === 'density' ? <DensityClassLegend testId="legend-density-classes" /> : null}
          {k === 'lungSides' ? <LungSideLegend testId="legend-lung-sides" /> : null}
          {k === 'gk' && gk ? <span className="muted"> ({gk.scope === 'slices' ? `slices ${numbers.range(gk.zFrom, gk.planes)}` : 'whole lung'})</span> : null}
        </li>
      ))}
    </ul>
  );
}
