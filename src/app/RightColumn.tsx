import { ImportedMasksPanel } from '../ui/compare/ImportedMasksPanel';
import { MeasurementsPanel } from '../ui/measure/MeasurementsPanel';
import { MetadataPanel } from '../ui/metadata/MetadataPanel';
import { LoadWarnings } from '../ui/series/LoadWarnings';
import { SkippedFiles } from '../ui/series/SkippedFiles';
import { DensitometryPanel } from '../ui/stats/DensitometryPanel';
import { StatsPanel } from '../ui/stats/StatsPanel';

export function RightColumn() {
  return (
    <aside className="column column-right" aria-label="Measurements and series information">
      <MeasurementsPanel />
      <StatsPanel />
      <DensitometryPanel />
      <ImportedMasksPanel />
      <MetadataPanel />
      <LoadWarnings />
      <SkippedFiles />
    </aside>
  );
}
