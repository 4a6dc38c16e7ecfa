import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import type { ComparisonRow } from '../../core/analysis/compareSegmentations';
import {
  compareImports,
  importMaskFiles,
  importsOfSeries,
  maskImportStore,
  removeImport,
  setImportOpacity,
  setSegmentVisible,
  type MaskImport,
} from '../../state/maskImports';
import { useAppStore } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { Panel } from '../layout/Panel';
import './compare.css';

/** Short row labels: the right column is narrow. */
const SHORT: Record<ComparisonRow['structure'], string> = { rightLung: 'Right', leftLung: 'Left', lung: 'Lungs', airway: 'Airway', internal: 'Internal', gk: 'GK' };

const num = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const signed = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(digits)}`);

/** One row: Dice, volume difference (mL, %), largest and mean symmetric surface distance (mm); the raw numbers in data attributes. */
function CompareRow({ row }: { row: ComparisonRow }) {
  const r = row.result;
  return (
    <tr
      data-testid={`compare-row-${row.structure}`}
      data-dice={r.dice}
      data-volume-diff-ml={r.volumeDiffMl}
      data-volume-diff-pct={r.volumeDiffPct ?? ''}
      data-hausdorff-mm={r.hausdorffMm ?? ''}
      data-mean-mm={r.meanSurfaceMm ?? ''}
      title={`lungview: ${row.ours} (${r.volumeAMl.toFixed(1)} mL) · imported: ${row.theirs} (${r.volumeBMl.toFixed(1)} mL)`}
    >
      <th>{SHORT[row.structure]}</th>
      <td>{num(r.dice, 3)}</td>
      <td>
        {signed(r.volumeDiffMl, 1)}
        <span className="compare-pct">{signed(r.volumeDiffPct, 1)} %</span>
      </td>
      <td>{num(r.hausdorffMm, 1)}</td>
      <td>{num(r.meanSurfaceMm, 2)}</td>
    </tr>
  );
}

function Comparison({ m }: { m: MaskImport }) {
  const phase = useAppStore((s) => s.analysis.phase);
  const c = m.comparison;
  if (m.comparing) return <p className="muted" data-testid="compare-running">Comparing with lungview's masks…</p>;
  if (!c) return <p className="muted">{phase === 'running' ? 'Compared with lungview’s masks when the analysis is done.' : 'Run the analysis to compare with lungview’s masks.'}</p>;
  if ('error' in c) return <p className="import-refused" role="alert">Comparison failed: {c.error}</p>;
  if (!c.result.rows.length) return <p className="muted" data-testid="compare-none">No segment matches one of lungview's structures (by SNOMED code or name).</p>;
  return (
    <>
      <div className="compare-scroll">
        <table className="stats-table compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th className="compare-names" title="lungview's structure and the imported segment(s) matched to it (hover a row)">vs lungview</th>
              <th title="Dice coefficient 2|A∩B|/(|A|+|B|)">Dice</th>
              <th title="Imported minus lungview: mL, and % of lungview's">ΔV mL</th>
              <th title="Largest symmetric surface distance (Hausdorff), mm">HD</th>
              <th title="Mean symmetric surface distance, mm">MSD</th>
            </tr>
          </thead>
          <tbody>
            {c.result.rows.map((r) => (
              <CompareRow key={r.structure} row={r} />
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted compare-legend">ΔV: imported − lungview. HD: largest, MSD: mean symmetric surface distance (mm).</p>
      {c.result.unmatched.length ? <p className="muted">Not matched: {c.result.unmatched.join(', ')}</p> : null}
    </>
  );
}

function ImportEntry({ m, voxelMl }: { m: MaskImport; voxelMl: number }) {
  return (
    <div className="import-entry" data-testid="import-entry" data-file={m.fileName}>
      <div className="import-title">
        <strong>{m.fileName.replace(/^.*\//, '')}</strong>
        <button type="button" className="button button-small" onClick={() => removeImport(m.id)} title="Remove this segmentation">
          Remove
        </button>
      </div>
      <div className="muted">
        {m.format}: {m.note}
      </div>
      <ul className="import-segments">
        {m.segments.map((s, k) => (
          <li key={k} data-testid="import-segment" data-name={s.name} data-voxels={s.voxels}>
            <input type="checkbox" checked={s.visible} aria-label={`Show ${s.name}`} onChange={(e) => setSegmentVisible(m.id, k, e.currentTarget.checked)} />
            <span className="import-swatch" style={{ background: s.color }} aria-hidden="true" />
            <span>{s.name}</span>
            <span className="import-voxels">{(s.voxels * voxelMl).toFixed(1)} mL</span>
          </li>
        ))}
      </ul>
      <label className="number-field">
        <span>Opacity</span>
        <input type="range" min={0} max={1} step={0.05} value={m.opacity} onChange={(e) => setImportOpacity(m.id, e.currentTarget.valueAsNumber)} />
      </label>
      <Comparison m={m} />
    </div>
  );
}

/**
 * Segmentations read onto the selected series (a DICOM SEG or NIfTI label
 * map dropped with the CT or onto it, or opened here): their segments,
 * drawn over the slice views, and their comparison with lungview's masks;
 * refused files with the reason.
 */
export function ImportedMasksPanel() {
  const seriesId = useAppStore((s) => s.selectedSeriesId);
  const runId = useAppStore((s) => s.analysisResults?.runId ?? null);
  const imports = useStore(maskImportStore, (s) => s.imports);
  const refused = useStore(maskImportStore, (s) => s.refused);
  const reading = useStore(maskImportStore, (s) => s.reading);
  const input = useRef<HTMLInputElement>(null);
  const shown = importsOfSeries({ imports, refused, reading }, seriesId);
  useEffect(() => {
    if (shown.length) void compareImports();
  }, [seriesId, runId, shown.length]);
  if (!seriesId) return null;
  const volume = volumeCache.get(seriesId);
  const voxelMl = volume ? (volume.spacingMmXyz[0] * volume.spacingMmXyz[1] * volume.spacingMmXyz[2]) / 1000 : 0;
  return (
    <Panel
      title="Imported segmentations"
      testId="imports-panel"
      actions={
        <button type="button" className="button button-small" onClick={() => input.current?.click()} title="Open a DICOM SEG or NIfTI label map of this series (or drop it on the page)">
          Open…
        </button>
      }
    >
      <input
        ref={input}
        type="file"
        hidden
        multiple
        accept=".dcm,.nii,.gz,application/dicom"
        data-testid="import-file-input"
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          void importMaskFiles(files.map((f) => ({ name: f.name, source: f })));
        }}
      />
      {reading ? <p className="muted">Reading…</p> : null}
      {shown.length === 0 && !reading ? <p className="muted">Drop a DICOM SEG or a NIfTI label map of this CT to see it here and compare it with lungview's masks.</p> : null}
      {shown.map((m) => (
        <ImportEntry key={m.id} m={m} voxelMl={voxelMl} />
      ))}
      {refused.map((r, k) => (
        <p key={k} className="import-refused" role="alert" data-testid="import-refused">
          {r.fileName.replace(/^.*\//, '')} not loaded: {r.reason}
        </p>
      ))}
    </Panel>
  );
}
