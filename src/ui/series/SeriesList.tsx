import { useAppStore } from '../../state/store';
import { formatDimsZyx, formatSpacingZyx, plural, seriesTitle } from '../format';
import { Panel } from '../layout/Panel';
import { GeometryWarning } from './GeometryWarning';

/** The loaded series (largest CT first); clicking one opens it. */
export function SeriesList() {
  const series = useAppStore((s) => s.series);
  const selectedId = useAppStore((s) => s.selectedSeriesId);
  const select = useAppStore((s) => s.selectSeries);
  if (series.length === 0) return null;
  return (
    <Panel title={`Series (${series.length})`} testId="series-list">
      <ul className="series-list">
        {series.map((s) => (
          <li key={s.id}>
            <button
              type="button"
              className={`series-item${s.id === selectedId ? ' selected' : ''}`}
              aria-pressed={s.id === selectedId}
              data-series-id={s.id}
              data-testid="series-item"
              onClick={() => select(s.id)}
            >
              <span className="series-title">
                <span className="badge">{s.modality || '?'}</span>
                <span className="series-description" title={seriesTitle(s)}>
                  {seriesTitle(s)}
                </span>
              </span>
              <span className="series-meta">
                {plural(s.sliceCount, 'slice')} · {formatDimsZyx(s.dimsZyx)}
              </span>
              <span className="series-meta">{formatSpacingZyx(s.spacingMmZyx)}</span>
              <GeometryWarning series={s} variant="line" testId="series-geometry-warning" />
              {s.warnings.length > 0 ? (
                <span className="series-warning-count">⚠ {plural(s.warnings.length, 'warning')}</span>
              ) : null}
            </button>
          </li>
        ))}
      </ul>
    </Panel>
  );
}
