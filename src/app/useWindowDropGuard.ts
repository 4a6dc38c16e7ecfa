import { useEffect } from 'react';
import { loadDataTransfer } from '../ui/load/loadActions';

/**
 * A drop outside the drop zones loads too, instead of the browser navigating
 * away to the dropped file. Drops already handled by a zone are left alone.
 */
export function useWindowDropGuard(): void {
  useEffect(() => {
    const onDragOver = (ev: DragEvent) => {
      if (ev.dataTransfer && Array.from(ev.dataTransfer.types).includes('Files')) ev.preventDefault();
    };
    const onDrop = (ev: DragEvent) => {
      if (ev.defaultPrevented || !ev.dataTransfer) return;
      ev.preventDefault();
      loadDataTransfer(ev.dataTransfer);
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}
