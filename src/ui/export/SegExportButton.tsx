import { useState } from 'react';
import { useAppStore } from '../../state/store';
import { analysisMasksReady } from '../../state/maskImports';
import { exportSeg } from './segExport';

/** "DICOM SEG": the analysis' structures as one Segmentation object on the CT (built in the export worker). */
export function SegExportButton() {
  const ready = useAppStore(analysisMasksReady);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!ready) return null;
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await exportSeg();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="button button-small"
        disabled={busy}
        onClick={() => void run()}
        data-testid="export-seg"
        title="Download right lung, left lung, airway, internal and GK structures as one DICOM Segmentation (SEG) referencing this series, for a PACS, OHIF or 3D Slicer"
      >
        {busy ? 'Saving…' : 'DICOM SEG'}
      </button>
      {error ? <span className="export-error" data-testid="export-seg-error">{error}</span> : null}
    </>
  );
}
