/**
 * One DICOM file -> its header fields and HU pixels (one slice per frame), or
 * the reason it is skipped. Never throws.
 *
 * Variant: dicom-parser indexes the data set (no copy of the file); the
 * layout is detected first: Part-10 (preamble + "DICM"), a file meta group
 * without preamble, or a bare data set (ACR-NEMA style, implicit VR little
 * endian guessed unless the first element carries an explicit VR). Native
 * syntaxes (implicit/explicit VR little endian, explicit VR big endian) and
 * deflated explicit VR little endian (fflate raw inflate) are decoded;
 * compressed syntaxes go through a PixelDecoder per frame (RLE Lossless and
 * Encapsulated Uncompressed built in, the others passed in by the caller, see
 * pixelDecoder.ts and src/codecs) and are reported by name when no decoder is
 * at hand; the decoded words then take the same path to HU as native ones.
 * Multi-frame Enhanced CT frames take their geometry and rescale from the
 * per-frame / shared functional groups (PS3.3 C.7.6.16). HU conversion: see
 * pixelToHu.ts.
 *
 * Cost: O(header elements) to index + O(pixels) to convert; memory: one
 * Int16Array per frame, each owning its own ArrayBuffer (so a worker can
 * transfer it without dragging the file along), or the caller's array
 * (huOutput); the file bytes are read through views (pixel words not on a
 * 4-byte boundary go through one reused aligned copy, see pixelToHu.ts);
 * compressed frames cost what their decoder costs plus one decoded array.
 */
import { inflateSync } from 'fflate';
import type { Vec3 } from '../volume/volume';
import { dicomParser, type DataSet, type Element } from './dicomParserLib';
import { decodeRle } from './decodeRle';
import { encapsulatedFrames } from './encapsulatedFrames';
import { DecodeError, type DecodedPixels, type EncodedFrameInfo, type PixelDecoder, type PixelDecoderRegistry } from './pixelDecoder';
import { convertToHu, type PixelFormat, type PixelPadding, type Rescale } from './pixelToHu';
import {
  describeTransferSyntax, ENCAPSULATED_UNCOMPRESSED_LE, EXPLICIT_VR_LE, IMPLICIT_VR_LE, RLE_LOSSLESS, transferSyntaxInfo,
} from './transferSyntax';
import type { DecodedSlice, ParseFileResult, SliceHeader } from './types';

const T = {
  mediaStorageSopClass: 'x00020002',
  transferSyntax: 'x00020010',
  sopClass: 'x00080016',
  sopInstance: 'x00080018',
  modality: 'x00080060',
  manufacturer: 'x00080070',
  seriesDescription: 'x0008103e',
  manufacturerModel: 'x00081090',
  patientName: 'x00100010',
  patientId: 'x00100020',
  bodyPart: 'x00180015',
  sliceThickness: 'x00180050',
  kvp: 'x00180060',
  gantryTilt: 'x00181120',
  convolutionKernel: 'x00181210',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  imagePosition: 'x00200032',
  imageOrientation: 'x00200037',
  frameOfReference: 'x00200052',
  sliceLocation: 'x00201041',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  pixelPaddingValue: 'x00280120',
  pixelPaddingRangeLimit: 'x00280121',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  pixelData: 'x7fe00010',
  extendedOffsetTable: 'x7fe00001',
  // functional groups (Enhanced multi-frame)
  sharedFunctionalGroups: 'x52009229',
  perFrameFunctionalGroups: 'x52009230',
  planePositionSeq: 'x00209113',
  planeOrientationSeq: 'x00209116',
  pixelMeasuresSeq: 'x00289110',
  pixelValueTransformationSeq: 'x00289145',
  frameVoiLutSeq: 'x00289132',
  frameContentSeq: 'x00209111',
  inStackPositionNumber: 'x00209057',
  ctAcquisitionDetailsSeq: 'x00189304',
} as const;

