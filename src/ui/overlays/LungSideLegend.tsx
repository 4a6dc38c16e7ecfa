import { LUNG_SIDES, LUNG_SIDE_STYLE } from '../../core/mesh/lungLabelColors';

/** Colour key of the split of the lungs measured: right lung, left lung, airway (the 2D overlay's and the 3D surface's colours). */
export function LungSideLegend({ testId }: { testId: string }) {
  return (
    <ul className="density-legend" data-testid={testId} aria-label="Right lung, left lung, airway">
      {LUNG_SIDES.map((side) => (
        <li key={side} data-testid={`${testId}-${side}`}>
          <span className="legend-swatch" style={{ background: LUNG_SIDE_STYLE[side].color }} />
          <span className="density-legend-name">{LUNG_SIDE_STYLE[side].name}</span>
        </li>
      ))}
    </ul>
  );
}
