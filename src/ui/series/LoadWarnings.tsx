import { useAppStore } from '../../state/store';
import { Panel } from '../layout/Panel';

/** Warnings about the load as a whole (the open series' own warnings are in the metadata panel). */
export function LoadWarnings() {
  const warnings = useAppStore((s) => s.warnings);
  if (warnings.length === 0) return null;
  return (
    <Panel title="Warnings" testId="load-warnings" className="warnings">
      <ul className="warning-list">
        {warnings.map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ul>
    </Panel>
  );
}
