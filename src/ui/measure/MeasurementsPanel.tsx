import { useMemo } from 'react';
import './measure.css';
import type { SliceAxis } from '../../shared/view';
import { setAxisIndex } from '../viewer/keyboard';
import { appStore, seriesAnnotations, useAppStore, volumesViewable, type AppState } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { Panel } from '../layout/Panel';
import { KIND_NAMES, measurementRows } from './formatMeasurement';
import { cachedAnnotationValues } from './valuesCache';

const AXIS_NAMES: Record<SliceAxis, string> = { axial: 'axial', coronal: 'coronal', sagittal: 'sagittal' };

/** Shows the slice an annotation was drawn on, in its view. */
function goTo(s: AppState, axis: SliceAxis, index: number): void {
  setAxisIndex(s, axis, index);
  if (s.centreTab !== 'mpr' && s.centreTab !== axis) s.setCentreTab(axis);
}

/** The measurements drawn on the open series: values with units, go to, delete. */
export function MeasurementsPanel() {
  const seriesId = useAppStore((s) => s.selectedSeriesId);
  const all = useAppStore((s) => s.annotations);
  const selected = useAppStore((s) => s.selectedAnnotationId);
  const phase = useAppStore((s) => s.load.phase);
  const list = useMemo(() => seriesAnnotations({ annotations: all }, seriesId), [all, seriesId]);
  const volume = volumesViewable(phase) ? volumeCache.get(seriesId) : undefined;
  if (!volume || seriesId === null) return null;
  const s = appStore.getState;
  return (
    <Panel
      title="Measurements"
      testId="measurements-panel"
      actions={
        list.length ? (
          <button type="button" className="button small" data-testid="measurements-clear" title="Delete every measurement of this series" onClick={() => s().clearAnnotations(seriesId)}>
            Delete all
          </button>
        ) : null
      }
    >
      {list.length === 0 ? (
        <p className="muted" data-testid="measurements-empty">
          None yet. Choose Ruler, Ellipse or Bidir. above the image and drag on a slice; drag a handle to change one.
        </p>
      ) : (
        <ol className="measurement-list">
          {list.map((a, i) => (
            <li key={a.id} className={`measurement-item${a.id === selected ? ' selected' : ''}`} data-testid="measurement-item" data-kind={a.kind}>
              <div className="measurement-head">
                <button type="button" className="link-button" title="Show this slice and select the measurement" onClick={() => { s().selectAnnotation(a.id); goTo(s(), a.axis, a.sliceIndex); }}>
                  {i + 1}. {KIND_NAMES[a.kind]} · {AXIS_NAMES[a.axis]} {a.sliceIndex + 1}
                </button>
                <button type="button" className="button small" data-testid="measurement-delete" title="Delete this measurement" aria-label={`Delete measurement ${i + 1}`} onClick={() => s().removeAnnotation(a.id)}>
                  ×
                </button>
              </div>
              <dl className="measurement-values">
                {measurementRows(a.kind, cachedAnnotationValues(volume, a)).map((r) => (
                  <div key={r.name} title={r.title}>
                    <dt>{r.name}</dt>
                    <dd data-testid={`measurement-${r.testId}`}>
                      {r.value} <span className="unit">{r.unit}</span>
                    </dd>
                  </div>
                ))}
              </dl>
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
