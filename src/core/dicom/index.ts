/**
 * DICOM ingest: parse each file (parseDicomFile, one call per file, in a
 * worker pool in the browser: the returned DecodedSlice.hu arrays are
 * transferable), then group, sort and assemble once all files are parsed
 * (buildSeries, or groupSeries + planSeries + assembleVolume to show the
 * series list before building a volume).
 */
export { parseDicomFile, type ParseDicomFileOptions } from './parseDicomFile';
export {
  assembleVolume, buildSeries, compareSeriesForDisplay, groupSeries, planSeries,
  type AssembleOptions, type SeriesGroup, type SeriesPlan,
} from './buildSeries';
export { describeTransferSyntax, transferSyntaxInfo } from './transferSyntax';
export type * from './types';
