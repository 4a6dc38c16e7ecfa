import { MetadataPanel } from '../ui/metadata/MetadataPanel';
import { LoadWarnings } from '../ui/series/LoadWarnings';
import { SkippedFiles } from '../ui/series/SkippedFiles';

export function RightColumn() {
  return (
    <aside className="column column-right" aria-label="Series information">
      <MetadataPanel />
      <LoadWarnings />
      <SkippedFiles />
    </aside>
  );
}
