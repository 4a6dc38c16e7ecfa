import { LeftColumn } from './LeftColumn';
import { CentreColumn } from './CentreColumn';
import { RightColumn } from './RightColumn';
import { useKeyboardShortcuts } from './useKeyboardShortcuts';
import { useWindowDropGuard } from './useWindowDropGuard';
import { HelpButton, KeyboardHelp } from '../ui/help/KeyboardHelp';
// Starts the analysis of every newly opened series (the job subscribes to the store).
import '../state/appAnalysis';
// Remembers each series' window, views, slice, pick, crop and parameters in the browser.
import '../state/appSeriesSettings';

/**
 * The page: load, series, analysis parameters and display settings on the
 * left; the views in the centre (axial, coronal, sagittal, the grid with 3D,
 * the four-step story, 3D with the crop); measurements and series
 * information on the right. Each column is a stack of independent panels.
 */
export function App() {
  useWindowDropGuard();
  useKeyboardShortcuts();
  return (
    <div className="app">
      <header className="app-header">
        <h1>lungview</h1>
        <span className="app-tagline">Chest CT in the browser · all processing stays on this computer</span>
        <HelpButton />
      </header>
      <div className="app-columns">
        <LeftColumn />
        <CentreColumn />
        <RightColumn />
      </div>
      <KeyboardHelp />
    </div>
  );
}
