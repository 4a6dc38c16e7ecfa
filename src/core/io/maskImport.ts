/**
 * A segmentation made elsewhere (or by lungview), read onto an open CT: a
 * DICOM SEG (dicomSeg.ts's reader: frames matched to the CT's slices, the
 * SEG refused when its geometry differs) or a NIfTI-1 label map (.nii,
 * .nii.gz). Pure.
 *
 * NIfTI: the image must have the CT's size and its voxel -> patient affine
 * (the sform, else the qform, back in LPS) must be the CT's: each column
 * (direction × spacing) within 0.1 % of the CT's spacing, the origin within
 * a tenth of the smallest spacing; otherwise refused with the difference.
 * Its labels: every nonzero integer value is a segment (values rounded; at
 * most 255 labels). A label map with 1, 2 and 3 is read with lungview's
 * (and lung-labels.nii.gz's) convention, 1 right lung, 2 left lung,
 * 3 airway; a map with only the value 1 is one mask named after the file;
 * any other value is "Label N".
 *
 * Cost: one pass over the voxels per segment; memory one 0/1 byte per
 * voxel per segment.
 */
import { voxelToPatientAffine } from '../volume/volume';
import { readDicomSeg, SCT, type SegCode, type SegSource } from './dicomSeg';
import { readNifti } from './nifti';

export interface ImportedSegment {
  name: string;
  /** SegmentedPropertyType of a SEG, or the code lungview gives a NIfTI label it knows; null when none. */
  code: SegCode | null;
  /** 0/1 per CT voxel (i = x + y*nx + z*nx*ny). */
  mask: Uint8Array;
  voxels: number;
}

export type MaskImportResult =
  | { ok: true; format: 'DICOM SEG' | 'NIfTI'; segments: ImportedSegment[]; note: string }
  | { ok: false; reason: string };

/** Part 10 ("DICM" at 128) or a raw data set starting with group 0008. */
function looksDicom(b: Uint8Array): boolean {
  if (b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d) return true;
  return b.length > 4 && b[0] === 0x08 && b[1] === 0x00;
}

function countOf(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i];
  return n;
}

const NIFTI_LUNG_LABELS: Record<number, { name: string; code: SegCode }> = {
  1: { name: 'Right lung', code: SCT.rightLung },
  2: { name: 'Left lung', code: SCT.leftLung },
  3: { name: 'Airway', code: SCT.trachea },
};

const fmt = (v: number) => String(Number(v.toFixed(3)));

/** Why the NIfTI's grid is not the CT's, or null when it is. */
export function niftiGridMismatch(img: Parameters<typeof voxelToPatientAffine>[0], ct: SegSource['geometry']): string | null {
  if (img.nx !== ct.nx || img.ny !== ct.ny || img.nz !== ct.nz) {
    return `the image is ${img.nx} x ${img.ny} x ${img.nz} voxels, the CT ${ct.nx} x ${ct.ny} x ${ct.nz}`;
  }
  const a = voxelToPatientAffine(img);
  const b = voxelToPatientAffine(ct);
  const axes = ['x (columns)', 'y (rows)', 'z (slices)'];
  for (let j = 0; j < 3; j++) {
    const tol = 1e-3 * ct.spacingMmXyz[j];
    for (let r = 0; r < 3; r++) {
      if (Math.abs(a[4 * r + j] - b[4 * r + j]) > tol) {
        const col = (m: number[]) => [m[j], m[4 + j], m[8 + j]].map(fmt).join(', ');
        return `its voxel ${axes[j]} step is (${col(a)}) mm in LPS, the CT's (${col(b)}) mm (other spacing or orientation)`;
      }
    }
  }
  const tolOrigin = 0.1 * Math.min(...ct.spacingMmXyz);
  const off = [a[3] - b[3], a[7] - b[7], a[11] - b[11]];
  if (Math.hypot(off[0], off[1], off[2]) > tolOrigin) {
    return `its first voxel is ${off.map(fmt).join(', ')} mm (LPS) from the CT's (another position)`;
  }
  return null;
}

function readNiftiLabels(bytes: Uint8Array, fileName: string, target: SegSource): MaskImportResult {
  let img: ReturnType<typeof readNifti>;
  try {
    img = readNifti(bytes);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const why = niftiGridMismatch(img, target.geometry);
  if (why) return { ok: false, reason: `the NIfTI does not lie on the CT's grid: ${why}` };
  const slope = img.sclSlope && Number.isFinite(img.sclSlope) ? img.sclSlope : 1;
  const inter = Number.isFinite(img.sclInter) ? img.sclInter : 0;
  const n = img.nx * img.ny * img.nz;
  const labels = new Uint8Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const v = Math.round(img.data[i] * slope + inter);
    if (v === 0 || !Number.isFinite(v)) continue;
    if (v < 0 || v > 255) return { ok: false, reason: `voxel value ${v} is not a label (1-255)` };
    labels[i] = v;
    seen.add(v);
  }
  const values = [...seen].sort((p, q) => p - q);
  const base = fileName.replace(/^.*[\\/]/, '').replace(/\.nii(\.gz)?$/i, '');
  const lungConvention = values.length > 1 && values.every((v) => v <= 3);
  const segments = values.map((v): ImportedSegment => {
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (labels[i] === v) mask[i] = 1;
    const known = lungConvention ? NIFTI_LUNG_LABELS[v] : undefined;
    const name = known?.name ?? (values.length === 1 ? base || `Label ${v}` : `Label ${v}`);
    return { name, code: known?.code ?? null, mask, voxels: countOf(mask) };
  });
  const note = lungConvention ? 'labels read as 1 right lung, 2 left lung, 3 airway' : `${values.length} label${values.length === 1 ? '' : 's'}`;
  return { ok: true, format: 'NIfTI', segments, note };
}

/** Reads `bytes` (a SEG or a NIfTI label map, told apart by content) onto `target`. Never throws. */
export function importMaskFile(bytes: Uint8Array, fileName: string, target: SegSource): MaskImportResult {
  if (looksDicom(bytes)) {
    const r = readDicomSeg(bytes, target);
    if (!r.ok) return r;
    const segments = r.segments.map((s) => ({ name: s.name || `Segment ${s.number}`, code: s.type.value ? s.type : null, mask: s.mask, voxels: countOf(s.mask) }));
    return { ok: true, format: 'DICOM SEG', segments, note: `${r.frames} frames (${r.matchedByUid} matched by SOP Instance UID, ${r.matchedByPosition} by position)` };
  }
  const gz = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gz || /\.nii(\.gz)?$/i.test(fileName)) return readNiftiLabels(bytes, fileName, target);
  return { ok: false, reason: 'neither a DICOM SEG nor a NIfTI-1 image' };
}