const NON_IMAGE_SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.1.3.10': 'DICOMDIR (Media Storage Directory)',
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
  '1.2.840.10008.5.1.4.1.1.88.34': 'Comprehensive 3D SR',
  '1.2.840.10008.5.1.4.1.1.66': 'Raw Data',
  '1.2.840.10008.5.1.4.1.1.66.4': 'Segmentation',
  '1.2.840.10008.5.1.4.1.1.481.3': 'RT Structure Set',
  '1.2.840.10008.5.1.4.1.1.104.1': 'Encapsulated PDF',
};

/** Options of parseDicomFile. */
export interface ParseDicomFileOptions {
  /** Only read the header (hu of every slice is an empty array). Default false. */
  headerOnly?: boolean;
  /**
   * Decoders for compressed transfer syntaxes (see src/codecs), on top of the
   * built-in ones (RLE Lossless, Encapsulated Uncompressed). A file whose
   * compressed syntax has no decoder is skipped with a reason.
   */
  decoders?: PixelDecoderRegistry;
  /**
   * Where to write each frame's HU: an Int16Array of Rows × Columns (for
   * example one slice of an already allocated volume), which then becomes
   * that slice's hu; null or undefined: a new array. Saves one copy per
   * slice when the caller knows where the slice goes.
   */
  huOutput?: (header: SliceHeader) => Int16Array | null | undefined;
  /**
   * `bytes` is only the start of a file of this many bytes: parse the header
   * up to the Pixel Data element (implies headerOnly) and check the pixel
   * data length against the whole file's size. A header longer than the
   * prefix gives a "truncated" skip: read the whole file then.
   */
  prefixOfFileBytes?: number;
}

/** Encapsulated Uncompressed: each frame's fragments hold native little-endian words. */
function decodeEncapsulatedUncompressed(frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  const n = info.rows * info.columns * info.samplesPerPixel;
  if (info.bitsAllocated === 8) {
    if (frame.length < n) throw new DecodeError(`frame holds ${frame.length} bytes, expected ${n}`);
    return frame.subarray(0, n);
  }
  if (frame.length < 2 * n) throw new DecodeError(`frame holds ${frame.length} bytes, expected ${2 * n}`);
  return new Uint16Array(frame.slice(0, 2 * n).buffer);
}

/** Decoders that need no set-up: always available. */
const BUILT_IN_DECODERS: PixelDecoderRegistry = new Map<string, PixelDecoder>([
  [RLE_LOSSLESS, decodeRle],
  [ENCAPSULATED_UNCOMPRESSED_LE, decodeEncapsulatedUncompressed],
]);


class SkipError extends Error {}

/** The file is fine so far but its compressed syntax has no decoder at hand. */
class MissingDecoderError extends SkipError {
  constructor(readonly transferSyntaxUid: string, message: string) {
    super(message);
  }
}

