import { DEFAULT_HU_CLASSES } from '../../core/analysis/densitometry';
import { huClassStyle } from '../../core/density/huClassLut';
import { huText as hu } from '../stats/histogramAxes';

/** Colour key of the density classes: swatch, name and HU range (lo, hi] of each (`compact`: the range in the tooltip only). */
export function DensityClassLegend({ testId, compact = false }: { testId: string; compact?: boolean }) {
  return (
    <ul className={`density-legend${compact ? ' density-legend-compact' : ''}`} data-testid={testId} aria-label="Density classes">
      {DEFAULT_HU_CLASSES.map((c) => {
        const style = huClassStyle(c.name);
        return (
          <li key={c.name} data-testid={`${testId}-${c.name}`} title={`${hu(c.loHu)} < HU \u2264 ${hu(c.hiHu)}`}>
            <span className="legend-swatch" style={{ background: style.color }} />
            <span className="density-legend-name">{c.name}</span>
            {compact ? null : (
              <span className="muted">
                {hu(c.loHu)}…{hu(c.hiHu)} HU
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
