/**
 * The segments of an analysis as written into a DICOM SEG (dicomSeg.ts):
 * right lung, left lung and airway when the split ran with labels and
 * succeeded; the internal structures; the GK structures. Segments without
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
import type { AnalysisResult } from '../analysis/runAnalysis';
import { AIRWAY_LABEL, LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL } from '../segmentation/splitAirwayAndLungs';
import type { VolumeGeometry } from '../volume/volume';
import { SCT, type SegSegmentInput } from './dicomSeg';

export function analysisSegments(r: AnalysisResult, g: VolumeGeometry): SegSegmentInput[] {
  const out: SegSegmentInput[] = [];
  const voxels = g.nx * g.ny * g.nz;
  const split = r.split;
  if (split?.ok && split.labels.length === voxels) {
    const labels = split.labels;
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
    name: 'Internal structures', category: SCT.tissue, type: SCT.softTissue, mask: internalStructuresMask(r.internal).data,
    description: 'inside the filled lung mask, above the lung threshold (vessels, bronchial walls, nodules)',
  });
  const gk = new Uint8Array(voxels);
  gk.set(r.gk.mask.subarray(0, Math.min(r.gk.mask.length, voxels - r.gk.zFrom * g.nx * g.ny)), r.gk.zFrom * g.nx * g.ny);
  out.push({
    name: 'GK structures', category: SCT.tissue, type: SCT.softTissue, mask: gk,
    description: `kept Gustafson-Kessel cluster of the lung HU (${r.gk.scope === 'volume' ? 'whole lung' : `${r.gk.slices.length} slices`})`,
  });
  return out.filter((s) => ('mask' in s ? s.mask.some((v) => v !== 0) : s.labels.some((v) => v === s.labelValue)));
}
