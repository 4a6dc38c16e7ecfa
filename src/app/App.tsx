import { LeftColumn } from './LeftColumn';
import { CentreColumn } from './CentreColumn';
import { RightColumn } from './RightColumn';
import { useWindowDropGuard } from './useWindowDropGuard';

/**
 * The page: load, series and parameters on the left; the slice view in the
 * centre; series information on the right. Each column is a stack of
 * independent panels, so new panels (analysis parameters, story view, 3D)
 * slot in without touching the others.
 */
export function App() {
  useWindowDropGuard();
  return (
    <div className="app">
      <header className="app-header">
        <h1>lungview</h1>
        <span className="app-tagline">Chest CT in the browser · all processing stays on this computer</span>
      </header>
      <div className="app-columns">
        <LeftColumn />
        <CentreColumn />
        <RightColumn />
      </div>
    </div>
  );
}
