import { axisView, useAppStore } from '../../state/store';
import { CentreTabs } from './CentreTabs';

const ZOOM_STEP = 1.25;

/** View tabs, drag mode, zoom and reset for the slice views. */
export function ViewerToolbar() {
  const zoom = useAppStore((s) => axisView(s, s.activeView).zoom);
  const mode = useAppStore((s) => s.dragMode);
  const hasSeries = useAppStore((s) => s.selectedSeriesId !== null);
  const zoomBy = useAppStore((s) => s.zoomBy);
  const resetView = useAppStore((s) => s.resetView);
  const setDragMode = useAppStore((s) => s.setDragMode);
  const modeButton = (m: typeof mode, label: string, title: string) => (
    <button
      type="button"
      className={`button${mode === m ? ' active' : ''}`}
      aria-pressed={mode === m}
      data-testid={`mode-${m}`}
      onClick={() => setDragMode(m)}
      title={title}
    >
      {label}
    </button>
  );
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label="Slice view tools">
      <CentreTabs />
      <div className="tool-group" role="group" aria-label="Left-drag does">
        {modeButton('window', 'W/L', 'Left-drag changes window/level (W)')}
        {modeButton('pan', 'Pan', 'Left-drag pans; middle-drag always pans (P)')}
        {modeButton('pick', 'Pick', 'A click picks the point for the 3D marker and the crop (I)')}
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
        <button type="button" className="button" disabled={!hasSeries} data-testid="reset-view" onClick={resetView} title="Fit the image and centre it (R)">
          Reset
        </button>
      </div>
    </div>
  );
}
