import { selectedSeries, useAppStore } from '../../state/store';
import { describeTransferSyntax } from '../../core/dicom/transferSyntax';
import { formatDimsZyx, formatMm, formatSpacingZyx } from '../format';
import { Panel } from '../layout/Panel';
import { GeometryWarning } from '../series/GeometryWarning';

function Row({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value || '–'}</dd>
    </>
  );
}

/** Technical fields of the open series; patient identifiers only on request. DICOM text is rendered as text. */
export function MetadataPanel() {
  const series = useAppStore(selectedSeries);
  const showIds = useAppStore((s) => s.showPatientIds);
  const setShowIds = useAppStore((s) => s.setShowPatientIds);
  if (!series) {
    return (
      <Panel title="Series information" testId="metadata-panel">
        <p className="muted">No series open.</p>
      </Panel>
    );
  }
  const h = series.firstHeader;
  return (
    <Panel title="Series information" testId="metadata-panel">
      <GeometryWarning series={series} testId="geometry-warning" />
      <dl className="metadata">
        <Row label="Modality" value={h.modality} testId="meta-modality" />
        <Row label="Description" value={series.description} />
        <Row label="Manufacturer" value={h.manufacturer} />
        <Row label="Model" value={h.manufacturerModel} />
        <Row label="Kernel" value={h.convolutionKernel} />
        <Row label="kVp" value={h.kvp} />
        <Row label="Body part" value={h.bodyPart} />
        <Row label="Slice thickness" value={h.sliceThicknessMm !== null ? formatMm(h.sliceThicknessMm, 3) : ''} />
        <Row label="Voxel spacing" value={formatSpacingZyx(series.spacingMmZyx)} testId="meta-spacing" />
        <Row label="Dimensions" value={formatDimsZyx(series.dimsZyx)} testId="meta-dims" />
        <Row label="Slices" value={String(series.sliceCount)} />
        <Row label="Transfer syntax" value={h.transferSyntaxUid ? describeTransferSyntax(h.transferSyntaxUid) : ''} />
        <Row label="Series UID" value={series.seriesInstanceUid} />
      </dl>
      <label className="toggle">
        <input type="checkbox" checked={showIds} data-testid="show-patient-ids" onChange={(ev) => setShowIds(ev.currentTarget.checked)} />
        Show patient identifiers
      </label>
      {showIds ? (
        <dl className="metadata" data-testid="patient-ids">
          <Row label="Patient name" value={h.patientName} />
          <Row label="Patient ID" value={h.patientId} />
        </dl>
      ) : null}
      {series.warnings.length > 0 ? (
        <div className="metadata-warnings">
          <h3>Warnings</h3>
          <ul className="warning-list">
            {series.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </Panel>
  );
}
