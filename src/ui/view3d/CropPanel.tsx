import { useCallback, useEffect, useRef, useState } from 'react';
import type { MeshKind } from '../../state/meshCache';
import type { View3dSettings } from '../../state/store';
import { selectedSeries, useAppStore } from '../../state/store';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import type { ColorMode, MeshStyle } from '../../viewer3d/sceneContent';
import { isCancelled } from '../../shared/cancel';
import { ExportPngButton, MeshExportButtons } from '../export/ExportButtons';
import { formatPointMm } from '../format';
import { Panel } from '../layout/Panel';
import { currentMeta } from './bindLungScene';
import {
  CROP_LIMITS,
  CROP_SOURCES,
  CROP_SOURCE_LABELS,
  DEFAULT_CROP_THRESHOLD_HU,
  analysisMask,
  clearCrop,
  runCrop,
  snapToGkStructure,
  type CropOutcome,
  type CropSource,
} from './cropActions';
import { meshStatsText } from './format3d';
import { useLungScene } from './useLungScene';
import './view3d.css';

const CROP_KINDS: readonly MeshKind[] = ['crop'];
/** Wait this long after the last change of the centre or the inputs before cropping. */
const DEBOUNCE_MS = 120;

interface CropLook {
  colorMode: ColorMode;
  showEdges: boolean;
}

type Status = { kind: 'idle' } | { kind: 'running' } | { kind: 'done'; outcome: CropOutcome } | { kind: 'error'; message: string };

function NumberInput(props: { label: string; value: number; min: number; max: number; step?: number; unit: string; testId: string; onChange(v: number): void }) {
  return (
    <label className="number-field crop-field">
      <span>{props.label}</span>
      <input
        type="number"
        value={props.value}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        data-testid={props.testId}
        onChange={(e) => {
          const v = e.target.valueAsNumber;
          if (Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v)));
        }}
      />
      <span className="muted">{props.unit}</span>
    </label>
  );
}

/**
 * The tutorial's interactive 3D crop: a square window of the given radius
 * around the picked point (a click on the slice), on the centre slice and
 * its neighbours, meshed in a worker and shown in its own rotatable view,
 * coloured by height with its triangle edges.
 */
