import { selectedSeries, useAppStore } from '../../state/store';
import { displaySlicePositionMm } from '../../viewer2d/orientation';
import { formatMm } from '../format';

/**
 * Slider through the slices of the open tab's axis (axial for the axial,
 * grid and story tabs), with the slice number and, for axial slices, the
 * position along the slice normal.
 */
export function SliceSlider() {
  const series = useAppStore(selectedSeries);
  const tab = useAppStore((s) => s.centreTab);
  const z = useAppStore((s) => s.sliceZ);
  const crosshair = useAppStore((s) => s.crosshair);
  const setSlice = useAppStore((s) => s.setSlice);
  const setCrosshair = useAppStore((s) => s.setCrosshair);
  if (!series || tab === '3d') return null;
  const axis = tab === 'coronal' || tab === 'sagittal' ? tab : 'axial';
  const [nz, ny, nx] = series.dimsZyx;
  const n = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
  const value = axis === 'axial' ? z : axis === 'coronal' ? crosshair.y : crosshair.x;
  const label =
    axis === 'axial'
      ? `Slice ${z + 1} / ${n} · ${formatMm(displaySlicePositionMm(series, z), 2)}`
      : `${axis === 'coronal' ? 'Coronal row' : 'Sagittal column'} ${value + 1} / ${n}`;
  return (
    <div className="slice-slider">
      <input
        type="range"
        min={0}
        max={n - 1}
        step={1}
        value={value}
        aria-label={axis === 'axial' ? 'Slice' : `${axis} slice`}
        aria-valuetext={label}
        data-testid="slice-slider"
        onChange={(ev) => {
          const v = ev.currentTarget.valueAsNumber;
          if (axis === 'axial') setSlice(v);
          else if (axis === 'coronal') setCrosshair(crosshair.x, v);
          else setCrosshair(v, crosshair.y);
        }}
      />
      <span className="slice-label" data-testid="slice-label">
        {label}
      </span>
    </div>
  );
}
