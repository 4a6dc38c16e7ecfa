import type { MeshKind } from '../../state/meshCache';
import { useAppStore } from '../../state/store';
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

const MESH_LABELS: Partial<Record<MeshKind, string>> = { lung: 'Lungs', internal: 'Internal', gk: 'GK' };

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
            <th>triangles</th>
            <th>cm²</th>
            <th>mL</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map((k) => {
            const m = meshes[k]!;
            return (
              <tr key={k}>
                <th>{MESH_LABELS[k]}</th>
                <td title={m.decimated ? `${m.displayTriangles.toLocaleString('en-US')} drawn` : undefined}>{m.triangles.toLocaleString('en-US')}</td>
                <td>{(m.areaMm2 / 100).toFixed(0)}</td>
                <td>{m.volumeMl.toFixed(1)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The analysis numbers: lung volumes, the left/right/airway split, GK per slice, the lung HU histogram. */
export function StatsPanel() {
  const r = useAppStore((s) => (s.analysisResults && s.analysisResults.seriesId === s.selectedSeriesId ? s.analysisResults : null));
  const phase = useAppStore((s) => s.analysis.phase);
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
        <Row label="Lungs, filled" value={formatMl(r.ml.fill)} testId="stats-lung-fill-ml" title="Lung mask with enclosed vessels and airway walls filled" />
        <Row label="Lungs, not filled" value={formatMl(r.ml.noFill)} testId="stats-lung-nofill-ml" />
        <Row label="Internal structures" value={formatMl(r.ml.internal)} testId="stats-internal-ml" title="Filled minus not filled" />
        {r.measured?.lungMask === 'inclusive' ? (
          <Row
            label="Lungs incl. dense disease"
            value={formatMl(r.measured.ml)}
            testId="stats-inclusive-ml"
            title={`Aerated lung and the dense lung between it and the chest wall (consolidation, nodules, ground glass): ${r.measured.addedMl?.toFixed(1) ?? '–'} mL added. Airway included; right and left below exclude it.`}
          />
        ) : null}
        {split?.ok ? (
          <>
            <Row label="Right lung" value={formatMl(split.rightLungMl)} testId="stats-right-ml" />
            <Row label="Left lung" value={formatMl(split.leftLungMl)} testId="stats-left-ml" />
            <Row label="Airway" value={formatMl(split.airwayMl)} testId="stats-airway-ml" />
          </>
        ) : null}
      </dl>
      {split && !split.ok ? (
        <p className="stats-note" data-testid="stats-split-failed">
          Left / right split not possible: {split.reason}
        </p>
      ) : null}
      {split?.ok && split.notes.length ? <p className="hint">{split.notes.join(' ')}</p> : null}
      {r.measured?.notes.length ? (
        <p className="hint" data-testid="stats-inclusive-notes" title={r.measured.notes.join('\n')}>
          Right, left and airway are of the lungs with dense disease included. Unsure: {r.measured.notes[0]}
          {r.measured.notes.length > 1 ? ` (and ${r.measured.notes.length - 1} more, on hover)` : ''}
        </p>
      ) : null}
      {r.histogram ? (
        <div className="stats-block">
          <h3>
            Lung HU <span className="muted">(mean {Math.round(r.histogram.meanHu)} HU, {r.histogram.total.toLocaleString('en-US')} voxels)</span>
          </h3>
          <HuHistogram histogram={r.histogram} />
        </div>
      ) : null}
      {r.gk ? (
        <div className="stats-block" data-testid="stats-gk">
          <h3>
            GK structures <span className="muted">({formatMl(r.gk.ml)})</span>
          </h3>
          <table className="stats-table">
            <thead>
              <tr>
                <th>slice</th>
                <th>kept</th>
                <th className="gk-centres">cluster centres (HU)</th>
              </tr>
            </thead>
            <tbody>
              {r.gk.perSlice.map((p) => (
                <tr key={p.z}>
                  <th>{p.z < 0 ? 'all' : p.z + 1}</th>
                  <td>{p.keptPixels.toLocaleString('en-US')}</td>
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
