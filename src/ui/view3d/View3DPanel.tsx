import { useRef } from 'react';
import { MESH_KINDS, type MeshKind, type MeshMeta } from '../../state/meshCache';
import { appStore, loadRunning, selectedSeries, useAppStore, type View3dSettings } from '../../state/store';
import { EDGE_TRIANGLE_LIMIT } from '../../viewer3d/sceneContent';
import { ExportPngButton, MeshExportButtons } from '../export/ExportButtons';
import { MaskExportButtons } from '../export/MaskExportButtons';
import { Panel } from '../layout/Panel';
import { DensityClassLegend } from '../overlays/DensityClassLegend';
import { GeometryWarning } from '../series/GeometryWarning';
import { currentMeta, LOD_TRIANGLES } from './bindLungScene';
import { coarseMesh } from './coarseMeshes';
import { decimationText, formatCount, meshStatsText } from './format3d';
import { meshDensityColors } from './meshDensityColors';
import { meshLabelColors } from './meshLabelColors';
import { LungSideLegend } from '../overlays/LungSideLegend';
import { useLungScene } from './useLungScene';
import { openGk } from '../viewer/GkScope';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import './view3d.css';

/** Mesh kinds of the main 3D view (the crop has its own view). */
const MAIN_VIEW_KINDS: readonly MeshKind[] = MESH_KINDS.filter((k) => k !== 'crop');

const LABELS: Record<MeshKind, string> = {
  lung: 'Lungs',
  internal: 'Vessels and airway walls',
  gk: 'GK structures',
  crop: 'Crop',
};

/** What the vertex colours show in each colour mode but 'single'. */
const COLOR_MODE_SHOWS: Record<Exclude<View3dSettings['colorMode'], 'single'>, string> = { height: 'height', density: 'density classes', labels: 'right lung, left lung and airway' };

function useMeta(kind: MeshKind): MeshMeta | null {
  return useAppStore((s) => currentMeta(s, kind));
}

function MeshRow({ kind }: { kind: MeshKind }) {
  const meta = useMeta(kind);
  const visible = useAppStore((s) => s.view3d.visible[kind]);
  const color = useAppStore((s) => s.view3d.colors[kind]);
  const opacity = useAppStore((s) => s.view3d.opacity[kind]);
  const colorMode = useAppStore((s) => s.view3d.colorMode);
  const setView3d = useAppStore((s) => s.setView3d);
  if (!meta) return null;
  const update = (patch: { visible?: boolean; color?: string; opacity?: number }) => {
    // The settings as they are now (not this render's copy).
    const v = appStore.getState().view3d;
    setView3d({
      ...(patch.visible !== undefined ? { visible: { ...v.visible, [kind]: patch.visible } } : {}),
      ...(patch.color !== undefined ? { colors: { ...v.colors, [kind]: patch.color } } : {}),
      ...(patch.opacity !== undefined ? { opacity: { ...v.opacity, [kind]: patch.opacity } } : {}),
    });
  };
  const dec = decimationText(meta);
  return (
    <li className="mesh-row" data-testid={`mesh-row-${kind}`} data-triangles={meta.triangles} data-display-triangles={meta.displayTriangles}>
      <div className="mesh-row-main">
        <label className="toggle mesh-row-name">
          <input type="checkbox" checked={visible} onChange={(e) => update({ visible: e.target.checked })} data-testid={`mesh-visible-${kind}`} />
          {LABELS[kind]}
        </label>
        <input
          type="color"
          className="color-swatch"
          value={color}
          disabled={colorMode !== 'single'}
          title={colorMode !== 'single' ? `Colours show ${COLOR_MODE_SHOWS[colorMode]} (switch to single colour to choose one)` : `Colour of the ${LABELS[kind].toLowerCase()}`}
          aria-label={`Colour of the ${LABELS[kind].toLowerCase()}`}
          onChange={(e) => update({ color: e.target.value })}
        />
        <input
          type="range"
          className="opacity-range wide"
          min={0.1}
          max={1}
          step={0.05}
          value={opacity}
          aria-label={`Opacity of the ${LABELS[kind].toLowerCase()}`}
          title={`Opacity ${Math.round(opacity * 100)} %`}
          onChange={(e) => update({ opacity: Number(e.target.value) })}
          data-testid={`mesh-opacity-${kind}`}
        />
      </div>
      <div className="mesh-stats" data-testid={`mesh-stats-${kind}`}>
        {meshStatsText(meta)}
      </div>
      {dec ? (
        <div className="mesh-note" data-testid={`mesh-decimated-${kind}`}>
          {dec}
        </div>
      ) : null}
      <MeshExportButtons kind={kind} />
    </li>
  );
}

