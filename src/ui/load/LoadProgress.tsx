import { loadRunning, useAppStore } from '../../state/store';
import { formatBytes, formatPercent, plural } from '../format';
import { cancelLoad, clearSession, retryLoad, showSkippedFiles } from './loadActions';
import './load.css';

const PHASE_TEXT: Record<string, string> = {
  collecting: 'Collecting files…',
  parsing: 'Reading DICOM headers…',
  assembling: 'Building volumes…',
  streaming: 'Reading slices…',
  done: 'Loaded',
  cancelled: 'Cancelled',
  error: 'Failed',
};

/**
 * Files and bytes done (then slices, while they stream in), a bar, Cancel
 * while a load runs, Retry after it failed; once done, how many files were
 * skipped (opening their list) and Clear. A load adding to the open series
 * shows its own progress here while they stay on screen.
 */
export function LoadProgress() {
  const adding = useAppStore((s) => s.adding);
  const session = useAppStore((s) => s.load);
  const seriesCount = useAppStore((s) => s.series.length);
  const skippedCount = useAppStore((s) => s.skipped.length);
  const load = adding ?? session;
  if (load.phase === 'idle' && seriesCount === 0) return null;
  const running = loadRunning(load.phase);
  const streaming = load.phase === 'streaming';
  const seconds =
    load.startedAtMs !== null && load.finishedAtMs !== null ? ((load.finishedAtMs - load.startedAtMs) / 1000).toFixed(1) : null;
  const fraction = streaming
    ? (load.slicesTotal > 0 ? load.slicesDone / load.slicesTotal : 0)
    : load.bytesTotal > 0 ? load.bytesDone / load.bytesTotal : load.filesTotal > 0 ? load.filesDone / load.filesTotal : 0;
  return (
    <div
      className={`load-progress phase-${load.phase}`}
      data-testid="load-progress"
      data-phase={load.phase}
      data-adding={adding ? 'true' : undefined}
      role="status"
    >
      <div className="load-progress-line">
        <span className="load-phase">{adding ? 'Adding' : PHASE_TEXT[load.phase]}</span>
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
      {adding ? (
        <div className="load-note" data-testid="adding-note">
          {PHASE_TEXT[load.phase]}{' '}
          {seriesCount === 1 ? 'The loaded series stays open meanwhile.' : `The ${seriesCount} loaded series stay open meanwhile.`}
        </div>
      ) : null}
      {!running && (seriesCount > 0 || skippedCount > 0) ? (
        <div className="load-session">
          <span data-testid="session-counts">
            {plural(seriesCount, 'series', 'series')} open
          </span>
          {skippedCount > 0 ? (
            <>
              {' · '}
              <button type="button" className="link-button" data-testid="skipped-link" onClick={showSkippedFiles}>
                {plural(skippedCount, 'file')} skipped
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      <div className="load-actions">
        {running ? (
          <button type="button" className="button button-danger" data-testid="cancel-button" onClick={cancelLoad}>
            Cancel
          </button>
        ) : null}
        {!running && (load.phase === 'error' || load.phase === 'cancelled') ? (
          <button type="button" className="button" data-testid="retry-button" onClick={retryLoad}>
            {load.phase === 'error' ? 'Retry' : 'Load again'}
          </button>
        ) : null}
        {!running ? (
          <button
            type="button"
            className="button"
            data-testid="clear-button"
            title="Close every loaded series and forget the skipped files"
            onClick={clearSession}
          >
            Clear
          </button>
        ) : null}
      </div>
    </div>
  );
}
