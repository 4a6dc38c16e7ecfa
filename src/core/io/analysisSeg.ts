/**
 * The segments of an analysis as written into a DICOM SEG (dicomSeg.ts):
 * right lung, left lung and airway when the split succeeded (from its
 * labels, or painted from its runs per label); the internal structures; the GK structures. Segments without
 * a voxel are left out.
 *
 * Codes (SNOMED CT): lungs and airway are anatomical structures (category
 * SCT 123037004 "Anatomical Structure", the code DICOM CID 7150 uses since it
 * replaced 91723000) of type SCT 3341006 "Right lung", 44029006 "Left lung",
 * 44567001 "Trachea" (the airway segment is the trachea with the main
 * bronchi down to where they enter the lungs). The internal structures
 * (voxels enclosed by the filled lung mask but above the lung threshold:
 * vessels, bronchial walls, nodules) and the GK structures (the kept fuzzy
 * cluster of the lung's HU: the dense part of the lung) are not one organ but
 * tissue of soft-tissue density inside the lung: category SCT 85756007
 * "Tissue", type SCT 87784001 "Soft tissue", told apart by label and
 * description.
 *
 * Cost: one mask (1 byte per voxel) for the internal structures and one for
 * the GK structures.
 */
import { internalStructuresMask } from '../analysis/internalMask';
import type { AnyAnalysisResult } from '../analysis/runAnalysis';
import { splitLabelVolume, splitStage } from '../analysis/stages';
import { runsFromMask } from '../segmentation/runs';
import { AIRWAY_LABEL, LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL } from '../segmentation/splitAirwayAndLungs';
import type { VolumeGeometry } from '../volume/volume';
import { SCT, type SegSegmentInput } from './dicomSeg';
import type { NamedMask } from '../analysis/compareSegmentations';

/** The structures of an analysis as whole-grid arrays: the split's labels (null when the split failed), 0/1 internal and GK masks. */
export interface AnalysisSegMasks {
  splitLabels: Uint8Array | null;
  internal: Uint8Array;
  gk: Uint8Array;
  /** How GK ran, for the segment's description ("whole lung", "5 slices"). */
  gkScope: string;
}

export function analysisSegments(r: AnyAnalysisResult, g: VolumeGeometry): SegSegmentInput[] {
  const voxels = g.nx * g.ny * g.nz;
  const gk = new Uint8Array(voxels);
  gk.set(r.gk.mask.subarray(0, Math.min(r.gk.mask.length, voxels - r.gk.zFrom * g.nx * g.ny)), r.gk.zFrom * g.nx * g.ny);
  return segmentsOfMasks({
    splitLabels: splitLabelVolume(r.split, g),
    internal: internalStructuresMask(r.internal).data,
    gk,
    gkScope: r.gk.scope === 'volume' ? 'whole lung' : `${r.gk.slices.length} slices`,
  });
}

/**
 * The segments of the browser's analysis masks: the split is made here, of
 * the lungs measured (a 0/1 mask), as the CLI's analysis makes it
 * (splitStage on the same mask), so the page's SEG and `analyze --out`'s
 * hold the same right lung, left lung and airway.
 */
export function segmentsOfMeasured(g: VolumeGeometry, measured: Uint8Array, rest: Omit<AnalysisSegMasks, 'splitLabels'>): SegSegmentInput[] {
  const split = splitStage(g, runsFromMask(measured, g), { withLabels: true });
  return segmentsOfMasks({ ...rest, splitLabels: split.ok ? split.labels : null });
}

/** Right lung, left lung, airway (from the split's labels), internal and GK structures; empty segments left out. */
export function segmentsOfMasks(m: AnalysisSegMasks): SegSegmentInput[] {
  const out: SegSegmentInput[] = [];
  const labels = m.splitLabels;
  if (labels) {
    out.push(
      { name: 'Right lung', category: SCT.anatomicalStructure, type: SCT.rightLung, labels, labelValue: RIGHT_LUNG_LABEL },
      { name: 'Left lung', category: SCT.anatomicalStructure, type: SCT.leftLung, labels, labelValue: LEFT_LUNG_LABEL },
      {
        name: 'Airway', category: SCT.anatomicalStructure, type: SCT.trachea, labels, labelValue: AIRWAY_LABEL,
        description: 'trachea and main bronchi',
      },
    );
  }
  out.push({
    name: 'Internal structures', category: SCT.tissue, type: SCT.softTissue, mask: m.internal,
    description: 'inside the filled lung mask, above the lung threshold (vessels, bronchial walls, nodules)',
  });
  out.push({
    name: 'GK structures', category: SCT.tissue, type: SCT.softTissue, mask: m.gk,
    description: `kept Gustafson-Kessel cluster of the lung HU (${m.gkScope})`,
  });
  return out.filter((s) => ('mask' in s ? s.mask.some((v) => v !== 0) : s.labels.some((v) => v === s.labelValue)));
}

/** Segments as named 0/1 masks with their type code (for compareSegmentations); a label segment is read out into its own array. */
export function segmentMasks(segments: readonly SegSegmentInput[]): NamedMask[] {
  return segments.map((s) => ({
    name: s.name,
    code: s.type,
    mask: 'mask' in s ? s.mask : Uint8Array.from(s.labels, (v) => (v === s.labelValue ? 1 : 0)),
  }));
}
