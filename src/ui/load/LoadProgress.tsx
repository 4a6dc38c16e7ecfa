import { useAppStore } from '../../state/store';
import { formatBytes, formatPercent, plural } from '../format';
import { cancelLoad } from './loadActions';

const PHASE_TEXT: Record<string, string> = {
  collecting: 'Collecting files…',
  parsing: 'Reading DICOM files…',
  assembling: 'Building volumes…',
  done: 'Loaded',
  cancelled: 'Cancelled',
  error: 'Failed',
};

/** Files and bytes done, a bar, and Cancel while a load runs. */
export function LoadProgress() {
  const load = useAppStore((s) => s.load);
  if (load.phase === 'idle') return null;
  const running = load.phase === 'collecting' || load.phase === 'parsing' || load.phase === 'assembling';
  const seconds =
    load.startedAtMs !== null && load.finishedAtMs !== null ? ((load.finishedAtMs - load.startedAtMs) / 1000).toFixed(1) : null;
  const fraction = load.bytesTotal > 0 ? load.bytesDone / load.bytesTotal : load.filesTotal > 0 ? load.filesDone / load.filesTotal : 0;
  return (
    <div className={`load-progress phase-${load.phase}`} data-testid="load-progress" data-phase={load.phase} role="status">
      <div className="load-progress-line">
        <span className="load-phase">{PHASE_TEXT[load.phase]}</span>
        <span className="load-source" title={load.source}>
          {load.source}
        </span>
      </div>
      {load.phase !== 'collecting' ? (
        <>
          <progress max={1} value={running ? fraction : load.phase === 'done' ? 1 : fraction} />
          <div className="load-progress-numbers" data-testid="load-counts">
            {load.filesDone} / {plural(load.filesTotal, 'file')} · {formatBytes(load.bytesDone)} / {formatBytes(load.bytesTotal)}
            {running ? ` · ${formatPercent(load.bytesDone, load.bytesTotal)}` : ''}
            {seconds !== null && load.phase === 'done' ? ` · ${seconds} s` : ''}
          </div>
        </>
      ) : null}
      {running ? (
        <button type="button" className="button button-danger" data-testid="cancel-button" onClick={cancelLoad}>
          Cancel
        </button>
      ) : null}
    </div>
  );
}
