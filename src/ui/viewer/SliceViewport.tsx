import { useEffect, useMemo, useRef } from 'react';
import { maskCache } from '../../state/maskCache';
import { appStore, axisSliceIndex, loadRunning, selectedSeries, useAppStore, volumesViewable } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { sliceDisplay } from '../../viewer2d/orientation';
import type { SliceAxis } from '../../shared/view';
import { formatPointMm, seriesTitle } from '../format';
import { DropZone } from '../load/DropZone';
import { OverlayLegend } from '../overlays/OverlayLegend';
import { bindSliceView } from './bindSliceView';
import { GkScope } from './GkScope';
import { useSliceNumbers } from './useSliceNumbers';

const AXIS_NAMES: Record<SliceAxis, string> = { axial: 'Axial', coronal: 'Coronal', sagittal: 'Sagittal' };

function OrientationMarkers({ axis }: { axis: SliceAxis }) {
  const id = useAppStore((s) => s.selectedSeriesId);
  const phase = useAppStore((s) => s.load.phase);
  const orientation = useMemo(() => {
    const vol = volumesViewable(phase) ? volumeCache.get(id) : undefined;
    return vol ? sliceDisplay(vol, axis) : null;
  }, [id, phase, axis]);
  if (!orientation) return null;
  const t = axis === 'axial' ? 'orientation' : `orientation-${axis}`;
  return (
    <div className="orientation-markers" data-testid={`${t}-markers`} aria-hidden="true">
      <span className="om-top" data-testid={`${t}-top`}>{orientation.top}</span>
      <span className="om-bottom" data-testid={`${t}-bottom`}>{orientation.bottom}</span>
      <span className="om-left" data-testid={`${t}-left`}>{orientation.left}</span>
      <span className="om-right" data-testid={`${t}-right`}>{orientation.right}</span>
    </div>
  );
}

function CornerInfo({ axis, compact }: { axis: SliceAxis; compact: boolean }) {
  const series = useAppStore(selectedSeries);
  const wl = useAppStore((s) => s.window);
  const cursor = useAppStore((s) => s.cursor);
  const zoom = useAppStore((s) => (axis === 'axial' ? s.view.zoom : s.mprViews[axis].zoom));
  const index = useAppStore((s) => axisSliceIndex(s, axis));
  const slabMm = useAppStore((s) => s.slabMm);
  const slab = slabMm > 0 ? <div data-testid={`slab-label-${axis}`}>MIP {slabMm} mm</div> : null;
  const [nz, ny, nx] = series?.dimsZyx ?? [0, 0, 0];
  const count = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
  const numbers = useSliceNumbers(axis, count);
  const axial = useSliceNumbers('axial', nz);
  if (!series) return null;
  if (compact) {
    return (
      <div className="corner corner-tl">
        <div>
          {AXIS_NAMES[axis]} {numbers.number(index)} / {count}
        </div>
        <GkScope axis={axis} />
        {slab}
      </div>
    );
  }
  return (
    <>
      <div className="corner corner-tl">
        <div>{seriesTitle(series)}</div>
        <div>
          {series.modality}
          {axis !== 'axial' ? ` · ${AXIS_NAMES[axis]} ${numbers.number(index)} / ${count}` : ''}
        </div>
        <GkScope axis={axis} />
      </div>
      <div className="corner corner-tr" data-testid={axis === 'axial' ? 'window-label' : undefined}>
        <div>
          W {Math.round(wl.width)} / L {Math.round(wl.center)}
        </div>
        <div>Zoom {Math.round(zoom * 100)} %</div>
        {slab}
      </div>
      <div className="corner corner-bl" data-testid={axis === 'axial' ? 'cursor-readout' : undefined}>
        {cursor ? (
          <>
            <div title="Hounsfield units of the voxel under the pointer, its column and row (pixels) and its axial slice number (slice 1 at the head)">
              <strong>{cursor.hu} HU</strong> at ({cursor.x}, {cursor.y}) · slice {axial.number(cursor.z)}
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

function EmptyState({ withDropZone }: { withDropZone: boolean }) {
  const phase = useAppStore((s) => s.load.phase);
  const hasSeries = useAppStore((s) => s.series.length > 0);
  if (hasSeries && volumesViewable(phase)) return null;
  const loading = loadRunning(phase);
  return (
    <div className="viewport-empty">
      {loading ? (
        <div className="viewport-loading">Loading…</div>
      ) : withDropZone ? (
        <DropZone large testId="drop-zone-large" />
      ) : (
        <div className="viewport-loading">No series open</div>
      )}
    </div>
  );
}

/** While the slices stream in: how many are in place, and whether the one on screen is still to come. */
function StreamingNotice({ axis }: { axis: SliceAxis }) {
  const streaming = useAppStore((s) => s.load.phase === 'streaming');
  const done = useAppStore((s) => s.load.slicesDone);
  const total = useAppStore((s) => s.load.slicesTotal);
  const pending = useAppStore((s) => axis === 'axial' && s.load.phase === 'streaming' && !volumeCache.sliceReady(s.selectedSeriesId, s.sliceZ));
  if (!streaming) return null;
  return (
    <div className="streaming-notice" data-testid={axis === 'axial' ? 'streaming-notice' : undefined} role="status">
      {pending ? 'This slice is still loading… ' : ''}
      {done} / {total} slices read
    </div>
  );
}

/**
 * A slice canvas along one axis (drawn outside React by bindSliceView) with
 * its orientation letters, corner information and overlay legend.
 * `compact` is the small variant of the multi-view grid.
 */
export function SliceViewport({ axis = 'axial', compact = false }: { axis?: SliceAxis; compact?: boolean }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    return bindSliceView(canvas, { store: appStore, volumes: volumeCache, masks: maskCache }, axis);
  }, [axis]);
  const testId = axis === 'axial' ? 'slice-canvas' : `slice-canvas-${axis}`;
  return (
    <div className={`viewport${compact ? ' viewport-compact' : ''}`} data-testid={`viewport-${axis}`}>
      <canvas ref={canvasRef} className="slice-canvas" data-testid={testId} tabIndex={0} aria-label={`${AXIS_NAMES[axis]} slice view`} />
      <OrientationMarkers axis={axis} />
      <CornerInfo axis={axis} compact={compact} />
      <StreamingNotice axis={axis} />
      {compact ? null : <OverlayLegend />}
      <EmptyState withDropZone={axis === 'axial' && !compact} />
    </div>
  );
}
