import { AnalysisPanel } from '../ui/analysis/AnalysisPanel';
import { LoadPanel } from '../ui/load/LoadPanel';
import { PacsPanel } from '../ui/dicomweb/PacsPanel';
import { OverlayPanel } from '../ui/overlays/OverlayPanel';
import { SeriesList } from '../ui/series/SeriesList';
import { WindowLevelPanel } from '../ui/viewer/WindowLevelPanel';

export function LeftColumn() {
  return (
    <aside className="column column-left" aria-label="Load and parameters">
      <LoadPanel />
      <WindowLevelPanel />
      <SeriesList />
      <PacsPanel />
      <AnalysisPanel />
      <OverlayPanel />
    </aside>
  );
}
