/**
 * What the load controls do: hand dropped items, picked files or the demo
 * scan to the ingest job. Event handlers call these; no React here.
 */
import { appAnalysis } from '../../state/appAnalysis';
import { appIngest } from '../../state/appIngest';
import { maskCache } from '../../state/maskCache';
import { clearImports } from '../../state/maskImports';
import { meshCache } from '../../state/meshCache';
import { appStore } from '../../state/store';
import { startDemoFiles } from '../../state/services';
import { collectFromFileList, describeItems, takeDroppedItems, toCollectedInputs } from '../folderWalk';

/** performance.mark name set when a load starts (drop, pick or demo). */
const LOAD_START_MARK = 'lungview:load-start';

function markStart(): void {
  performance.clearMarks(LOAD_START_MARK);
  performance.mark(LOAD_START_MARK);
}

/** Must be called from inside the drop event handler (the items vanish afterwards). */
export function loadDataTransfer(dt: DataTransfer): void {
  const taken = takeDroppedItems(dt);
  if (taken.names.length === 0) return;
  markStart();
  void appIngest.run(describeItems(taken.names), async () => toCollectedInputs(await taken.walk()));
}

/** Files from the folder or file picker. */
export function loadFileList(list: FileList | null): void {
  if (!list || list.length === 0) return;
  const files = Array.from(list);
  const first = files[0].webkitRelativePath.split('/')[0];
  const label = first ? first : describeItems(files.map((f) => f.name));
  markStart();
  void appIngest.run(label, () => toCollectedInputs(collectFromFileList(files)));
}

/** Builds the synthetic chest CT in a worker and loads it like dropped files, in place of what is loaded. */
export function loadDemoScan(): void {
  markStart();
  void appIngest.run('demo scan', async (signal) => {
    const job = startDemoFiles({ size: 512, slices: 120, thicknessMm: 2.5, seed: 1 });
    const onAbort = () => job.cancel();
    signal.addEventListener('abort', onAbort);
    try {
      const files = await job.files;
      return { inputs: files.map((f) => ({ path: `demo/${f.name}`, source: f.bytes })), skipped: [] };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }, { replace: true });
}

export function cancelLoad(): void {
  appIngest.cancel();
}

/** Runs the last load again (after it failed or was cancelled), without reloading the page. */
export function retryLoad(): void {
  markStart();
  void appIngest.retry();
}

/** Empties the session: stops the load and the analysis, lets every volume, mask and mesh go. */
export function clearSession(): void {
  appAnalysis.cancel();
  appIngest.clear();
  maskCache.clear();
  meshCache.clear();
  clearImports();
}

/** Unfolds the list of skipped files and brings it into view. */
export function showSkippedFiles(): void {
  appStore.getState().setSkippedOpen(true);
  requestAnimationFrame(() => {
    const el = document.querySelector('[data-testid=skipped-files]');
    el?.scrollIntoView({ block: 'start' });
    el?.querySelector('summary')?.focus();
  });
}
