import { useEffect } from 'react';
import { appStore } from '../state/store';
import { volumeCache } from '../state/volumeCache';
import { handleViewerKey } from '../ui/viewer/keyboard';

/** The page's keyboard shortcuts (see ui/viewer/keyboard.ts), bound once. */
export function useKeyboardShortcuts(): void {
  useEffect(() => {
    const onKeyDown = (ev: KeyboardEvent) => {
      if (handleViewerKey(ev, appStore, volumeCache)) ev.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
