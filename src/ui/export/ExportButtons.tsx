import { useState } from 'react';
import type { MeshKind } from '../../state/meshCache';
import { appStore, selectedSeries } from '../../state/store';
import type { LungScene } from '../../viewer3d/lungScene';
import { downloadBlob } from './download';
import { exportFileName } from './fileNames';
import { MESH_FORMATS } from '../../core/io/meshFile';
import { exportMesh } from './meshExports';
import { isCancelled } from '../../shared/cancel';

/**
 * STL / OBJ / GLB download buttons for the mesh of one kind (full
 * resolution; a decimated surface is made again first, which shows as
 * "preparing…").
 */
export function MeshExportButtons({ kind }: { kind: MeshKind }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (format: (typeof MESH_FORMATS)[number]) => {
    setBusy(true);
    setError(null);
    try {
      setError((await exportMesh(kind, format)) ? null : 'No mesh to export');
    } catch (e) {
      // A newer export replaced this one: nothing to say.
      if (!isCancelled(e)) setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="export-buttons" role="group" aria-label={`Export the ${kind} mesh`}>
      <span className="muted">Export</span>
      {MESH_FORMATS.map((f) => (
        <button
          key={f}
          type="button"
          className="button button-small"
          onClick={() => void run(f)}
          disabled={busy}
          data-testid={`export-${kind}-${f}`}
          title={`Download the full-resolution mesh as ${f.toUpperCase()} (mm, patient LPS${f === 'glb' ? ', rotated to glTF Y-up' : ''})`}
        >
          {f.toUpperCase()}
        </button>
      ))}
      {busy ? <span className="muted" data-testid={`export-${kind}-busy`}>preparing…</span> : null}
      {error ? <span className="export-error">{error}</span> : null}
    </div>
  );
}

/** Downloads the picture of a 3D view as PNG, named after the series. */
export function ExportPngButton({ scene, what, disabled, testId }: { scene: LungScene | null; what: string; disabled?: boolean; testId?: string }) {
  const onClick = async () => {
    if (!scene) return;
    const blob = await scene.toPng();
    const s = selectedSeries(appStore.getState());
    downloadBlob(blob, exportFileName(s?.description || null, what, 'png'));
  };
  return (
    <button type="button" className="button" disabled={!scene || disabled} onClick={() => void onClick()} data-testid={testId} title="Save the picture as PNG">
      PNG
    </button>
  );
}
