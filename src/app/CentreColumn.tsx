import { ErrorBanner } from '../ui/load/ErrorBanner';
import { SliceSlider } from '../ui/viewer/SliceSlider';
import { SliceViewport } from '../ui/viewer/SliceViewport';
import { ViewerToolbar } from '../ui/viewer/ViewerToolbar';

export function CentreColumn() {
  return (
    <main className="column column-centre" aria-label="Slice view">
      <ErrorBanner />
      <ViewerToolbar />
      <SliceViewport />
      <SliceSlider />
    </main>
  );
}
