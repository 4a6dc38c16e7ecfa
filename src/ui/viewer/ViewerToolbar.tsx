import { axisView, useAppStore } from '../../state/store';
import { CentreTabs } from './CentreTabs';
import { ToolModes } from './ToolModes';
import { ViewToolsBar } from './ViewToolsBar';

const ZOOM_STEP = 1.25;

/** View tabs, the left button's tool, zoom and reset, slab, cine and PNG for the slice views. */
export function ViewerToolbar() {
  const zoom = useAppStore((s) => axisView(s, s.activeView).zoom);
  const hasSeries = useAppStore((s) => s.selectedSeriesId !== null);
  const zoomBy = useAppStore((s) => s.zoomBy);
  const resetView = useAppStore((s) => s.resetView);
  return (
    <div className="viewer-toolbar" role="toolbar" aria-label="Slice view tools">
      <CentreTabs />
      <ViewToolsBar />
      <ToolModes />
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