/** The colour modes of the 3D view, as buttons. */
const COLOR_MODES: readonly { mode: View3dSettings['colorMode']; label: string; title?: string }[] = [
  { mode: 'single', label: 'Single colour' },
  { mode: 'height', label: 'By height', title: 'Colour by height: low = red, high = blue' },
  { mode: 'density', label: 'Density class', title: 'Colour by the density class (HU) of the lung just inside the surface' },
  { mode: 'labels', label: 'Right / left / airway', title: 'Colour by the lung just inside the surface: right lung, left lung or airway (once the split is done)' },
];

function ViewOptions() {
  const colorMode = useAppStore((s) => s.view3d.colorMode);
  const showEdges = useAppStore((s) => s.view3d.showEdges);
  const setView3d = useAppStore((s) => s.setView3d);
  const tooLarge = useAppStore((s) =>
    MAIN_VIEW_KINDS.filter((k) => {
      const m = currentMeta(s, k);
      return m && s.view3d.visible[k] && m.displayTriangles > EDGE_TRIANGLE_LIMIT;
    }).join(','),
  );
  return (
    <div className="view3d-options">
      <div className="tool-group" role="group" aria-label="Colour">
        {COLOR_MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            className={`button${colorMode === m.mode ? ' active' : ''}`}
            aria-pressed={colorMode === m.mode}
            onClick={() => setView3d({ colorMode: m.mode })}
            title={m.title}
            data-testid={`view3d-color-${m.mode}`}
          >
            {m.label}
          </button>
        ))}
      </div>
      <label className="toggle" title={`Triangle edges of the drawn surfaces; a surface of more than ${formatCount(EDGE_TRIANGLE_LIMIT)} drawn triangles shows the edges of its coarse copy (${formatCount(LOD_TRIANGLES)} triangles)`}>
        <input type="checkbox" checked={showEdges} onChange={(e) => setView3d({ showEdges: e.target.checked })} data-testid="view3d-edges" />
        Triangle edges
      </label>
      {showEdges && tooLarge ? (
        <p className="hint" data-testid="view3d-edges-note">
          Edges of the {tooLarge.split(',').map((k) => LABELS[k as MeshKind].toLowerCase()).join(', ')} are those of the coarse copy ({formatCount(LOD_TRIANGLES)} triangles): the
          drawn surface has more than {formatCount(EDGE_TRIANGLE_LIMIT)}.
        </p>
      ) : null}
    </div>
  );
}

function EmptyOverlay() {
  const series = useAppStore(selectedSeries);
  const phase = useAppStore((s) => s.load.phase);
  const analysis = useAppStore((s) => (s.analysis.seriesId === s.selectedSeriesId ? s.analysis.phase : 'idle'));
  const any = useAppStore((s) => MAIN_VIEW_KINDS.some((k) => currentMeta(s, k) !== null));
  if (any) return null;
  let text = 'Load a scan to see the lungs in 3D';
  if (loadRunning(phase)) text = 'Loading…';
  else if (series && phase === 'done') {
    text =
      analysis === 'running' ? 'Analysis running… the lung surface appears here when it is ready'
      : analysis === 'error' ? 'The analysis failed: no surface to show'
      : analysis === 'cancelled' ? 'The analysis was cancelled: run it again to see the surfaces'
      : analysis === 'done' ? 'The analysis found no lung surface'
      : 'The surfaces appear here once the analysis has run';
  }
  return (
    <div className="view3d-empty" data-testid="view3d-empty">
      {text}
    </div>
  );
}