function skip(reason: string): never {
  throw new SkipError(reason);
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return errorText((e as { exception: unknown }).exception);
  return String(e);
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  const end = Math.min(bytes.length, start + length);
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function readU16(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}

function readU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x1000000;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const ALL_VRS = new Set([
  ...LONG_VRS, 'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST',
  'TM', 'UI', 'UL', 'US',
]);

function looksLikeVr(b: Uint8Array, p: number): boolean {
  return p + 2 <= b.length && ALL_VRS.has(ascii(b, p, 2));
}

function inflater(arr: Uint8Array, position: number | undefined): Uint8Array {
  // dicom-parser passes no position when the bytes start with the data set (no Part-10 header).
  position = position ?? 0;
  const inflated = inflateSync(arr.subarray(position));
  const full = new Uint8Array(position + inflated.length);
  full.set(arr.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

interface Layout {
  /** Bytes dicom-parser parses. */
  bytes: Uint8Array;
  /** Transfer syntax to assume when the bytes do not start with a Part-10 header. */
  transferSyntax: string | null;
  /** How the file starts, for messages. */
  kind: 'part10' | 'meta-without-preamble' | 'bare-dataset';
}

interface MetaGroup {
  /** Offset just after the last group-0002 element. */
  end: number;
  /** TransferSyntaxUID (0002,0010), '' when absent. */
  transferSyntax: string;
}

/** Reads a file meta group (explicit VR little endian, PS3.10 7.1) starting at `start`. */
function readMetaGroup(bytes: Uint8Array, start: number): MetaGroup {
  let p = start;
  let ts = '';
  while (p + 8 <= bytes.length && readU16(bytes, p) === 0x0002) {
    const element = readU16(bytes, p + 2);
    const vr = ascii(bytes, p + 4, 2);
    let headerLength = 8;
    let length = readU16(bytes, p + 6);
    if (LONG_VRS.has(vr)) {
      headerLength = 12;
      length = readU32(bytes, p + 8);
    }
    if (p + headerLength + length > bytes.length) skip('truncated file: ends inside the file meta group');
    if (element === 0x0010) ts = ascii(bytes, p + headerLength, length).replace(/[\0 ]+$/, '');
    p += headerLength + length;
  }
  return { end: p, transferSyntax: ts };
}

/**
 * Finds how the data set starts. Part-10 files are handed to dicom-parser as
 * they are; a file meta group without preamble is read here (explicit VR
 * little endian, PS3.10 7.1) and the data set after it parsed with its
 * transfer syntax; a bare data set is guessed from its first element.
 */
function detectLayout(bytes: Uint8Array): Layout {
  if (bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM') {
    return { bytes, transferSyntax: null, kind: 'part10' };
  }
  if (bytes.length < 8) skip('not a DICOM file (too short)');
  const group = readU16(bytes, 0);
  if (group === 0x0002 && looksLikeVr(bytes, 4)) {
    const meta = readMetaGroup(bytes, 0);
    if (!meta.transferSyntax) skip('file meta group without preamble has no TransferSyntaxUID (0002,0010)');
    return { bytes: bytes.subarray(meta.end), transferSyntax: meta.transferSyntax, kind: 'meta-without-preamble' };
  }
  // Bare data set: the first tag must look like a DICOM tag of an even (public) group.
  const element = readU16(bytes, 2);
  if (group === 0 || group > 0x7fe0 || (group & 1) === 1 || element > 0x7fff) skip('not a DICOM file (no DICM prefix and no data set start)');
  if (looksLikeVr(bytes, 4)) return { bytes, transferSyntax: EXPLICIT_VR_LE, kind: 'bare-dataset' };
  const length = readU32(bytes, 4);
  if (length !== 0xffffffff && length > bytes.length) skip('not a DICOM file (no DICM prefix and no data set start)');
  return { bytes, transferSyntax: IMPLICIT_VR_LE, kind: 'bare-dataset' };
}

function parseDataSet(layout: Layout, untilPixelData = false): DataSet {
  const base = layout.transferSyntax ? { TransferSyntaxUID: layout.transferSyntax, inflater } : { inflater };
  const options = untilPixelData ? { ...base, untilTag: T.pixelData } : base;
  try {
    // dicom-parser's typings declare the inflater as returning void; it uses the returned array.
    return dicomParser.parseDicom(layout.bytes, options as unknown as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (e) {
    const partial = (e && typeof e === 'object' && 'dataSet' in e ? (e as { dataSet: DataSet }).dataSet : null);
    const msg = errorText(e);
    if (partial && /overrun|past end|beyond|end of buffer/i.test(msg)) {
      const px = partial.elements[T.pixelData];
      if (px && px.dataOffset + px.length > partial.byteArray.length) {
        skip(`truncated file: Pixel Data declares ${px.length} bytes but only ${Math.max(0, partial.byteArray.length - px.dataOffset)} are present`);
      }
      skip(`truncated file: ends inside the header (${Object.keys(partial.elements).length} elements read)`);
    }
    if (layout.kind === 'bare-dataset') skip(`not a DICOM file (no DICM prefix; guessed data set does not parse: ${msg})`);
    if (/overrun|past end|beyond|end of buffer/i.test(msg)) skip(`truncated file: ${msg}`);
    skip(`unreadable DICOM: ${msg}`);
  }
}

// ---- header field helpers ----

function str(ds: DataSet, tag: string): string {
  try {
    return (ds.string(tag) ?? '').trim();
  } catch {
    return '';
  }
}

function num(ds: DataSet | null, tag: string, index = 0): number | null {
  if (!ds || !ds.elements[tag] || ds.elements[tag].length === 0) return null;
  try {
    const v = ds.floatString(tag, index);
    return v !== undefined && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function intStr(ds: DataSet, tag: string): number | null {
  const v = num(ds, tag);
  return v === null ? null : Math.round(v);
}

function us(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  return ds.uint16(tag) ?? null;
}

function vec(ds: DataSet | null, tag: string, n: number): number[] | null {
  if (!ds || !ds.elements[tag]) return null;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = num(ds, tag, i);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

function firstItem(ds: DataSet | null, seqTag: string): DataSet | null {
  const el: Element | undefined = ds?.elements[seqTag];
  return el?.items?.[0]?.dataSet ?? null;
}

/** A functional group macro's item for one frame: per-frame first, then shared. */
function functionalGroup(perFrame: DataSet | null, shared: DataSet | null, seqTag: string): DataSet | null {
  return firstItem(perFrame, seqTag) ?? firstItem(shared, seqTag);
}

function normalize(v: number[]): Vec3 | null {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 1e-6)) return null;
  return [v[0] / len, v[1] / len, v[2] / len];
}

function orientationOf(v: number[] | null): [Vec3, Vec3] | null {
  if (!v) return null;
  const r = normalize(v.slice(0, 3));
  const c = normalize(v.slice(3, 6));
  return r && c ? [r, c] : null;
}

interface FrameGeometry {
  imagePositionMm: Vec3 | null;
  imageOrientation: [Vec3, Vec3] | null;
  pixelSpacingMmXy: [number, number] | null;
  sliceThicknessMm: number | null;
  rescale: Rescale;
  windowCenter: number | null;
  windowWidth: number | null;
  inStackPosition: number | null;
}

function geometryFrom(
  planePos: DataSet | null, planeOri: DataSet | null, measures: DataSet | null,
  transform: DataSet | null, voi: DataSet | null,
): Omit<FrameGeometry, 'inStackPosition'> {
  const ipp = vec(planePos, T.imagePosition, 3);
  const ps = vec(measures, T.pixelSpacing, 2);
  const slope = num(transform, T.rescaleSlope);
  return {
    imagePositionMm: ipp ? [ipp[0], ipp[1], ipp[2]] : null,
    imageOrientation: orientationOf(vec(planeOri, T.imageOrientation, 6)),
    // PixelSpacing is (between rows, between columns) = (y, x).
    pixelSpacingMmXy: ps && ps[0] > 0 && ps[1] > 0 ? [ps[1], ps[0]] : null,
    sliceThicknessMm: num(measures, T.sliceThickness),
    rescale: { slope: slope === null || slope === 0 ? 1 : slope, intercept: num(transform, T.rescaleIntercept) ?? 0 },
    windowCenter: num(voi, T.windowCenter),
    windowWidth: num(voi, T.windowWidth),
  };
}

function frameGeometries(ds: DataSet, frames: number): FrameGeometry[] {
  const top = geometryFrom(ds, ds, ds, ds, ds);
  const sharedEl = ds.elements[T.sharedFunctionalGroups];
  const perFrameEl = ds.elements[T.perFrameFunctionalGroups];
  if (!sharedEl && !perFrameEl) {
    return Array.from({ length: frames }, () => ({ ...top, inStackPosition: null }));
  }
  const shared = sharedEl?.items?.[0]?.dataSet ?? null;
  const out: FrameGeometry[] = [];
  for (let f = 0; f < frames; f++) {
    const pf = perFrameEl?.items?.[f]?.dataSet ?? null;
    const g = geometryFrom(
      functionalGroup(pf, shared, T.planePositionSeq),
      functionalGroup(pf, shared, T.planeOrientationSeq),
      functionalGroup(pf, shared, T.pixelMeasuresSeq),
      functionalGroup(pf, shared, T.pixelValueTransformationSeq),
      functionalGroup(pf, shared, T.frameVoiLutSeq),
    );
    const hasTransform = functionalGroup(pf, shared, T.pixelValueTransformationSeq) !== null;
    const content = functionalGroup(pf, shared, T.frameContentSeq);
    out.push({
      imagePositionMm: g.imagePositionMm ?? top.imagePositionMm,
      imageOrientation: g.imageOrientation ?? top.imageOrientation,
      pixelSpacingMmXy: g.pixelSpacingMmXy ?? top.pixelSpacingMmXy,
      sliceThicknessMm: g.sliceThicknessMm ?? top.sliceThicknessMm,
      rescale: hasTransform ? g.rescale : top.rescale,
      windowCenter: g.windowCenter ?? top.windowCenter,
      windowWidth: g.windowWidth ?? top.windowWidth,
      inStackPosition: content && content.elements[T.inStackPositionNumber] ? content.uint32(T.inStackPositionNumber) ?? null : null,
    });
  }
  return out;
}

function baseHeader(ds: DataSet, file: string, transferSyntaxUid: string, rows: number, columns: number): Omit<SliceHeader,
  'frame' | 'pixelSpacingMmXy' | 'imagePositionMm' | 'imageOrientation' | 'sliceThicknessMm' | 'rescaleSlope' | 'rescaleIntercept' | 'windowCenter' | 'windowWidth'> {
  const ctDetails = firstItem(firstItem(ds, T.sharedFunctionalGroups), T.ctAcquisitionDetailsSeq);
  return {
    file,
    sopInstanceUid: str(ds, T.sopInstance),
    seriesInstanceUid: str(ds, T.seriesUid),
    studyInstanceUid: str(ds, T.studyUid),
    frameOfReferenceUid: str(ds, T.frameOfReference),
    modality: str(ds, T.modality),
    seriesDescription: str(ds, T.seriesDescription),
    seriesNumber: intStr(ds, T.seriesNumber),
    instanceNumber: intStr(ds, T.instanceNumber),
    rows,
    columns,
    sliceLocationMm: num(ds, T.sliceLocation),
    transferSyntaxUid,
    gantryTiltDeg: num(ds, T.gantryTilt) ?? num(ctDetails, T.gantryTilt),
    manufacturer: str(ds, T.manufacturer),
    manufacturerModel: str(ds, T.manufacturerModel),
    convolutionKernel: str(ds, T.convolutionKernel),
    kvp: str(ds, T.kvp),
    bodyPart: str(ds, T.bodyPart),
    patientName: str(ds, T.patientName),
    patientId: str(ds, T.patientId),
  };
}

function parseOrThrow(bytes: Uint8Array, file: string, options: ParseDicomFileOptions): DecodedSlice[] {
  const prefix = options.prefixOfFileBytes !== undefined;
  if (prefix) options = { ...options, headerOnly: true };
  const layout = detectLayout(bytes);
  const ds = parseDataSet(layout, prefix);
  const tsUid = layout.transferSyntax ?? str(ds, T.transferSyntax);
  if (!tsUid) skip('file meta group has no TransferSyntaxUID (0002,0010)');
  const ts = transferSyntaxInfo(tsUid);

  const pixelEl = ds.elements[T.pixelData];
  if (!pixelEl) {
    const sopClass = str(ds, T.sopClass) || str(ds, T.mediaStorageSopClass);
    const modality = str(ds, T.modality);
    const what = NON_IMAGE_SOP_CLASSES[sopClass] ?? (modality ? `modality ${modality}` : sopClass ? `SOP class ${sopClass}` : 'unknown object');
    skip(`no Pixel Data: not an image (${what})`);
  }
  const rows = us(ds, T.rows);
  const columns = us(ds, T.columns);
  const samples = us(ds, T.samplesPerPixel) ?? 1;
  const photometric = str(ds, T.photometric) || 'MONOCHROME2';
  const colour = samples !== 1 || !photometric.startsWith('MONOCHROME');
  const colourNote = colour ? `colour image (SamplesPerPixel ${samples}, ${photometric})` : '';

  if (ts.kind === 'unknown') skip(`unknown transfer syntax ${tsUid}`);
  if (colour) {
    skip(`${colourNote}: only greyscale images are supported${ts.kind === 'compressed' ? ` (${describeTransferSyntax(tsUid)})` : ''}`);
  }
  if (!rows || !columns) skip('image without Rows/Columns');
  let decoder: PixelDecoder | null = null;
  if (ts.kind === 'compressed') {
    decoder = BUILT_IN_DECODERS.get(tsUid) ?? options.decoders?.get(tsUid) ?? null;
    if (!decoder) {
      throw new MissingDecoderError(tsUid, `compressed transfer syntax ${describeTransferSyntax(tsUid)} is not supported: no decoder for it is available here`);
    }
    if (!pixelEl.encapsulatedPixelData) skip(`Pixel Data is not encapsulated although the transfer syntax ${describeTransferSyntax(tsUid)} is compressed`);
  } else if (pixelEl.encapsulatedPixelData) {
    skip(`encapsulated Pixel Data with uncompressed transfer syntax ${describeTransferSyntax(tsUid)}`);
  }

  const bitsAllocated = us(ds, T.bitsAllocated) ?? 16;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) skip(`BitsAllocated ${bitsAllocated} is not supported (only 8 and 16)`);
  const bitsStored = Math.min(bitsAllocated, us(ds, T.bitsStored) ?? bitsAllocated);
  const highBit = us(ds, T.highBit) ?? bitsStored - 1;
  const pixelRepresentation = us(ds, T.pixelRepresentation) === 1 ? 1 : 0;
  const fmt: PixelFormat = {
    bitsAllocated, bitsStored, highBit: Math.min(highBit, bitsAllocated - 1), pixelRepresentation,
    bigEndian: ts.bigEndian,
  };
  const paddingWord = us(ds, T.pixelPaddingValue);
  const padding: PixelPadding | null = paddingWord === null ? null : { valueWord: paddingWord, rangeLimitWord: us(ds, T.pixelPaddingRangeLimit) };

  const frames = Math.max(1, intStr(ds, T.numberOfFrames) ?? 1);
  const bytesPerPixel = bitsAllocated / 8;
  const pixelsPerFrame = rows * columns;
  const frameBytes = pixelsPerFrame * bytesPerPixel;
  const data = ds.byteArray as Uint8Array;
  let encoded: Uint8Array[] | null = null;
  if (decoder) {
    if (!options.headerOnly) {
      try {
        encoded = encapsulatedFrames({
          bytes: data,
          fragments: pixelEl.fragments ?? [],
          basicOffsetTable: pixelEl.basicOffsetTable ?? [],
          extendedOffsetTable: extendedOffsets(ds),
        }, frames);
      } catch (e) {
        skip(errorText(e));
      }
    }
  } else {
    // Bytes of the data set in the whole file. (A deflated data set is
    // inflated into a new array: its prefix says nothing of the file's size.)
    const total = prefix && data.buffer === bytes.buffer
      ? Math.max(data.length, (options.prefixOfFileBytes ?? 0) - (data.byteOffset - bytes.byteOffset))
      : data.length;
    const available = Math.max(0, total - pixelEl.dataOffset);
    const declared = pixelEl.length;
    if (declared > available) skip(`truncated file: Pixel Data declares ${declared} bytes but only ${available} are present`);
    if (declared < frameBytes * frames) {
      skip(`Pixel Data holds ${declared} bytes, less than Rows × Columns × Frames × ${bytesPerPixel} = ${frameBytes * frames}`);
    }
  }
  const info: EncodedFrameInfo = {
    rows, columns, bitsAllocated, bitsStored, pixelRepresentation, samplesPerPixel: samples,
    photometricInterpretation: photometric, transferSyntaxUid: tsUid,
  };

  const geos = frameGeometries(ds, frames);
  const base = baseHeader(ds, file, tsUid, rows, columns);
  const out: DecodedSlice[] = [];
  for (let f = 0; f < frames; f++) {
    const g = geos[f];
    const header: SliceHeader = {
      ...base,
      frame: f,
      pixelSpacingMmXy: g.pixelSpacingMmXy,
      imagePositionMm: g.imagePositionMm,
      imageOrientation: g.imageOrientation,
      sliceThicknessMm: g.sliceThicknessMm,
      rescaleSlope: g.rescale.slope,
      rescaleIntercept: g.rescale.intercept,
      windowCenter: g.windowCenter,
      windowWidth: g.windowWidth,
    };
    if (frames > 1 && g.inStackPosition !== null && header.instanceNumber === null) header.instanceNumber = g.inStackPosition;
    if (options.headerOnly) {
      out.push({ header, hu: new Int16Array(0) });
      continue;
    }
    const target = options.huOutput?.(header);
    if (target && target.length !== pixelsPerFrame) {
      throw new RangeError(`huOutput gave ${target.length} elements for a ${columns} × ${rows} frame`);
    }
    const hu = target ?? new Int16Array(pixelsPerFrame);
    if (decoder && encoded) {
      const words = decodeFrame(decoder, encoded[f], info, frames > 1 ? f : null);
      convertToHu(words, fmt, g.rescale, padding, hu);
    } else {
      const start = pixelEl.dataOffset + f * frameBytes;
      convertToHu(data.subarray(start, start + frameBytes), fmt, g.rescale, padding, hu);
    }
    out.push({ header, hu });
  }
  return out;
}

/** Extended Offset Table (7FE0,0001, 64-bit offsets) as numbers, or null when absent or unusable. */
function extendedOffsets(ds: DataSet): number[] | null {
  const el = ds.elements[T.extendedOffsetTable];
  if (!el || el.length < 8 || el.length % 8 !== 0) return null;
  const b = ds.byteArray as Uint8Array;
  const out: number[] = [];
  for (let p = el.dataOffset; p + 8 <= el.dataOffset + el.length; p += 8) out.push(readU32(b, p) + readU32(b, p + 4) * 0x100000000);
  return out;
}

/** Runs the decoder on one frame and returns its stored words as bytes, checked against the header. */
function decodeFrame(decoder: PixelDecoder, frame: Uint8Array, info: EncodedFrameInfo, frameIndex: number | null): Uint8Array {
  const what = `${describeTransferSyntax(info.transferSyntaxUid)}${frameIndex === null ? '' : ` frame ${frameIndex + 1}`}`;
  let words: DecodedPixels;
  try {
    words = decoder(frame, info);
  } catch (e) {
    skip(`cannot decode ${what}: ${errorText(e)}`);
  }
  const expected = info.rows * info.columns * info.samplesPerPixel;
  if (words.length !== expected) {
    skip(`decoded ${what} has ${words.length} samples, expected Rows × Columns × SamplesPerPixel = ${expected}`);
  }
  if (info.bitsAllocated === 16 && words.BYTES_PER_ELEMENT === 1) {
    // An 8-bit code stream in 16-bit words: widen.
    const wide = new Uint16Array(words.length);
    wide.set(words);
    words = wide;
  } else if (info.bitsAllocated === 8 && words.BYTES_PER_ELEMENT !== 1) {
    skip(`decoded ${what} has 16-bit samples but BitsAllocated is 8`);
  }
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** Parses one file. Never throws: problems come back as a skipped file with a reason. */
export function parseDicomFile(bytes: Uint8Array, file: string, options: ParseDicomFileOptions = {}): ParseFileResult {
  try {
    return { ok: true, slices: parseOrThrow(bytes, file, options) };
  } catch (e) {
    const reason = e instanceof SkipError ? e.message : `unreadable DICOM: ${errorText(e)}`;
    if (e instanceof MissingDecoderError) return { ok: false, skipped: { file, reason }, missingDecoder: e.transferSyntaxUid };
    return { ok: false, skipped: { file, reason } };
  }
}
