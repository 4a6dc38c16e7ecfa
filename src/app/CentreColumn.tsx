import { useAppStore } from '../state/store';
import { ErrorBanner } from '../ui/load/ErrorBanner';
import { StoryPanel } from '../ui/story/StoryPanel';
import { MprGrid } from '../ui/viewer/MprGrid';
import { SliceSlider } from '../ui/viewer/SliceSlider';
import { SliceViewport } from '../ui/viewer/SliceViewport';
import { ViewerToolbar } from '../ui/viewer/ViewerToolbar';
import { CropPanel } from '../ui/view3d/CropPanel';
import { View3DPanel } from '../ui/view3d/View3DPanel';

/** The open tab's view: one slice axis, the grid, the story, or 3D. Only that one is mounted. */
function CentreView() {
  const tab = useAppStore((s) => s.centreTab);
  switch (tab) {
    case 'coronal':
      return <SliceViewport key="coronal" axis="coronal" />;
    case 'sagittal':
      return <SliceViewport key="sagittal" axis="sagittal" />;
    case 'mpr':
      return <MprGrid fourth={<View3DPanel />} />;
    case 'story':
      return <StoryPanel />;
    case '3d':
      return (
        <div className="three-d-tab" data-testid="tab-3d-content">
          <View3DPanel />
          <CropPanel />
        </div>
      );
    default:
      return <SliceViewport key="axial" axis="axial" />;
  }
}

export function CentreColumn() {
  return (
    <main className="column column-centre" aria-label="Views">
      <ErrorBanner />
      <ViewerToolbar />
      <div className="centre-body">
        <CentreView />
      </div>
      <SliceSlider />
    </main>
  );
}
