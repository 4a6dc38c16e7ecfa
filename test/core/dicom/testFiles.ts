/**
 * Small synthetic DICOM files for unit tests, written with the project's
 * Part-10 writer (explicit VR little endian).
 */
import { writeDicomPart10, type DicomElementSpec } from '../../../src/core/io/dicomWriter';

export interface TestImage {
  rows?: number;
  columns?: number;
  /** Stored words (Uint16Array for unsigned, Int16Array for signed, Uint8Array for 8-bit). */
  pixels: Int16Array | Uint16Array | Uint8Array;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  slope?: number;
  intercept?: number;
  padding?: { value: number; vr: 'US' | 'SS'; rangeLimit?: number };
  seriesUid?: string;
  frameOfReferenceUid?: string;
  sopUid?: string;
  instanceNumber?: number | null;
  /** ImagePositionPatient; null to leave it out. */
  ipp?: [number, number, number] | null;
  /** ImageOrientationPatient; null to leave it out. */
  iop?: [number, number, number, number, number, number] | null;
  pixelSpacing?: [number, number] | null;
  sliceThickness?: number | null;
  modality?: string;
  samplesPerPixel?: number;
  photometric?: string;
}

let counter = 0;

export function makeTestFile(img: TestImage): Uint8Array {
  counter++;
  const rows = img.rows ?? 4;
  const columns = img.columns ?? 4;
  const bitsAllocated = img.bitsAllocated ?? 16;
  const bitsStored = img.bitsStored ?? bitsAllocated;
  const sop = img.sopUid ?? `2.25.4242${counter}`;
  const e: DicomElementSpec[] = [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: sop },
    { tag: 0x00080060, vr: 'CS', value: img.modality ?? 'CT' },
    { tag: 0x0020000d, vr: 'UI', value: '2.25.1111' },
    { tag: 0x0020000e, vr: 'UI', value: img.seriesUid ?? '2.25.2222' },
    { tag: 0x00200052, vr: 'UI', value: img.frameOfReferenceUid ?? '2.25.3333' },
    { tag: 0x00280002, vr: 'US', value: img.samplesPerPixel ?? 1 },
    { tag: 0x00280004, vr: 'CS', value: img.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: rows },
    { tag: 0x00280011, vr: 'US', value: columns },
    { tag: 0x00280100, vr: 'US', value: bitsAllocated },
    { tag: 0x00280101, vr: 'US', value: bitsStored },
    { tag: 0x00280102, vr: 'US', value: img.highBit ?? bitsStored - 1 },
    { tag: 0x00280103, vr: 'US', value: img.pixelRepresentation ?? 1 },
    { tag: 0x00281052, vr: 'DS', value: img.intercept ?? -1024 },
    { tag: 0x00281053, vr: 'DS', value: img.slope ?? 1 },
    { tag: 0x7fe00010, vr: bitsAllocated === 8 ? 'OB' : 'OW', value: img.pixels },
  ];
  if (img.instanceNumber !== null) e.push({ tag: 0x00200013, vr: 'IS', value: img.instanceNumber ?? counter });
  if (img.ipp !== null) e.push({ tag: 0x00200032, vr: 'DS', value: img.ipp ?? [0, 0, 0] });
  if (img.iop !== null) e.push({ tag: 0x00200037, vr: 'DS', value: img.iop ?? [1, 0, 0, 0, 1, 0] });
  if (img.pixelSpacing !== null) e.push({ tag: 0x00280030, vr: 'DS', value: img.pixelSpacing ?? [0.5, 0.5] });
  if (img.sliceThickness !== null && img.sliceThickness !== undefined) e.push({ tag: 0x00180050, vr: 'DS', value: img.sliceThickness });
  if (img.padding) {
    e.push({ tag: 0x00280120, vr: img.padding.vr, value: img.padding.value });
    if (img.padding.rangeLimit !== undefined) e.push({ tag: 0x00280121, vr: img.padding.vr, value: img.padding.rangeLimit });
  }
  return writeDicomPart10({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: sop, elements: e });
}
