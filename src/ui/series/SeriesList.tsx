import { useAppStore } from '../../state/store';
import { formatDimsZyx, formatSpacingZyx, plural, seriesTitle } from '../format';
import { Panel } from '../layout/Panel';
import type { SeriesSummary } from '../../core/dicom/types';
import { GeometryWarning } from './GeometryWarning';
import { folderOf, formatDicomDate } from './seriesLabels';

/** Folder, study date and series number of a series (what tells look-alike series apart). */
function SeriesOrigin({ series }: { series: SeriesSummary }) {
  const h = series.firstHeader;
  const folder = folderOf(h.file);
  const date = formatDicomDate(h.patientStudy?.studyDate);
  const parts = [
    folder ? { text: folder, title: `Folder the files came from: ${folder}` } : { text: 'loose files', title: 'Files dropped without a folder' },
    date ? { text: date, title: `Study date ${date}` } : null,
    h.seriesNumber !== null ? { text: `series #${h.seriesNumber}`, title: `Series number ${h.seriesNumber} (0020,0011)` } : null,
  ].filter((p) => p !== null);
  return (
    <span className="series-meta series-origin" data-testid="series-origin">
      {parts.map((p, i) => (
        <span key={p.text} title={p.title}>
          {i > 0 ? ' · ' : ''}
          {p.text}
        </span>
      ))}
    </span>
  );
}

/** The loaded series (largest CT first) with their folder, date and series number; clicking one opens it. */
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
              <SeriesOrigin series={s} />
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
