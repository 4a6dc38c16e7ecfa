import type { ReactNode } from 'react';
import { analysisParamProblems } from '../../state/analysisState';
import { appAnalysis } from '../../state/appAnalysis';
import { selectedSeries, useAppStore } from '../../state/store';
import { Panel } from '../layout/Panel';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import { AnalysisProgress } from './AnalysisProgress';

function Field(props: { label: string; title?: string; children: ReactNode }) {
  return (
    <label className="param-field" title={props.title}>
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

function NumberInput(props: { value: number; testId: string; step?: number | 'any'; min?: number; max?: number; onChange(v: number): void }) {
  return (
    <input
      type="number"
      value={props.value}
      step={props.step ?? 1}
      min={props.min}
      max={props.max}
      data-testid={props.testId}
      onChange={(e) => {
        const v = e.currentTarget.valueAsNumber;
        if (Number.isFinite(v)) props.onChange(v);
      }}
    />
  );
}

/** Parameters of the analysis, Run / Cancel, and the progress of every stage. */
export function AnalysisPanel() {
  const p = useAppStore((s) => s.analysisParams);
  const set = useAppStore((s) => s.setAnalysisParams);
  const running = useAppStore((s) => s.analysis.phase === 'running');
  const series = useAppStore(selectedSeries);
  const ready = useAppStore((s) => s.load.phase === 'done' && s.selectedSeriesId !== null);
  const sliceZ = useAppStore((s) => s.sliceZ);
  const problems = analysisParamProblems(p);
  const count = 2 * p.gk.halfSlices + 1;
  const numbers = useSliceNumbers('axial', series?.sliceCount ?? 0);
  return (
    <Panel
      title="Analysis"
      testId="analysis-panel"
      actions={
        running ? (
          <button type="button" className="button button-danger" data-testid="analysis-cancel" onClick={() => appAnalysis.cancel()}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="button active"
            data-testid="analysis-run"
            disabled={!ready || problems.length > 0}
            title={problems.length ? problems.join(' ') : 'Analyse the open series with these parameters'}
            onClick={() => void appAnalysis.run()}
          >
            Run
          </button>
        )
      }
    >
      <AnalysisProgress />
      {series && series.modality !== 'CT' ? (
        <p className="hint" data-testid="analysis-not-ct">
          This is a {series.modality || 'non-CT'} series: the analysis expects CT values (HU) and does not start by itself. Press Run to try anyway.
        </p>
      ) : null}
      <div className="param-grid">
        <Field label="Lungs measured" title="The lung mask the volumes per lung, the densitometry and the 3D lungs use">
          <select value={p.lungMask} data-testid="analysis-lung-mask" onChange={(e) => set({ lungMask: e.currentTarget.value as typeof p.lungMask })}>
            <option value="inclusive">lungs, dense disease included</option>
            <option value="fill">lungs, aerated (tutorial, structures filled)</option>
            <option value="nofill">lungs, aerated only (tutorial)</option>
          </select>
        </Field>
        {p.lungMask === 'inclusive' ? (
          <Field label="Pleural effusion" title="Fluid outside the lung, next to the chest wall: not lung tissue, so left out by default">
            <select value={p.effusion} data-testid="analysis-effusion" onChange={(e) => set({ effusion: e.currentTarget.value as typeof p.effusion })}>
              <option value="exclude">left out</option>
              <option value="include">counted as lung</option>
            </select>
          </Field>
        ) : null}
        <Field label="Threshold (HU)" title="Air is below this, body at or above it">
          <NumberInput value={p.thresholdHu} testId="analysis-threshold" onChange={(v) => set({ thresholdHu: v })} />
        </Field>
        <Field label="Outside air" title="Which air counts as outside the patient">
          <select value={p.background} data-testid="analysis-background" onChange={(e) => set({ background: e.currentTarget.value as typeof p.background })}>
            <option value="border">touching the border</option>
            <option value="corner">corner voxel (tutorial)</option>
          </select>
        </Field>
        <Field label="GK on">
          <select value={p.gk.scope} data-testid="analysis-gk-scope" onChange={(e) => set({ gk: { scope: e.currentTarget.value as typeof p.gk.scope } })}>
            <option value="volume">the whole lung (default)</option>
            <option value="slices">{count} slices around the current one (tutorial)</option>
          </select>
        </Field>
        {p.gk.scope === 'slices' ? (
          <Field label="Slices each side" title={`Centred on the slice shown when Run is pressed (now ${series ? `${numbers.number(sliceZ)} of ${series.sliceCount}` : sliceZ + 1})`}>
            <NumberInput value={p.gk.halfSlices} min={0} max={50} testId="analysis-gk-half" onChange={(v) => set({ gk: { halfSlices: v } })} />
          </Field>
        ) : null}
      </div>
      <details className="param-more">
        <summary>More parameters</summary>
        <div className="param-grid">
          <Field label="GK clusters">
            <NumberInput value={p.gk.clusters} min={2} max={20} testId="analysis-gk-clusters" onChange={(v) => set({ gk: { clusters: v } })} />
          </Field>
          <Field label="GK fuzziness m">
            <NumberInput value={p.gk.m} step={0.1} min={1.1} testId="analysis-gk-m" onChange={(v) => set({ gk: { m: v } })} />
          </Field>
          <Field label="GK max iterations">
            <NumberInput value={p.gk.maxIter} min={1} testId="analysis-gk-maxiter" onChange={(v) => set({ gk: { maxIter: v } })} />
          </Field>
          <Field label="GK stop error">
            <NumberInput value={p.gk.error} step="any" min={0} testId="analysis-gk-error" onChange={(v) => set({ gk: { error: v } })} />
          </Field>
          <Field label="GK seed">
            <NumberInput value={p.gk.seed} min={0} testId="analysis-gk-seed" onChange={(v) => set({ gk: { seed: v } })} />
          </Field>
          <Field label="Mesh step (voxels)" title="Marching cubes on every n-th voxel">
            <NumberInput value={p.mesh.stepSize} min={1} max={8} testId="analysis-mesh-step" onChange={(v) => set({ mesh: { stepSize: v } })} />
          </Field>
          <Field label="Smoothing iterations" title="Taubin smoothing of the surfaces (0 = none)">
            <NumberInput value={p.mesh.smoothIterations} min={0} max={200} testId="analysis-mesh-smooth" onChange={(v) => set({ mesh: { smoothIterations: v } })} />
          </Field>
          <Field label="Display triangles" title="Larger surfaces are simplified for drawing; exports keep every triangle">
            <NumberInput value={p.mesh.maxDisplayTriangles} step={10000} min={1000} testId="analysis-mesh-maxtri" onChange={(v) => set({ mesh: { maxDisplayTriangles: v } })} />
          </Field>
        </div>
      </details>
      {problems.length ? (
        <ul className="param-problems" data-testid="analysis-param-problems">
          {problems.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      ) : null}
    </Panel>
  );
}
