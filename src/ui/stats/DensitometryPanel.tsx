import { useState } from 'react';
import type { DensitometryMeasures, DensitometryResult } from '../../core/analysis/densitometry';
import { useAppStore } from '../../state/store';
import { exportReport, type ReportFormat } from '../export/reportExports';
import { Panel } from '../layout/Panel';

const SETS: [string, string, (d: DensitometryResult) => DensitometryMeasures][] = [
  ['Both lungs', 'whole', (d) => d.whole],
  ['Right', 'right', (d) => d.right],
  ['Left', 'left', (d) => d.left],
  ['R upper ⅓', 'rightUpper', (d) => d.regions.rightUpper],
  ['R middle ⅓', 'rightMiddle', (d) => d.regions.rightMiddle],
  ['R lower ⅓', 'rightLower', (d) => d.regions.rightLower],
  ['L upper ⅓', 'leftUpper', (d) => d.regions.leftUpper],
  ['L middle ⅓', 'leftMiddle', (d) => d.regions.leftMiddle],
  ['L lower ⅓', 'leftLower', (d) => d.regions.leftLower],
  ['R ventral ½', 'rightVentral', (d) => d.regions.rightVentral],
  ['R dorsal ½', 'rightDorsal', (d) => d.regions.rightDorsal],
  ['L ventral ½', 'leftVentral', (d) => d.regions.leftVentral],
  ['L dorsal ½', 'leftDorsal', (d) => d.regions.leftDorsal],
];

const MASK_WORDS: Record<string, string> = {
  'lungs-inclusive': 'the lungs with dense disease included',
  'lung-fill': "the tutorial's lung mask (structures filled)",
  'lung-nofill': "the tutorial's aerated lung mask",
};

function n(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** Densitometry per lung and region, its quality checks, and the report downloads. */
export function DensitometryPanel() {
  const r = useAppStore((s) => (s.analysisResults && s.analysisResults.seriesId === s.selectedSeriesId ? s.analysisResults : null));
  const [error, setError] = useState<string | null>(null);
  if (!r || (r.densitometry === undefined && !r.densitometryNote)) return null;
  const d = r.densitometry;
  const download = async (format: ReportFormat) => {
    setError(null);
    try {
      if (!(await exportReport(format))) setError('No densitometry to report yet.');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <Panel title="Densitometry" testId="densitometry-panel">
      {!d ? (
        <p className="stats-note" data-testid="densitometry-note">{r.densitometryNote}</p>
      ) : (
        <>
          <p className="hint">
            LAA and HAA in % of voxels, Perc15 and mean in HU.
            On {MASK_WORDS[d.lungMask] ?? d.lungMask}, split into right and left (airway excluded). LAA: % of voxels at or below the
            threshold; Perc15: the HU below which 15 % of voxels lie. Regions are thirds of each lung&apos;s height and halves of its front–back depth.
          </p>
          {d.qa.length ? (
            <ul className="densitometry-qa" data-testid="densitometry-qa">
              {d.qa.map((q) => (
                <li key={q.code} className={q.level} title={q.why}>
                  {q.message}
                </li>
              ))}
            </ul>
          ) : null}
          <table className="stats-table densitometry-table" data-testid="densitometry-table">
            <thead>
              <tr>
                <th />
                <th title="Volume of the set (mL)">mL</th>
                <th title="% of voxels ≤ −950 HU">LAA−950</th>
                <th title="% of voxels ≥ −700 HU">HAA−700</th>
                <th title="15th percentile of HU">Perc15</th>
                <th title="Mean HU">mean</th>
              </tr>
            </thead>
            <tbody>
              {SETS.map(([label, key, pick]) => {
                const m = pick(d);
                return (
                  <tr key={key} data-testid={`densitometry-${key}`}>
                    <th>{label}</th>
                    <td>{n(m.volumeMl, 0)}</td>
                    <td>{n(m.laa950, 1)}</td>
                    <td>{n(m.haa700, 1)}</td>
                    <td>{n(m.perc15, 0)}</td>
                    <td>{n(m.meanHu, 0)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <table className="stats-table" data-testid="densitometry-classes">
            <thead>
              <tr>
                <th>HU class (both lungs)</th>
                <th>mL</th>
                <th>%</th>
              </tr>
            </thead>
            <tbody>
              {d.classes.whole.classes.map((c) => (
                <tr key={c.name}>
                  <th title={`${c.loHu} < HU ≤ ${c.hiHu}`}>{c.name}</th>
                  <td>{n(c.volumeMl, 0)}</td>
                  <td>{n(c.percent, 1)}</td>
                </tr>
              ))}
              <tr>
                <th title="Inflated lung">functional</th>
                <td />
                <td>{n(d.classes.whole.functionalPercent, 1)}</td>
              </tr>
              <tr>
                <th title="Infiltrated + collapsed lung">affected</th>
                <td />
                <td>{n(d.classes.whole.affectedPercent, 1)}</td>
              </tr>
            </tbody>
          </table>
          <div className="export-buttons" role="group" aria-label="Download the densitometry report">
            <span className="muted">Report</span>
            {(['json', 'csv', 'html'] as const).map((f) => (
              <button key={f} type="button" className="button button-small" data-testid={`report-${f}`} onClick={() => void download(f)}>
                {f === 'html' ? 'Printable page' : f.toUpperCase()}
              </button>
            ))}
          </div>
          {error ? <p className="stats-note">{error}</p> : null}
        </>
      )}
    </Panel>
  );
}
