import { useEffect, useState } from 'react';
import '../measure/measure.css';
import type { SliceAxis } from '../../shared/view';
import { appStore, axisSliceIndex, CINE_FPS_CHOICES, selectedSeries, SLAB_CHOICES_MM, useAppStore } from '../../state/store';
import { downloadBlob } from '../export/download';
import { exportFileName } from '../export/fileNames';
import { captureSliceView } from './captureRegistry';
import { setAxisIndex } from './keyboard';
import { sliceNumberStep } from '../../viewer2d/sliceNumbering';
import { volumeCache } from '../../state/volumeCache';

const AXIS_NAMES: Record<SliceAxis, string> = { axial: 'axial', coronal: 'coronal', sagittal: 'sagittal' };

/** Slices along the view's axis of the open series. */
function axisCount(axis: SliceAxis): number {
  const s = selectedSeries(appStore.getState());
  if (!s) return 0;
  const [nz, ny, nx] = s.dimsZyx;
  return axis === 'axial' ? nz : axis === 'coronal' ? ny : nx;
}

/** Thick slab: MIP over a thickness in mm (off = the single slice). */
function SlabControl() {
  const slab = useAppStore((s) => s.slabMm);
  const setSlab = useAppStore((s) => s.setSlabMm);
  return (
    <select
      className="slab-control"
      data-testid="slab-select"
      aria-label="MIP slab thickness"
      title="Thick slab: each pixel the highest HU over this thickness around the slice (maximum intensity projection); vessels and nodules show whole. Measurements use the single slice."
      value={slab}
      onChange={(e) => setSlab(Number(e.target.value))}
    >
      {SLAB_CHOICES_MM.map((mm) => (
        <option key={mm} value={mm}>
          {mm === 0 ? 'MIP off' : `MIP ${mm} mm`}
        </option>
      ))}
    </select>
  );
}

/** Cine: plays the active view's slices in a loop. */
function CineControl({ axis }: { axis: SliceAxis }) {
  const playing = useAppStore((s) => s.cinePlaying);
  const fps = useAppStore((s) => s.cineFps);
  const seriesId = useAppStore((s) => s.selectedSeriesId);
  const setPlaying = useAppStore((s) => s.setCinePlaying);
  const setFps = useAppStore((s) => s.setCineFps);
  useEffect(() => {
    if (!playing || seriesId === null) return;
    const timer = setInterval(() => {
      const s = appStore.getState();
      const n = axisCount(axis);
      // On through the slice numbers (axial: towards the feet), from the last back to the first.
      const volume = volumeCache.get(s.selectedSeriesId);
      const step = volume ? sliceNumberStep(volume, axis) : 1;
      if (n > 0) setAxisIndex(s, axis, (axisSliceIndex(s, axis) + step + n) % n);
    }, 1000 / fps);
    return () => clearInterval(timer);
  }, [playing, fps, axis, seriesId]);
  useEffect(() => () => appStore.getState().setCinePlaying(false), []);
  return (
    <div className="tool-group" role="group" aria-label="Cine">
      <button
        type="button"
        className={`button${playing ? ' active' : ''}`}
        data-testid="cine-play"
        aria-pressed={playing}
        disabled={seriesId === null}
        title={playing ? 'Pause cine' : `Cine: plays the ${AXIS_NAMES[axis]} slices in a loop`}
        aria-label={playing ? 'Pause cine' : 'Play cine'}
        onClick={() => setPlaying(!playing)}
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <select data-testid="cine-fps" aria-label="Frames per second" title="Frames (slices) per second" value={fps} onChange={(e) => setFps(Number(e.target.value))}>
        {CINE_FPS_CHOICES.map((f) => (
          <option key={f} value={f}>
            {f} fps
          </option>
        ))}
      </select>
    </div>
  );
}

type CaptureSize = 'screen' | '2x' | '1024';

const SIZE_WORDS: Record<CaptureSize, string> = { screen: 'screen size', '2x': 'twice the screen size', '1024': '1024 px on the long side' };

/** Pixels per CSS pixel of a capture of a view `cssW` × `cssH` CSS px. */
function captureScale(size: CaptureSize, cssW: number, cssH: number): number {
  const dpr = window.devicePixelRatio || 1;
  if (size === '2x') return 2 * dpr;
  if (size === '1024') return 1024 / Math.max(cssW, cssH);
  return dpr;
}

/** Save PNG of the active slice view, drawn again off-screen at the chosen size. */
function CaptureControl({ axis }: { axis: SliceAxis }) {
  const [size, setSize] = useState<CaptureSize>('screen');
  const [overlays, setOverlays] = useState(true);
  const [annotations, setAnnotations] = useState(true);
  const hasSeries = useAppStore((s) => s.selectedSeriesId !== null);
  const save = () => {
    const canvas = captureSliceView(axis, (w, h) => captureScale(size, w, h), { overlays, annotations });
    if (!canvas) return;
    const s = selectedSeries(appStore.getState());
    canvas.toBlob((blob) => {
      if (blob) downloadBlob(blob, exportFileName(s?.description || null, `${axis} view`, 'png'));
    }, 'image/png');
  };
  return (
    <div className="tool-group capture-group" role="group" aria-label="Save PNG">
      <button type="button" className="button" data-testid="capture-png" disabled={!hasSeries} title={`Saves the ${AXIS_NAMES[axis]} view as a PNG (drawn again, not a screenshot): ${SIZE_WORDS[size]}, ${overlays ? 'with' : 'without'} overlays, ${annotations ? 'with' : 'without'} measurements`} onClick={save}>
        PNG
      </button>
      <details className="capture-options">
        <summary data-testid="capture-options" title="Size of the PNG, overlays and measurements in it" aria-label="PNG options">
          ▾
        </summary>
        <div className="capture-popover">
          <label>
            size
            <select data-testid="capture-size" title="As on screen, twice that, or 1024 px on the long side" value={size} onChange={(e) => setSize(e.target.value as CaptureSize)}>
              <option value="screen">screen size</option>
              <option value="2x">2×</option>
              <option value="1024">1024 px</option>
            </select>
          </label>
          <label title="Mask overlays, crop box, crosshair and picked point in the PNG">
            <input type="checkbox" data-testid="capture-overlays" checked={overlays} onChange={(e) => setOverlays(e.target.checked)} />
            overlays
          </label>
          <label title="Measurements in the PNG">
            <input type="checkbox" data-testid="capture-annotations" checked={annotations} onChange={(e) => setAnnotations(e.target.checked)} />
            measurements
          </label>
        </div>
      </details>
    </div>
  );
}

/** The slice views' tools in the toolbar: thick-slab MIP, cine and PNG capture of the active view. */
export function ViewToolsBar() {
  const tab = useAppStore((s) => s.centreTab);
  const active = useAppStore((s) => s.activeView);
  if (tab !== 'axial' && tab !== 'coronal' && tab !== 'sagittal' && tab !== 'mpr') return null;
  const axis: SliceAxis = tab === 'mpr' ? active : tab;
  return (
    <>
      <SlabControl />
      <CineControl axis={axis} />
      <CaptureControl axis={axis} />
    </>
  );
}
