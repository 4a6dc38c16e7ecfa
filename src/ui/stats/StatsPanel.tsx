import type { MeshKind } from '../../state/meshCache';
import { selectedSeries, useAppStore } from '../../state/store';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import { Panel } from '../layout/Panel';
import { HuHistogram } from './HuHistogram';

export function formatMl(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(1)} mL`;
}

function Row({ label, value, testId, title }: { label: string; value: string; testId?: string; title?: string }) {
  return (
    <>
      <dt title={title}>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
}

const MESH_LABELS: Partial<Record<MeshKind, string>> = { lung: 'Lungs', internal: 'Vessels', gk: 'GK' };

function MeshStats() {
  const meshes = useAppStore((s) => s.meshes);
  const kinds = (['lung', 'internal', 'gk'] as const).filter((k) => meshes[k]);
  if (!kinds.length) return null;
  return (
    <div className="stats-block">
      <h3>Surfaces</h3>
      <table className="stats-table" data-testid="stats-meshes">
        <thead>
          <tr>
            <th />
            <th title="Triangles of the full-resolution surface">triangles</th>
            <th title="Surface area in square centimetres">cm²</th>
            <th title="Volume enclosed by the 3D surface, in mL (for the vessels and airway walls smaller than the voxel count above)">mL</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((k) => {
            const m = meshes[k]!;
            return (
              <tr key={k}>
                <th>{MESH_LABELS[k]}</th>
                <td title={`${m.triangles.toLocaleString('en-US')} triangles${m.decimated ? `, ${m.displayTriangles.toLocaleString('en-US')} drawn` : ''}`}>{m.triangles.toLocaleString('en-US')}</td>
                <td title="Surface area (cm²)">{(m.areaMm2 / 100).toFixed(0)}</td>
                <td title="Volume enclosed by the surface (mL)">{m.volumeMl.toFixed(1)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The analysis numbers (each with its unit and a tooltip saying what it is): lung volumes, the left/right/airway split, GK per slice, the lung HU histogram. */
export function StatsPanel() {
  const r = useAppStore((s) => (s.analysisResults && s.analysisResults.seriesId === s.selectedSeriesId ? s.analysisResults : null));
  const phase = useAppStore((s) => s.analysis.phase);
  const sliceCount = useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0);
  const numbers = useSliceNumbers('axial', sliceCount);
  if (!r || r.ml.fill === undefined) {
    return (
      <Panel title="Lung measurements" testId="stats-panel">
        <p className="muted" data-testid="stats-empty">
          {phase === 'running' ? 'Analysing…' : 'No analysis yet.'}
        </p>
      </Panel>
    );
  }
  const split = r.split;
  const untrusted = r.trust && !r.trust.geometryTrusted ? r.trust.reasons : [];
  return (
    <Panel title="Lung measurements" testId="stats-panel">
      {untrusted.length ? (
        <div className="stats-untrusted" role="alert" data-testid="stats-untrusted">
          <strong>These volumes cannot be trusted:</strong>
          <ul>
            {untrusted.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <dl className={`metadata stats-numbers${untrusted.length ? ' stats-numbers-untrusted' : ''}`}>
        <Row label="Lungs with vessels" value={formatMl(r.ml.fill)} testId="stats-lung-fill-ml" title="Lung volume (mL) including the vessels and airway walls inside the lungs (the tutorial's filled lung mask), voxels counted" />
        <Row label="Aerated lung only" value={formatMl(r.ml.noFill)} testId="stats-lung-nofill-ml" title="Volume (mL) of the air-filled lung tissue only (below the threshold), without the vessels and airway walls, voxels counted" />
        <Row
          label="Vessels and airway walls"
          value={formatMl(r.ml.internal)}
          testId="stats-internal-ml"
          title="Volume (mL) of the vessels and airway walls inside the lungs: lungs with vessels minus aerated lung, voxels counted. The 'Surfaces' table gives the volume inside their 3D surface, which is smaller (the surface runs through the middle of the boundary voxels)."
        />
        {r.measured?.lungMask === 'inclusive' ? (
          <Row
            label="Lungs incl. dense disease"
            value={formatMl(r.measured.ml)}
            testId="stats-inclusive-ml"
            title={`Volume (mL) of the aerated lung and the dense lung between it and the chest wall (consolidation, nodules, ground glass): ${r.measured.addedMl?.toFixed(1) ?? '–'} mL added. Airway included; right and left below exclude it.`}
          />
        ) : null}
        {split?.ok ? (
          <>
            <Row label="Right lung" value={formatMl(split.rightLungMl)} testId="stats-right-ml" title="Volume (mL) of the right lung, voxels counted" />
            <Row label="Left lung" value={formatMl(split.leftLungMl)} testId="stats-left-ml" title="Volume (mL) of the left lung, voxels counted" />
            <Row label="Airway" value={formatMl(split.airwayMl)} testId="stats-airway-ml" title="Volume (mL) of the air in the trachea and main bronchi, voxels counted" />
          </>
        ) : null}
      </dl>
      {split && !split.ok ? (
        <p className="stats-note" data-testid="stats-split-failed">
          Left / right split not possible: {split.reason}
        </p>
      ) : null}
      {split?.ok && split.notes.length ? (
        <p className="hint" data-testid="stats-split-notes" title={split.notes.join('\n')}>
          Right and left lung were separated automatically; {split.notes.join('; ')}.
        </p>
      ) : null}
      {r.measured?.notes.length ? (
        <p className="hint" data-testid="stats-inclusive-notes" title={r.measured.notes.join('\n')}>
          Right, left and airway are of the lungs with dense disease included. Unsure: {r.measured.notes[0]}
          {r.measured.notes.length > 1 ? ` (and ${r.measured.notes.length - 1} more, on hover)` : ''}
        </p>
      ) : null}
      {r.histogram ? (
        <div className="stats-block">
          <h3>
            Lung HU{' '}
            <span className="muted" title="Mean density of the lung voxels in Hounsfield units, and how many voxels were counted">
              (mean {Math.round(r.histogram.meanHu)} HU, {r.histogram.total.toLocaleString('en-US')} voxels)
            </span>
          </h3>
          <HuHistogram histogram={r.histogram} />
        </div>
      ) : null}
      {r.gk ? (
        <div className="stats-block" data-testid="stats-gk">
          <h3>
            GK structures{' '}
            <span className="muted" title="Volume (mL) of the structures Gustafson–Kessel clustering kept (the densest cluster), voxels counted">
              ({formatMl(r.gk.ml)})
            </span>
          </h3>
          <table className="stats-table">
            <thead>
              <tr>
                <th title="Slice number (slice 1 at the head), or all for the whole lung">slice</th>
                <th title="Pixels of the kept (densest) cluster on that slice">kept (px)</th>
                <th className="gk-centres" title="Centres of the clusters, in Hounsfield units">
                  cluster centres (HU)
                </th>
              </tr>
            </thead>
            <tbody>
              {[...r.gk.perSlice].sort((a, b) => numbers.number(a.z) - numbers.number(b.z)).map((p) => (
                <tr key={p.z}>
                  <th>{p.z < 0 ? 'all' : numbers.number(p.z)}</th>
                  <td title={`${p.keptPixels.toLocaleString('en-US')} pixels kept`}>{p.keptPixels.toLocaleString('en-US')}</td>
                  <td className="gk-centres">{[...p.centersHu].sort((a, b) => a - b).map((c) => Math.round(c)).join(' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MeshStats />
    </Panel>
  );
}
