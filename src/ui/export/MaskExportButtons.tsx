import { useState } from 'react';
import { MASK_KINDS, type MaskKind } from '../../state/maskCache';
import { appStore, useAppStore } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { analysisMask } from '../view3d/cropActions';
import { MASK_LABELS, exportMaskNifti, maskOnGrid } from './meshExports';
import { SegExportButton } from './SegExportButton';

const SHORT: Record<MaskKind, string> = { measured: 'Lungs measured', right: 'Right lung', left: 'Left lung', airway: 'Airway', fill: 'Lungs with vessels', noFill: 'Aerated lung', internal: 'Vessels and airway walls', gk: 'GK' };

/** NIfTI (.nii.gz) downloads of the analysis masks of the selected series that exist so far. */
export function MaskExportButtons() {
  const available = useAppStore((s) => MASK_KINDS.filter((k) => analysisMask(s, k) !== undefined).join(','));
  const seriesId = useAppStore((s) => s.selectedSeriesId);
  const [busy, setBusy] = useState<MaskKind | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!available) return null;
  const run = async (kind: MaskKind) => {
    const volume = volumeCache.get(seriesId);
    const mask = analysisMask(appStore.getState(), kind);
    if (!volume || !mask) return;
    setBusy(kind);
    setError(null);
    try {
      await exportMaskNifti(maskOnGrid(volume, mask, true), MASK_LABELS[kind]);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="export-buttons" role="group" aria-label="Export masks as NIfTI">
      <span className="muted">Masks (.nii.gz)</span>
      {(available.split(',') as MaskKind[]).map((k) => (
        <button
          key={k}
          type="button"
          className="button button-small"
          disabled={busy !== null}
          onClick={() => void run(k)}
          data-testid={`export-mask-${k}`}
          title={`Download the ${MASK_LABELS[k]} as NIfTI-1 (.nii.gz), on the CT's grid`}
        >
          {busy === k ? 'Saving…' : SHORT[k]}
        </button>
      ))}
      {error ? <span className="export-error">{error}</span> : null}
      <SegExportButton />
    </div>
  );
}
