import { useState, type DragEvent } from 'react';
import { loadDataTransfer } from './loadActions';

interface DropZoneProps {
  /** The big variant fills the empty slice view. */
  large?: boolean;
  testId?: string;
}

function hasFiles(ev: DragEvent): boolean {
  return Array.from(ev.dataTransfer.types).includes('Files');
}

/** Accepts folders (walked recursively), loose files, or several of each at once. */
export function DropZone({ large = false, testId = 'drop-zone' }: DropZoneProps) {
  const [over, setOver] = useState(false);
  return (
    <div
      className={`drop-zone${large ? ' drop-zone-large' : ''}${over ? ' drop-zone-over' : ''}`}
      data-testid={testId}
      onDragEnter={(ev) => {
        if (!hasFiles(ev)) return;
        ev.preventDefault();
        setOver(true);
      }}
      onDragOver={(ev) => {
        if (!hasFiles(ev)) return;
        ev.preventDefault();
        ev.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(ev) => {
        if (!ev.currentTarget.contains(ev.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(ev) => {
        ev.preventDefault();
        setOver(false);
        loadDataTransfer(ev.dataTransfer);
      }}
    >
      <div className="drop-zone-title">Drop folders or files here</div>
      <div className="drop-zone-hint">DICOM, sub-folders included. Nothing leaves this computer.</div>
      {large ? <div className="drop-zone-hint">Or use “Open folder…” or “Load demo scan” on the left.</div> : null}
    </div>
  );
}