/** Where GK ran, when its surface is shown: the whole lung, or the band of slices (which shows as a stripe). */
function GkScope3d() {
  const gk = useAppStore(openGk);
  const shown = useAppStore((s) => currentMeta(s, 'gk') !== null && s.view3d.visible.gk);
  const numbers = useSliceNumbers('axial', useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0));
  if (!gk || !shown) return null;
  return (
    <div data-testid="view3d-gk-scope" className="gk-scope">
      {gk.scope === 'volume' ? 'GK structures: whole lung' : `GK structures: slices ${numbers.range(gk.zFrom, gk.planes)} only (the band)`}
    </div>
  );
}

/** Top-right corner of the view: the decimation note, where GK ran, and the key of the density-class or right / left / airway colour mode. */
function CornerNotes() {
  const lung = useMeta('lung');
  const text = lung ? decimationText(lung) : null;
  const mode = useAppStore((s) => (MAIN_VIEW_KINDS.some((k) => currentMeta(s, k) !== null) ? s.view3d.colorMode : null));
  const split = useAppStore((s) => (s.analysisResults?.seriesId === s.selectedSeriesId ? s.analysisResults?.split : undefined));
  const gk = useAppStore((s) => currentMeta(s, 'gk') !== null);
  const density = mode === 'density';
  const labels = mode === 'labels';
  if (!text && !density && !labels && !gk) return null;
  return (
    <div className="view3d-corner view3d-corner-tr view3d-corner-stack">
      {text ? <div data-testid="view3d-decimated">Lungs: {text}</div> : null}
      <GkScope3d />
      {density ? <DensityClassLegend testId="view3d-density-legend" compact /> : null}
      {labels && split?.ok ? <LungSideLegend testId="view3d-sides-legend" /> : null}
      {labels && !split ? <div data-testid="view3d-sides-wait">Right / left / airway: after the split</div> : null}
      {labels && split && !split.ok ? <div data-testid="view3d-sides-failed">No right / left split: {split.reason}</div> : null}
    </div>
  );
}

/**
 * The 3D view of the selected series' meshes (lungs, internal structures,
 * GK structures) with the picked point, and its controls: visibility, colour
 * and opacity per mesh, colour mode, edges, reset, PNG and mesh exports.
 * `compact` (for small cells) keeps the view, reset and PNG only.
 */
export function View3DPanel({ compact = false }: { compact?: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const { scene, error } = useLungScene(host, 'view3d', { kinds: MAIN_VIEW_KINDS, frameKind: 'lung', makeLod: coarseMesh, densityColors: meshDensityColors, labelColors: meshLabelColors });
  const hasMesh = useAppStore((s) => MAIN_VIEW_KINDS.some((k) => currentMeta(s, k) !== null));
  const series = useAppStore(selectedSeries);
  return (
    <Panel
      title="3D view"
      testId="view3d-panel"
      className="view3d-panel"
      actions={
        <>
          <button type="button" className="button" disabled={!scene || !hasMesh} onClick={() => scene?.resetCamera()} data-testid="view3d-reset" title="Front view, head up">
            Reset
          </button>
          <ExportPngButton scene={scene} what="3d view" disabled={!hasMesh} testId="view3d-png" />
        </>
      }
    >
      {compact ? null : <GeometryWarning series={series} testId="view3d-geometry-warning" className="view3d-geometry-warning" />}
      <div className="view3d-viewport" ref={host} data-testid="view3d-viewport">
        {compact ? <GeometryWarning series={series} variant="line" testId="view3d-geometry-warning" className="geometry-warning-overlay" /> : null}
        {error ? <div className="view3d-empty">{error}</div> : <EmptyOverlay />}
        <CornerNotes />
        <div className="view3d-corner view3d-corner-br" aria-hidden="true">
          drag: rotate · wheel: zoom · right-drag: pan
        </div>
      </div>
      {compact ? null : (
        <>
          <ViewOptions />
          <ul className="mesh-rows">
            {MAIN_VIEW_KINDS.map((k) => (
              <MeshRow key={k} kind={k} />
            ))}
          </ul>
          <MaskExportButtons />
        </>
      )}
    </Panel>
  );
}
