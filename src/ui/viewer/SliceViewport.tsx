import { useEffect, useMemo, useRef } from 'react';
import { appStore, selectedSeries, useAppStore } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { axialDisplay } from '../../viewer2d/orientation';
import { formatPointMm, seriesTitle } from '../format';
import { DropZone } from '../load/DropZone';
import { bindSliceView } from './bindSliceView';

function OrientationMarkers() {
  const id = useAppStore((s) => s.selectedSeriesId);
  const phase = useAppStore((s) => s.load.phase);
  const orientation = useMemo(() => {
    const vol = phase === 'done' ? volumeCache.get(id) : undefined;
    return vol ? axialDisplay(vol) : null;
  }, [id, phase]);
  if (!orientation) return null;
  return (
    <div className="orientation-markers" data-testid="orientation-markers" aria-hidden="true">
      <span className="om-top" data-testid="orientation-top">{orientation.top}</span>
      <span className="om-bottom" data-testid="orientation-bottom">{orientation.bottom}</span>
      <span className="om-left" data-testid="orientation-left">{orientation.left}</span>
      <span className="om-right" data-testid="orientation-right">{orientation.right}</span>
    </div>
  );
}

function CornerInfo() {
  const series = useAppStore(selectedSeries);
  const wl = useAppStore((s) => s.window);
  const cursor = useAppStore((s) => s.cursor);
  const zoom = useAppStore((s) => s.view.zoom);
  if (!series) return null;
  return (
    <>
      <div className="corner corner-tl">
        <div>{seriesTitle(series)}</div>
        <div>{series.modality}</div>
      </div>
      <div className="corner corner-tr" data-testid="window-label">
        <div>
          W {Math.round(wl.width)} / L {Math.round(wl.center)}
        </div>
        <div>Zoom {Math.round(zoom * 100)} %</div>
      </div>
      <div className="corner corner-bl" data-testid="cursor-readout">
        {cursor ? (
          <>
            <div>
              <strong>{cursor.hu} HU</strong> at ({cursor.x}, {cursor.y}, {cursor.z})
            </div>
            <div>{formatPointMm(cursor.patientMm)} (LPS)</div>
          </>
        ) : (
          <div className="muted">Point at the image for HU and position</div>
        )}
      </div>
    </>
  );
}

function EmptyState() {
  const phase = useAppStore((s) => s.load.phase);
  const hasSeries = useAppStore((s) => s.series.length > 0);
  if (hasSeries && phase === 'done') return null;
  const loading = phase === 'collecting' || phase === 'parsing' || phase === 'assembling';
  return (
    <div className="viewport-empty">
      {loading ? <div className="viewport-loading">Loading…</div> : <DropZone large testId="drop-zone-large" />}
    </div>
  );
}

/** The slice canvas (drawn outside React by bindSliceView) and its overlays. */
export function SliceViewport() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    return bindSliceView(canvas, appStore, volumeCache);
  }, []);
  return (
    <div className="viewport">
      <canvas ref={canvasRef} className="slice-canvas" data-testid="slice-canvas" tabIndex={0} aria-label="Slice view" />
      <OrientationMarkers />
      <CornerInfo />
      <EmptyState />
    </div>
  );
}