export function CropPanel() {
  const host = useRef<HTMLDivElement>(null);
  const [look, setLook] = useState<CropLook>({ colorMode: 'height', showEdges: true });
  const styleFor = useCallback(
    (kind: MeshKind, v: View3dSettings): MeshStyle => ({
      visible: true,
      color: v.colors[kind],
      opacity: 1,
      colorMode: look.colorMode,
      showEdges: look.showEdges,
    }),
    [look],
  );
  const { scene, error } = useLungScene(host, 'crop', { kinds: CROP_KINDS, frameKind: 'crop', styleFor }, { fovDeg: 30, antialias: true });
  const crop = useAppStore((s) => s.crop);
  const setCrop = useAppStore((s) => s.setCrop);
  const [source, setSource] = useState<CropSource>('auto');
  const [thresholdHu, setThresholdHu] = useState(DEFAULT_CROP_THRESHOLD_HU);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const hasGk = useAppStore((s) => analysisMask(s, 'gk') !== undefined);
  const picked = useAppStore((s) => s.pickedPoint);
  const seriesId = useAppStore((s) => s.selectedSeriesId);
  const phase = useAppStore((s) => s.load.phase);
  const meta = useAppStore((s) => currentMeta(s, 'crop'));
  const axial = useSliceNumbers('axial', useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0));
  const pickedSlice = picked ? axial.number(picked.voxel[2]) : 0;

  // Masks that appear later (the analysis runs on) change what 'auto' picks.
  const maskIds = useAppStore((s) => (s.analysisResults ? Object.values(s.analysisResults.maskIds).join(',') : ''));

  // Crop again when the centre, the series, the masks or the inputs change.
  useEffect(() => {
    if (!picked || !seriesId || phase !== 'done') return;
    let live = true;
    const timer = setTimeout(() => {
      setStatus({ kind: 'running' });
      runCrop({ source, thresholdHu }).then(
        (outcome) => live && setStatus({ kind: 'done', outcome }),
        (e: unknown) => {
          if (!live || isCancelled(e)) return;
          setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
        },
      );
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [picked, seriesId, phase, crop, source, thresholdHu, maskIds]);

  const done = status.kind === 'done' ? status.outcome : null;

  return (
    <Panel
      title="3D crop"
      testId="crop-panel"
      className="view3d-panel crop-panel"
      actions={
        <>
          <button type="button" className="button" disabled={!scene || !meta} onClick={() => scene?.resetCamera()} data-testid="crop-reset">
            Reset
          </button>
          <ExportPngButton scene={scene} what="crop view" disabled={!meta} testId="crop-png" />
        </>
      }
    >
      <div className="crop-inputs">
        <label className="number-field crop-field">
          <span>Surface of</span>
          <select value={source} onChange={(e) => setSource(e.target.value as CropSource)} data-testid="crop-source">
            {CROP_SOURCES.map((s) => (
              <option key={s} value={s}>
                {CROP_SOURCE_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <NumberInput label="Radius" unit="mm" value={crop.radiusMm} min={CROP_LIMITS.radiusMm.min} max={CROP_LIMITS.radiusMm.max} testId="crop-radius" onChange={(v) => setCrop({ radiusMm: v })} />
        <NumberInput label="Slices ±" unit="each side" value={crop.halfSlices} min={CROP_LIMITS.halfSlices.min} max={CROP_LIMITS.halfSlices.max} testId="crop-slices" onChange={(v) => setCrop({ halfSlices: Math.round(v) })} />
        {source === 'hu' || (done && done.source === 'hu') ? (
          <NumberInput label="Tissue ≥" unit="HU" step={50} value={thresholdHu} min={CROP_LIMITS.thresholdHu.min} max={CROP_LIMITS.thresholdHu.max} testId="crop-threshold" onChange={(v) => setThresholdHu(Math.round(v))} />
        ) : null}
      </div>
      <div className="crop-centre" data-testid="crop-centre">
        {picked ? (
          <>
            Centre voxel ({picked.voxel.join(', ')}) · slice {pickedSlice} · {formatPointMm(picked.patientMm)}
          </>
        ) : (
          <span className="muted">Click on the slice to pick the centre of the crop.</span>
        )}
        {hasGk ? (
          <button type="button" className="button button-small crop-snap" onClick={() => snapToGkStructure()} data-testid="crop-snap-gk" title="Move the centre to the nearest GK structure">
            Centre on GK structure
          </button>
        ) : null}
      </div>
      <div className="view3d-viewport view3d-viewport-crop" ref={host} data-testid="crop-viewport">
        {error ? <div className="view3d-empty">{error}</div> : null}
        {!meta && !error ? (
          <div className="view3d-empty" data-testid="crop-empty">
            {status.kind === 'running' ? 'Cropping…' : picked ? 'No crop yet' : 'No centre picked'}
          </div>
        ) : null}
        {status.kind === 'running' && meta ? <div className="view3d-corner view3d-corner-tr">Cropping…</div> : null}
      </div>
      <div className="view3d-options">
        <label className="toggle">
          <input type="checkbox" checked={look.colorMode === 'height'} onChange={(e) => setLook((l) => ({ ...l, colorMode: e.target.checked ? 'height' : 'single' }))} data-testid="crop-color-height" />
          Colour by height
        </label>
        <label className="toggle">
          <input type="checkbox" checked={look.showEdges} onChange={(e) => setLook((l) => ({ ...l, showEdges: e.target.checked }))} data-testid="crop-edges" />
          Triangle edges
        </label>
      </div>
      {status.kind === 'error' ? (
        <p className="export-error" data-testid="crop-error">
          {status.message}
        </p>
      ) : null}
      {meta ? (
        <div className="mesh-stats" data-testid="crop-stats" data-triangles={meta.triangles}>
          {meshStatsText(meta)}
          {done ? (
            <>
              {' '}· {CROP_SOURCE_LABELS[done.source].toLowerCase()}{done.source === 'hu' ? ` ≥ ${thresholdHu} HU` : ''} · window {done.result.windowDims.join(' × ')} voxels · {done.result.computeMs.toFixed(0)} ms
            </>
          ) : null}
        </div>
      ) : null}
      {meta ? (
        <div className="crop-actions">
          <MeshExportButtons kind="crop" />
          <button type="button" className="button button-small" onClick={() => { clearCrop(); setStatus({ kind: 'idle' }); }} data-testid="crop-clear">
            Clear
          </button>
        </div>
      ) : null}
    </Panel>
  );
}
