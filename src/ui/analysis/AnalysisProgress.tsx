import { ANALYSIS_STAGE_IDS, STAGE_LABELS, type AnalysisStageId } from '../../state/analysisState';
import { useAppStore } from '../../state/store';

const STATE_TEXT = { pending: 'waiting', running: '', done: '', error: 'failed', cancelled: 'cancelled' } as const;

function StageRow({ id }: { id: AnalysisStageId }) {
  const st = useAppStore((s) => s.analysis.stages[id]);
  const text =
    st.state === 'done' && st.ms !== null
      ? `${st.ms < 1000 ? `${Math.round(st.ms)} ms` : `${(st.ms / 1000).toFixed(1)} s`}`
      : st.state === 'running'
        ? `${Math.floor(st.fraction * 100)} %`
        : STATE_TEXT[st.state];
  return (
    <li className={`stage-row stage-${st.state}`} data-testid={`analysis-stage-${id}`} data-state={st.state}>
      <div className="stage-line">
        <span className="stage-name">{STAGE_LABELS[id]}</span>
        <span className="stage-state">{text}</span>
      </div>
      <progress max={1} value={st.state === 'done' ? 1 : st.fraction} aria-label={`${STAGE_LABELS[id]} progress`} />
      {st.state === 'running' && st.step ? <div className="stage-step">{st.step}</div> : null}
    </li>
  );
}

/** One progress bar per analysis stage, with its time when done. */
export function AnalysisProgress() {
  const phase = useAppStore((s) => s.analysis.phase);
  const error = useAppStore((s) => s.analysis.error);
  const total = useAppStore((s) =>
    s.analysis.startedAtMs !== null && s.analysis.finishedAtMs !== null ? s.analysis.finishedAtMs - s.analysis.startedAtMs : null,
  );
  if (phase === 'idle') return null;
  return (
    <div className="analysis-progress" data-testid="analysis-status" data-phase={phase} role="status">
      <ul className="stage-list">
        {ANALYSIS_STAGE_IDS.map((id) => (
          <StageRow key={id} id={id} />
        ))}
      </ul>
      {phase === 'done' && total !== null ? <div className="muted">All stages done in {(total / 1000).toFixed(1)} s.</div> : null}
      {phase === 'cancelled' ? <div className="stage-note-warn">Analysis cancelled. Press Run to start again.</div> : null}
      {phase === 'error' && error ? (
        <div className="stage-note-error" role="alert" data-testid="analysis-error">
          {error}
        </div>
      ) : null}
    </div>
  );
}
