/**
 * Runs the phantom generator in a short-lived module worker (terminated when
 * done or cancelled), so building the demo scan never blocks the page.
 */
import * as Comlink from 'comlink';
import type { PhantomParams } from '../core/io/phantom';
import { CancelledError } from '../shared/cancel';
import type { DemoFile, PhantomWorkerApi } from './phantomApi';

export interface DemoJob {
  files: Promise<DemoFile[]>;
  cancel(): void;
}

export function startDemoFiles(params: PhantomParams): DemoJob {
  const worker = new Worker(new URL('./phantom.worker.ts', import.meta.url), { type: 'module', name: 'phantom' });
  const remote = Comlink.wrap<PhantomWorkerApi>(worker);
  let rejectOuter: (e: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    rejectOuter = reject;
    worker.addEventListener('error', (ev) => reject(new Error(`phantom worker failed: ${ev.message || 'could not start'}`)));
  });
  const files = Promise.race([remote.makeDemoFiles(params), stopped]).finally(() => {
    remote[Comlink.releaseProxy]();
    worker.terminate();
  });
  return {
    files,
    cancel() {
      worker.terminate();
      rejectOuter(new CancelledError());
    },
  };
}
