import { selectedSeries, useAppStore } from '../../state/store';
import { formatMm } from '../format';

/** Slider through the slices, with the slice number and its position along the slice normal. */
export function SliceSlider() {
  const series = useAppStore(selectedSeries);
  const z = useAppStore((s) => s.sliceZ);
  const setSlice = useAppStore((s) => s.setSlice);
  if (!series) return null;
  const n = series.sliceCount;
  const pos = series.slicePositionsMm[z];
  return (
    <div className="slice-slider">
      <input
        type="range"
        min={0}
        max={n - 1}
        step={1}
        value={z}
        aria-label="Slice"
        aria-valuetext={`slice ${z + 1} of ${n}`}
        data-testid="slice-slider"
        onChange={(ev) => setSlice(ev.currentTarget.valueAsNumber)}
      />
      <span className="slice-label" data-testid="slice-label">
        Slice {z + 1} / {n} · {formatMm(pos, 2)}
      </span>
    </div>
  );
}
