import type { ReactNode } from 'react';
import { SliceViewport } from './SliceViewport';

/** Axial, coronal and sagittal views with the linked crosshair, and a fourth cell (the 3D view). */
export function MprGrid({ fourth }: { fourth: ReactNode }) {
  return (
    <div className="mpr-grid" data-testid="mpr-grid">
      <SliceViewport axis="axial" compact />
      <SliceViewport axis="coronal" compact />
      <SliceViewport axis="sagittal" compact />
      <div className="mpr-cell-3d">{fourth}</div>
    </div>
  );
}
