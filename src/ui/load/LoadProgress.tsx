import { loadRunning, useAppStore } from '../../state/store';
import { formatBytes, formatPercent, plural } from '../format';
import { cancelLoad, retryLoad } from './loadActions';

const PHASE_TEXT: Record<string, string> = {
  collecting: 'Collecting files…',
  parsing: 'Reading DICOM headers…',
  assembling: 'Building volumes…',
  streaming: 'Reading slices…',
  done: 'Loaded',
  cancelled: 'Cancelled',
  error: 'Failed',
};

/** Files and bytes done (then slices, while they stream in), a bar, Cancel while a load runs, Retry after it failed. */
export function LoadProgress() {
  const load = useAppStore((s) => s.load);
  if (load.phase === 'idle') return null;
  const running = loadRunning(load.phase);
  const streaming = load.phase === 'streaming';
  const seconds =
    load.startedAtMs !== null && load.finishedAtMs !== null ? ((load.finishedAtMs - load.startedAtMs) / 1000).toFixed(1) : null;
  const fraction = streaming
    ? (load.slicesTotal > 0 ? load.slicesDone / load.slicesTotal : 0)
    : load.bytesTotal > 0 ? load.bytesDone / load.bytesTotal : load.filesTotal > 0 ? load.filesDone / load.filesTotal : 0;
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
            {streaming ? (
              <span data-testid="stream-counts">
                {load.slicesDone} / {plural(load.slicesTotal, 'slice')} · {formatPercent(load.slicesDone, load.slicesTotal)} · scroll while they arrive
              </span>
            ) : (
              <>
                {load.filesDone} / {plural(load.filesTotal, 'file')} · {formatBytes(load.bytesDone)} / {formatBytes(load.bytesTotal)}
                {running ? ` · ${formatPercent(load.bytesDone, load.bytesTotal)}` : ''}
              </>
            )}
            {seconds !== null && load.phase === 'done' ? ` · ${seconds} s` : ''}
          </div>
        </>
      ) : null}
      {running ? (
        <button type="button" className="button button-danger" data-testid="cancel-button" onClick={cancelLoad}>
          Cancel
        </button>
      ) : null}
      {load.phase === 'error' || load.phase === 'cancelled' ? (
        <button type="button" className="button" data-testid="retry-button" onClick={retryLoad}>
          {load.phase === 'error' ? 'Retry' : 'Load again'}
        </button>
      ) : null}
    </div>
  );
}
