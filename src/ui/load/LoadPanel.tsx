import { loadRunning, useAppStore } from '../../state/store';
import { Panel } from '../layout/Panel';
import { DropZone } from './DropZone';
import { LoadProgress } from './LoadProgress';
import { loadDemoScan, loadFileList } from './loadActions';


/** Drop zone, folder and file pickers, demo button and the progress of the current load. */
export function LoadPanel() {
  const busy = useAppStore((s) => loadRunning(s.load.phase));
  return (
    <Panel title="Load" testId="load-panel">
      <DropZone />
      <div className="button-row">
        <label className="button">
          Open folder…
          <input
            type="file"
            className="visually-hidden"
            data-testid="folder-input"
            multiple
            ref={(el) => {
              if (el) el.webkitdirectory = true;
            }}
            onChange={(ev) => {
              loadFileList(ev.currentTarget.files);
              ev.currentTarget.value = '';
            }}
          />
        </label>
        <label className="button">
          Open files…
          <input
            type="file"
            className="visually-hidden"
            data-testid="file-input"
            multiple
            onChange={(ev) => {
              loadFileList(ev.currentTarget.files);
              ev.currentTarget.value = '';
            }}
          />
        </label>
      </div>
      <button type="button" className="button button-wide" data-testid="demo-button" disabled={busy} onClick={loadDemoScan}>
        Load demo scan
      </button>
      <LoadProgress />
    </Panel>
  );
}
