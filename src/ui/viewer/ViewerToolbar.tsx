import { useAppStore } from '../../state/store';

const ZOOM_STEP = 1.25;

/** Zoom, pan mode and reset for the slice view. */
export function ViewerToolbar() {
  const zoom = useAppStore((s) => s.view.zoom);
  const mode = useAppStore((s) => s.dragMode);
  const hasSeries = useAppStore((s) => s.selectedSeriesId !== null);
  const zoomBy = useAppStore((s) => s.zoomBy);
  const resetView = useAppStore((s) => s.resetView);
  const setDragMode = useAppStore((s) => s.setDragMode);
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label="Slice view tools">
      <div className="tool-group" role="group" aria-label="Left-drag does">
        <button
          type="button"
          className={`button${mode === 'window' ? ' active' : ''}`}
          aria-pressed={mode === 'window'}
          data-testid="mode-window"
          onClick={() => setDragMode('window')}
          title="Left-drag changes window/level"
        >
          W/L
        </button>
        <button
          type="button"
          className={`button${mode === 'pan' ? ' active' : ''}`}
          aria-pressed={mode === 'pan'}
          data-testid="mode-pan"
          onClick={() => setDragMode('pan')}
          title="Left-drag pans (middle-drag always pans)"
        >
          Pan
        </button>
      </div>
      <div className="tool-group" role="group" aria-label="Zoom">
        <button type="button" className="button" disabled={!hasSeries} data-testid="zoom-out" onClick={() => zoomBy(1 / ZOOM_STEP)} title="Zoom out (Ctrl + wheel)">
          −
        </button>
        <span className="zoom-value" data-testid="zoom-value">
          {Math.round(zoom * 100)} %
        </span>
        <button type="button" className="button" disabled={!hasSeries} data-testid="zoom-in" onClick={() => zoomBy(ZOOM_STEP)} title="Zoom in (Ctrl + wheel)">
          +
        </button>
        <button type="button" className="button" disabled={!hasSeries} data-testid="reset-view" onClick={resetView} title="Fit the image and centre it">
          Reset
        </button>
      </div>
    </div>
  );
}
