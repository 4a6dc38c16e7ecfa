/** Small hand-made series summaries for store tests. */
import type { SeriesSummary, SliceHeader } from '../../src/core/dicom/types';

export function header(over: Partial<SliceHeader> = {}): SliceHeader {
  return {
    file: 'a.dcm', frame: 0, sopInstanceUid: '1.2.3.1', seriesInstanceUid: '1.2.3', studyInstanceUid: '1.2', frameOfReferenceUid: '1.2.9',
    modality: 'CT', seriesDescription: 'chest', seriesNumber: 1, instanceNumber: 1, rows: 512, columns: 512,
    pixelSpacingMmXy: [0.7, 0.7], imagePositionMm: [0, 0, 0], imageOrientation: [[1, 0, 0], [0, 1, 0]],
    sliceThicknessMm: 1, sliceLocationMm: 0, rescaleSlope: 1, rescaleIntercept: -1024, windowCenter: null, windowWidth: null,
    transferSyntaxUid: '1.2.840.10008.1.2.1', gantryTiltDeg: null, manufacturer: '', manufacturerModel: '', convolutionKernel: '',
    kvp: '', bodyPart: '', patientName: 'Doe^Jane', patientId: 'P1',
    ...over,
  };
}

export function summary(id: string, slices: number, over: Partial<SeriesSummary> = {}, h: Partial<SliceHeader> = {}): SeriesSummary {
  return {
    id, seriesInstanceUid: id, modality: 'CT', description: id, sliceCount: slices,
    files: Array.from({ length: slices }, (_, k) => `${id}/${k}.dcm`),
    dimsZyx: [slices, 512, 512], spacingMmZyx: [1, 0.7, 0.7],
    slicePositionsMm: Array.from({ length: slices }, (_, k) => k), firstHeader: header(h), warnings: [],
    ...over,
  };
}
