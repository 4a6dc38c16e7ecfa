import { useAppStore } from '../../state/store';

/** Files that were not used, with the reason; collapsed until opened here or from the load line. */
export function SkippedFiles() {
  const skipped = useAppStore((s) => s.skipped);
  const open = useAppStore((s) => s.skippedOpen);
  const setOpen = useAppStore((s) => s.setSkippedOpen);
  if (skipped.length === 0) return null;
  return (
    <details
      className="panel skipped-files"
      data-testid="skipped-files"
      open={open}
      onToggle={(ev) => setOpen(ev.currentTarget.open)}
    >
      <summary className="panel-header">
        <h2>Skipped files ({skipped.length})</h2>
      </summary>
      <ul className="skipped-list panel-body">
        {skipped.map((f, i) => (
          <li key={`${i}-${f.file}`} data-testid="skipped-item">
            <span className="skipped-path">{f.file}</span>
            <span className="skipped-reason">{f.reason}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}
