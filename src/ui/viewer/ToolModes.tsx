import { useAppStore, type DragMode } from '../../state/store';

/** The left button's tools on the slice views, with their keys. */
export const TOOL_MODES: readonly { mode: DragMode; label: string; title: string }[] = [
  { mode: 'crosshair', label: 'Crosshair', title: 'A click or drag moves the linked crosshair; every view follows (N)' },
  { mode: 'window', label: 'W/L', title: 'Left-drag changes window/level; a click does nothing (W)' },
  { mode: 'pan', label: 'Pan', title: 'Left-drag pans; middle-drag always pans (P)' },
  { mode: 'pick', label: 'Pick', title: 'A click picks the point for the 3D marker and the crop (I)' },
  { mode: 'ruler', label: 'Ruler', title: 'Drag to measure a length in mm; drag a handle to change it (M)' },
  { mode: 'ellipse', label: 'Ellipse', title: 'Drag an ellipse: area in mm², mean, SD, min and max HU of the voxels inside on this slice (E)' },
  { mode: 'bidirectional', label: 'Bidir.', title: 'Drag the long axis; the short axis is drawn perpendicular, drag its ends to fit (D)' },
];

/** The left button's tool: crosshair, window/level, pan, pick or a measurement. */
export function ToolModes() {
  const mode = useAppStore((s) => s.dragMode);
  const setDragMode = useAppStore((s) => s.setDragMode);
  return (
    <div className="tool-group" role="group" aria-label="Left button tool">
      {TOOL_MODES.map((t) => (
        <button
          key={t.mode}
          type="button"
          className={`button${mode === t.mode ? ' active' : ''}`}
          aria-pressed={mode === t.mode}
          data-testid={`mode-${t.mode}`}
          onClick={() => setDragMode(t.mode)}
          title={t.title}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
