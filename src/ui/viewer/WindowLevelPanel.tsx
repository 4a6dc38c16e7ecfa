import { selectedSeries, useAppStore } from '../../state/store';
import { WINDOW_PRESETS, seriesWindow } from '../../shared/view';
import { Panel } from '../layout/Panel';

function NumberField({ label, value, onChange, min, testId }: { label: string; value: number; onChange: (v: number) => void; min?: number; testId: string }) {
  return (
    <label className="number-field">
      <span>{label}</span>
      <input
        type="number"
        value={value}
        min={min}
        step={1}
        data-testid={testId}
        onChange={(ev) => {
          const v = ev.currentTarget.valueAsNumber;
          if (Number.isFinite(v)) onChange(v);
        }}
      />
    </label>
  );
}

/** Window/level: the series' own values, presets, and exact numbers. Drag on the image to adjust. */
export function WindowLevelPanel() {
  const wl = useAppStore((s) => s.window);
  const source = useAppStore((s) => s.windowSource);
  const series = useAppStore(selectedSeries);
  const applyPreset = useAppStore((s) => s.applyWindowPreset);
  const setWindow = useAppStore((s) => s.setWindow);
  if (!series) return null;
  const own = seriesWindow(series.firstHeader.windowCenter, series.firstHeader.windowWidth);
  return (
    <Panel title="Window / level" testId="window-panel">
      <div className="preset-grid">
        {own ? (
          <button
            type="button"
            className={`button${source === 'series' ? ' active' : ''}`}
            data-testid="window-preset-series"
            title={`From the series: W ${own.width} / L ${own.center}`}
            onClick={() => applyPreset('series')}
          >
            Series
          </button>
        ) : null}
        {WINDOW_PRESETS.map((p) => (
          <button
            type="button"
            key={p.id}
            className={`button${source === p.id ? ' active' : ''}`}
            data-testid={`window-preset-${p.id}`}
            title={`W ${p.width} / L ${p.center}`}
            onClick={() => applyPreset(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
      <div className="number-row">
        <NumberField label="W" testId="window-width" min={1} value={wl.width} onChange={(v) => setWindow({ center: wl.center, width: Math.max(1, v) })} />
        <NumberField label="L" testId="window-center" value={wl.center} onChange={(v) => setWindow({ center: v, width: wl.width })} />
      </div>
      <p className="hint">Drag on the image with the right button (or the left in W/L mode): left–right changes the width, up–down the level.</p>
    </Panel>
  );
}
