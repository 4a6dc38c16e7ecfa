import { OVERLAY_KINDS, OVERLAY_LABELS, type OverlayKind } from '../../state/analysisState';
import { useAppStore } from '../../state/store';
import { SLICE_COLORMAPS } from '../../shared/view';
import { Panel } from '../layout/Panel';

const COLORMAP_LABELS = { grey: 'Grey', bone: 'Bone (tutorial)' } as const;

function OverlayRow({ kind }: { kind: OverlayKind }) {
  const o = useAppStore((s) => s.overlays[kind]);
  const setOverlay = useAppStore((s) => s.setOverlay);
  const label = OVERLAY_LABELS[kind];
  return (
    <li className="overlay-row" data-testid={`overlay-row-${kind}`}>
      <label className="toggle overlay-name">
        <input type="checkbox" checked={o.visible} data-testid={`overlay-toggle-${kind}`} onChange={(e) => setOverlay(kind, { visible: e.currentTarget.checked })} />
        {label}
      </label>
      {kind === 'density' ? (
        // One colour per class (see the legend on the slice view), none to choose.
        <span className="color-swatch density-swatch" title="One colour per HU class: see the legend on the slice view" aria-hidden="true" />
      ) : kind === 'lungSides' ? (
        <span className="color-swatch lung-sides-swatch" title="Right lung, left lung and airway each in its own colour: see the legend on the slice view" aria-hidden="true" />
      ) : (
        <input
          type="color"
          className="color-swatch"
          value={o.color}
          aria-label={`Colour of ${label.toLowerCase()}`}
          data-testid={`overlay-color-${kind}`}
          onChange={(e) => setOverlay(kind, { color: e.currentTarget.value })}
        />
      )}
      <input
        type="range"
        className="opacity-range"
        min={0}
        max={1}
        step={0.05}
        value={o.opacity}
        aria-label={`Opacity of ${label.toLowerCase()}`}
        title={`Opacity ${Math.round(o.opacity * 100)} %`}
        data-testid={`overlay-opacity-${kind}`}
        onChange={(e) => setOverlay(kind, { opacity: e.currentTarget.valueAsNumber })}
      />
    </li>
  );
}

/** Slice colour map, the overlays (toggle, colour, opacity each) and the crop box size. */
export function OverlayPanel() {
  const colormap = useAppStore((s) => s.sliceColormap);
  const setColormap = useAppStore((s) => s.setSliceColormap);
  const crosshair = useAppStore((s) => s.showCrosshair);
  const setCrosshair = useAppStore((s) => s.setShowCrosshair);
  const crop = useAppStore((s) => s.crop);
  const setCrop = useAppStore((s) => s.setCrop);
  return (
    <Panel title="Display" testId="overlay-panel">
      <label className="number-field">
        <span>Colour map</span>
        <select value={colormap} data-testid="slice-colormap" onChange={(e) => setColormap(e.currentTarget.value as typeof colormap)}>
          {SLICE_COLORMAPS.map((c) => (
            <option key={c} value={c}>
              {COLORMAP_LABELS[c]}
            </option>
          ))}
        </select>
      </label>
      <ul className="overlay-rows">
        {OVERLAY_KINDS.map((k) => (
          <OverlayRow key={k} kind={k} />
        ))}
      </ul>
      <div className="number-row">
        <label className="number-field" title="Half-width of the crop window around the picked point">
          <span>Crop radius</span>
          <input
            type="number"
            min={1}
            step={1}
            value={crop.radiusMm}
            data-testid="overlay-crop-radius"
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (v > 0) setCrop({ radiusMm: v });
            }}
          />
          <span className="muted">mm</span>
        </label>
        <label className="number-field" title="Slices on each side of the picked point's slice">
          <span>±</span>
          <input
            type="number"
            min={0}
            step={1}
            value={crop.halfSlices}
            data-testid="overlay-crop-slices"
            onChange={(e) => {
              const v = e.currentTarget.valueAsNumber;
              if (Number.isInteger(v) && v >= 0) setCrop({ halfSlices: v });
            }}
          />
          <span className="muted">slices</span>
        </label>
      </div>
      <label className="toggle">
        <input type="checkbox" checked={crosshair} data-testid="show-crosshair" onChange={(e) => setCrosshair(e.currentTarget.checked)} />
        Linked crosshair
      </label>
      <p className="hint">Click on a view to move the crosshair; Alt + click (or double-click, or Pick mode) picks the point for the crop.</p>
    </Panel>
  );
}
