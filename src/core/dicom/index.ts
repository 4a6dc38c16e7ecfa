/**
 * DICOM ingest: parse each file (parseDicomFile, one call per file, in a
 * worker pool in the browser: the returned DecodedSlice.hu arrays are
 * transferable), then group, sort and assemble once all files are parsed
 * (buildSeries, or groupSeries + planSeries + assembleVolume to show the
 * series list before building a volume). Compressed pixel data goes through
 * PixelDecoders passed in the options (see pixelDecoder.ts; the WebAssembly
 * codecs live in src/codecs, loaded on demand).
 */
export { parseDicomFile, type ParseDicomFileOptions } from './parseDicomFile';
export {
  DecodeError, type DecodedPixels, type EncodedFrameInfo, type PixelDecoder, type PixelDecoderRegistry,
} from './pixelDecoder';
export { decodeRle } from './decodeRle';
export { encapsulatedFrames, type EncapsulatedPixelData } from './encapsulatedFrames';
export {
  assembleVolume, buildSeries, compareSeriesForDisplay, groupSeries, isLocalizer, planSeries,
  type AssembleOptions, type DuplicateChoice, type SeriesGroup, type SeriesPlan,
} from './buildSeries';
export { describeTransferSyntax, transferSyntaxInfo } from './transferSyntax';
export type * from './types';
