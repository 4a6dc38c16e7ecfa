import { useEffect, useRef, useState, type RefObject } from 'react';
import { meshCache } from '../../state/meshCache';
import { appStore } from '../../state/store';
import { createLungScene, type LungScene, type LungSceneOptions } from '../../viewer3d/lungScene';
import { registerView } from '../../viewer3d/testHook';
import { bindLungScene, styleFromSettings, type BindLungSceneOptions, type LungSceneBinding } from './bindLungScene';

export interface UseLungSceneResult {
  /** The live scene (null before mount, when WebGL is unavailable, and after unmount). */
  scene: LungScene | null;
  /** Why there is no scene (WebGL missing), or null. */
  error: string | null;
}

/**
 * Mounts a lung scene in `container`: a fresh canvas (so a remount never
 * reuses a WebGL context that was disposed), sized by a ResizeObserver,
 * bound to the store, listed on the test hook under `name`; all of it is
 * undone on unmount. `bind` is read at mount, except `styleFor`, which may
 * change (the styles are applied again when it does).
 */
export function useLungScene(
  container: RefObject<HTMLDivElement | null>,
  name: string,
  bind: BindLungSceneOptions,
  options: LungSceneOptions = {},
): UseLungSceneResult {
  const [scene, setScene] = useState<LungScene | null>(null);
  const [error, setError] = useState<string | null>(null);
  const binding = useRef<LungSceneBinding | null>(null);
  // Options are read once, at mount.
  const bindRef = useRef(bind);
  const optionsRef = useRef(options);
  // The latest style function (it may change with the caller's state).
  const styleRef = useRef(bind.styleFor);

  useEffect(() => {
    const host = container.current;
    if (!host) return;
    const canvas = document.createElement('canvas');
    canvas.className = 'view3d-canvas';
    canvas.dataset.testid = `${name}-canvas`;
    canvas.setAttribute('aria-label', `${name} 3D view: drag to rotate, wheel to zoom, right-drag to pan`);
    canvas.tabIndex = 0;
    host.prepend(canvas);
    let s: LungScene;
    try {
      s = createLungScene(canvas, optionsRef.current);
    } catch (e) {
      canvas.remove();
      queueMicrotask(() => setError(`3D view unavailable: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const initial = bindRef.current;
    const b = bindLungScene(s, appStore, meshCache, {
      ...initial,
      styleFor: initial.styleFor ? (kind, v) => (styleRef.current ?? styleFromSettings)(kind, v) : undefined,
    });
    binding.current = b;
    const unregister = registerView(name, s);
    const ro = new ResizeObserver(() => {
      const r = host.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) s.resize(r.width, r.height, window.devicePixelRatio || 1);
    });
    ro.observe(host);
    queueMicrotask(() => setScene(s));
    return () => {
      ro.disconnect();
      unregister();
      b.unbind();
      binding.current = null;
      s.dispose();
      canvas.remove();
      setScene(null);
    };
  }, [container, name]);

  const styleFor = bind.styleFor;
  useEffect(() => {
    styleRef.current = styleFor;
    binding.current?.refresh();
  }, [styleFor]);

  return { scene, error };
}
