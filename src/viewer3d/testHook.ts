/**
 * A read-only window onto the live 3D views for browser tests and the
 * benchmark harness: `window.__lungview3d.views.main.info()`,
 * `.measureFrameMs(20)`, `.render()`. It holds the views that are mounted
 * now and nothing else (no store, no data).
 *
 * Only builds made with `vite build --mode e2e` (npm run test:e2e and
 * bench:browser) have it: in any other build the condition below is a
 * constant false and the minifier drops the hook, name and all.
 */
import type { LungScene } from './lungScene';

export interface View3dTestHook {
  views: Record<string, LungScene>;
}

declare global {
  interface Window {
    __lungview3d?: View3dTestHook;
  }
}

/** Lists a mounted view under `name`; returns the function that removes it again. */
export function registerView(name: string, view: LungScene): () => void {
  if (import.meta.env.MODE !== 'e2e' || typeof window === 'undefined') return () => undefined;
  const hook = (window.__lungview3d ??= { views: {} });
  hook.views[name] = view;
  return () => {
    if (hook.views[name] === view) delete hook.views[name];
  };
}
