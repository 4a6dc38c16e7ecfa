import { selectedSeries, useAppStore } from '../../state/store';
import { displaySlicePositionMm } from '../../viewer2d/orientation';
import { indexOfSliceNumber, sliceNumber, SLICE_NUMBER_CONVENTION } from '../../viewer2d/sliceNumbering';
import { formatMm } from '../format';
import { useSliceGeometry } from './useSliceNumbers';

/**
 * Slider through the slices of the open tab's axis (axial for the axial,
 * grid and story tabs), with the slice number and, for axial slices, the
 * position along the slice normal. Numbers and the slider's direction
 * follow sliceNumbering.ts (axial slice 1 at the head, on the left).
 */
export function SliceSlider() {
  const series = useAppStore(selectedSeries);
  const tab = useAppStore((s) => s.centreTab);
  const z = useAppStore((s) => s.sliceZ);
  const crosshair = useAppStore((s) => s.crosshair);
  const setSlice = useAppStore((s) => s.setSlice);
  const setCrosshair = useAppStore((s) => s.setCrosshair);
  const g = useSliceGeometry();
  if (!series || tab === '3d') return null;
  const axis = tab === 'coronal' || tab === 'sagittal' ? tab : 'axial';
  const [nz, ny, nx] = series.dimsZyx;
  const n = axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
  const index = axis === 'axial' ? z : axis === 'coronal' ? crosshair.y : crosshair.x;
  // The slider runs in slice numbers: slice 1 on the left.
  const number = sliceNumber(g, axis, index, n);
  const value = number - 1;
  const label =
    axis === 'axial'
      ? `Slice ${number} / ${n} · ${formatMm(displaySlicePositionMm(series, z), 2)}`
      : `${axis === 'coronal' ? 'Coronal row' : 'Sagittal column'} ${number} / ${n}`;
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
          const v = indexOfSliceNumber(g, axis, ev.currentTarget.valueAsNumber + 1, n);
          if (axis === 'axial') setSlice(v);
          else if (axis === 'coronal') setCrosshair(crosshair.x, v);
          else setCrosshair(v, crosshair.y);
        }}
      />
      <span className="slice-label" data-testid="slice-label" title={SLICE_NUMBER_CONVENTION}>
        {label}
      </span>
    </div>
  );
}
