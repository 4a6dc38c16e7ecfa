/**
 * One DICOM file -> its header fields and HU pixels (one slice per frame), or
 * the reason it is skipped. Never throws.
 *
 * Variant: the layout is detected first: Part-10 (preamble + "DICM") or a
 * file meta group without preamble (both read here, PS3.10 7.1), or a bare
 * data set (ACR-NEMA style, implicit VR little endian guessed unless the
 * first element carries an explicit VR); a deflated data set is inflated
 * here (fflate, in steps, with a size limit). dicom-parser then indexes the
 * data set alone (no copy of the file), after a walk that refuses nesting and
 * element counts it could not take (dicomParserLib.ts). Native syntaxes
 * (implicit/explicit VR little endian, explicit VR big endian) and deflated
 * explicit VR little endian are decoded; compressed syntaxes go through a
 * PixelDecoder per frame (RLE Lossless and Encapsulated Uncompressed built
 * in, the others passed in by the caller, see pixelDecoder.ts and src/codecs)
 * and are reported by name when no decoder is at hand; the decoded words then
 * take the same path to HU as native ones. Multi-frame Enhanced CT frames take
 * their geometry and rescale from the per-frame / shared functional groups
 * (PS3.3 C.7.6.16). HU conversion: see pixelToHu.ts; a rescale that cannot
 * give HU (rescaleRefusal) skips the file with the reason, one in doubt (tags
 * missing, slope 0 taken as 1, slope far from 1) is noted in the header for
 * the series' warning. Float / Double Float Pixel Data is skipped as such;
 * ImagerPixelSpacing stands in for a missing PixelSpacing (noted).
 *
 * Bad input is skipped with a reason, never by an exception, and never costs
 * more than the file justifies (PARSE_LIMITS): native pixel data must be in
 * the file; a compressed frame's size, the frame count and the total pixels
 * are checked before anything is allocated for them, and every frame must
 * have a fragment; compressed frames are decoded and checked before their HU
 * array is allocated; header values quoted in reasons are cleaned of control
 * characters.
 *
 * Cost: O(header bytes) to walk and index (each functional group item is
 * read once, whatever NumberOfFrames says) + O(pixels) to convert; memory:
 * one Int16Array per frame, each owning its own ArrayBuffer (so a worker can
 * transfer it without dragging the file along), or the caller's array
 * (huOutput); the file bytes are read through views (pixel words not on a
 * 4-byte boundary go through one reused aligned copy, see pixelToHu.ts);
 * compressed frames cost what their decoder costs plus one decoded array;
 * dicom-parser's index costs up to ~400 bytes of heap per element or item.
 */
import { Inflate } from 'fflate';
import type { Vec3 } from '../volume/volume';
import { parseDataSetBytes, scanDataSet, type DataSet, type Element } from './dicomParserLib';
import { decodeRle } from './decodeRle';
import { encapsulatedFrames } from './encapsulatedFrames';
import { DecodeError, type DecodedPixels, type EncodedFrameInfo, type PixelDecoder, type PixelDecoderRegistry } from './pixelDecoder';
import { convertToHu, rescaleRefusal, unusualSlope, type PixelFormat, type PixelPadding, type Rescale } from './pixelToHu';
import {
  DEFLATED_EXPLICIT_VR_LE, describeTransferSyntax, ENCAPSULATED_UNCOMPRESSED_LE, EXPLICIT_VR_BE, EXPLICIT_VR_LE, IMPLICIT_VR_LE, RLE_LOSSLESS,
  transferSyntaxInfo,
} from './transferSyntax';
import type { DecodedSlice, ParseFileResult, SliceHeader } from './types';

const T = {
  imageType: 'x00080008',
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
  imagerPixelSpacing: 'x00181164',
  convolutionKernel: 'x00181210',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  seriesNumber: 'x00200011',
  acquisitionNumber: 'x00200012',
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
  floatPixelData: 'x7fe00008',
  doubleFloatPixelData: 'x7fe00009',
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

/**
 * What one file may make the parser allocate, checked before allocating.
 * Native pixel data must be present in the file (so it is bounded by the
 * file's size anyway); compressed frames are refused above these sizes.
 */
export const PARSE_LIMITS = {
  /** Pixels of one compressed frame (16384 × 16384). */
  maxFramePixels: 2 ** 28,
  /** Pixels of all frames of one file (1 GiB of HU). */
  maxFilePixels: 2 ** 29,
  /** Frames of one file (each becomes a slice with its own header). */
  maxFrames: 16384,
  /** Bytes of an inflated (deflated transfer syntax) data set. */
  maxInflatedBytes: 2 ** 26,
  /** Sequence nesting (dicom-parser recurses once per level; real files nest fewer than 10). */
  maxSequenceDepth: 64,
  /**
   * Data elements, sequence items and Pixel Data fragments of one data set:
   * dicom-parser builds an object of up to ~400 bytes for each (so this bounds
   * its heap at about 100 MB and its time at about half a second); an Enhanced
   * CT has about 45 per frame with its functional groups (5,000 frames fit).
   */
  maxElements: 2 ** 18,
} as const;

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

/**
 * Text from the file (or a library message) as it may appear in a reason:
 * control and other unprintable characters become "?", at most `max` characters.
 */
function shown(s: string, max = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
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

function hex4(v: number): string {
  return v.toString(16).toUpperCase().padStart(4, '0');
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const ALL_VRS = new Set([
  ...LONG_VRS, 'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'PN', 'SH', 'SL', 'SS', 'ST',
  'TM', 'UI', 'UL', 'US',
]);

function looksLikeVr(b: Uint8Array, p: number): boolean {
  return p + 2 <= b.length && ALL_VRS.has(ascii(b, p, 2));
}

/** Input pushed to the inflater at a time: bounds what one step can produce (DEFLATE expands at most 1032:1). */
const INFLATE_CHUNK = 1 << 16;

/**
 * A deflated data set (PS3.5 A.5: raw DEFLATE) inflated in steps, refused as
 * soon as it passes PARSE_LIMITS.maxInflatedBytes: a few KiB of DEFLATE can
 * claim a gigabyte.
 */
function inflateDataSet(deflated: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Inflate((chunk) => {
    total += chunk.length;
    if (total > PARSE_LIMITS.maxInflatedBytes) skip(`deflated data set inflates to more than ${PARSE_LIMITS.maxInflatedBytes} bytes`);
    if (chunk.length) chunks.push(chunk);
  });
  try {
    let p = 0;
    do {
      const end = Math.min(deflated.length, p + INFLATE_CHUNK);
      stream.push(deflated.subarray(p, end), end >= deflated.length);
      p = end;
    } while (p < deflated.length);
  } catch (e) {
    if (e instanceof SkipError) throw e;
    skip(`deflated data set cannot be inflated: ${shown(errorText(e), 120)}`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

interface Layout {
  /** The data set's bytes (after any preamble and meta group; inflated when deflated). */
  dataSet: Uint8Array;
  /** The file's transfer syntax (from the meta group, or guessed). */
  transferSyntax: string;
  /** How the data set bytes are encoded. */
  explicit: boolean;
  bigEndian: boolean;
  /** MediaStorageSOPClassUID (0002,0002) of the meta group, '' when absent. */
  metaSopClass: string;
  /** How the file starts, for messages. */
  kind: 'part10' | 'meta-without-preamble' | 'bare-dataset';
}

interface MetaGroup {
  /** Offset just after the last group-0002 element. */
  end: number;
  /** TransferSyntaxUID (0002,0010), '' when absent. */
  transferSyntax: string;
  /** MediaStorageSOPClassUID (0002,0002), '' when absent. */
  sopClass: string;
}

/** Reads a file meta group (explicit VR little endian, PS3.10 7.1) starting at `start`. */
function readMetaGroup(bytes: Uint8Array, start: number): MetaGroup {
  let p = start;
  let ts = '';
  let sopClass = '';
  while (p + 8 <= bytes.length && readU16(bytes, p) === 0x0002) {
    const element = readU16(bytes, p + 2);
    const vr = ascii(bytes, p + 4, 2);
    let headerLength = 8;
    let length = readU16(bytes, p + 6);
    if (LONG_VRS.has(vr)) {
      if (p + 12 > bytes.length) skip('truncated file: ends inside the file meta group');
      headerLength = 12;
      length = readU32(bytes, p + 8);
    }
    if (p + headerLength + length > bytes.length) {
      const left = Math.max(0, bytes.length - p - headerLength);
      skip(`truncated file: file meta element (0002,${hex4(element)}) declares ${length} bytes but only ${left} are left`);
    }
    const value = () => ascii(bytes, p + headerLength, length).replace(/[\0 ]+$/, '');
    if (element === 0x0010) ts = value();
    if (element === 0x0002) sopClass = value();
    p += headerLength + length;
  }
  return { end: p, transferSyntax: ts, sopClass };
}

function fromMeta(bytes: Uint8Array, start: number, kind: Layout['kind']): Layout {
  const meta = readMetaGroup(bytes, start);
  if (!meta.transferSyntax) skip('file meta group has no TransferSyntaxUID (0002,0010)');
  const ts = meta.transferSyntax;
  let dataSet = bytes.subarray(meta.end);
  if (ts === DEFLATED_EXPLICIT_VR_LE) dataSet = inflateDataSet(dataSet);
  return {
    dataSet, transferSyntax: ts, explicit: ts !== IMPLICIT_VR_LE, bigEndian: ts === EXPLICIT_VR_BE, metaSopClass: meta.sopClass, kind,
  };
}

/**
 * Finds how the data set starts: after the preamble and meta group of a
 * Part-10 file, after a meta group without preamble (both read here,
 * explicit VR little endian, PS3.10 7.1), or at byte 0 of a bare data set,
 * whose encoding is guessed from its first element. A deflated data set is
 * inflated here. dicom-parser then reads only the data set.
 */
function detectLayout(bytes: Uint8Array): Layout {
  if (bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM') return fromMeta(bytes, 132, 'part10');
  if (bytes.length < 8) skip(bytes.length === 0 ? 'not a DICOM file (empty: 0 bytes)' : `not a DICOM file (only ${bytes.length} bytes)`);
  const group = readU16(bytes, 0);
  if (group === 0x0002 && looksLikeVr(bytes, 4)) return fromMeta(bytes, 0, 'meta-without-preamble');
  // Bare data set: the first tag must look like a DICOM tag of an even (public) group.
  const element = readU16(bytes, 2);
  if (group === 0 || group > 0x7fe0 || (group & 1) === 1 || element > 0x7fff) skip('not a DICOM file (no DICM prefix and no data set start)');
  const bare = { dataSet: bytes, bigEndian: false, metaSopClass: '', kind: 'bare-dataset' as const };
  if (looksLikeVr(bytes, 4)) return { ...bare, transferSyntax: EXPLICIT_VR_LE, explicit: true };
  const length = readU32(bytes, 4);
  if (length !== 0xffffffff && length > bytes.length) skip('not a DICOM file (no DICM prefix and no data set start)');
  return { ...bare, transferSyntax: IMPLICIT_VR_LE, explicit: false };
}

const TRUNCATION = /overrun|past end|beyond|end of buffer/i;

/** A dicom-parser message as a reason (its function names dropped, known failures named). */
function parserMessage(msg: string): string {
  const item = /item tag \(FFFE,E000\) not found at offset (\d+)/.exec(msg);
  if (item) return `malformed sequence: no item tag (FFFE,E000) at byte ${item[1]} of the data set`;
  if (/maxP ?osition/.test(msg)) return 'malformed sequence: an item is longer than the data left after it';
  if (/basic offset table not found/.test(msg)) return 'encapsulated Pixel Data does not start with an item (Basic Offset Table)';
  if (/Maximum call stack/i.test(msg)) return 'sequences nested too deeply to read';
  return shown(msg.replace(/^dicomParser[.\w]*:\s*/, ''), 160);
}

function parseDataSet(layout: Layout, untilPixelData = false): DataSet {
  const bytes = layout.dataSet;
  if (bytes.length === 0) skip(layout.kind === 'bare-dataset' ? 'not a DICOM file (empty: 0 bytes)' : 'no data set after the file meta group');
  const scan = scanDataSet(bytes, layout.explicit, layout.bigEndian, {
    maxDepth: PARSE_LIMITS.maxSequenceDepth, maxElements: PARSE_LIMITS.maxElements,
  }, untilPixelData ? 0x7fe00010 : undefined);
  if (scan.depth > PARSE_LIMITS.maxSequenceDepth) skip(`sequences nested more than ${PARSE_LIMITS.maxSequenceDepth} deep`);
  if (scan.elements > PARSE_LIMITS.maxElements) skip(`more than ${PARSE_LIMITS.maxElements} data elements, sequence items and fragments`);
  let ds: DataSet;
  try {
    ds = parseDataSetBytes(bytes, { explicit: layout.explicit, bigEndian: layout.bigEndian, untilTag: untilPixelData ? T.pixelData : undefined });
  } catch (e) {
    const partial = (e && typeof e === 'object' && 'dataSet' in e ? (e as { dataSet: DataSet }).dataSet : null);
    const msg = errorText(e);
    if (partial && TRUNCATION.test(msg)) {
      const px = partial.elements[T.pixelData];
      if (px && px.dataOffset + px.length > partial.byteArray.length) {
        skip(`truncated file: Pixel Data declares ${px.length} bytes but only ${Math.max(0, partial.byteArray.length - px.dataOffset)} are present`);
      }
      skip(`truncated file: ends inside the header (${Object.keys(partial.elements).length} elements read)`);
    }
    if (layout.kind === 'bare-dataset') skip(`not a DICOM file (no DICM prefix; guessed data set does not parse: ${parserMessage(msg)})`);
    if (TRUNCATION.test(msg)) skip(`truncated file: ${parserMessage(msg)}`);
    skip(`unreadable DICOM: ${parserMessage(msg)}`);
  }
  // Implicit VR data sets are not checked for overruns by dicom-parser: an element may claim bytes
  // past the end. One before Pixel Data (or in a file without) makes the file truncated; one after
  // it is not read (and the accessors below check bounds anyway).
  const pixelAt = ds.elements[T.pixelData]?.dataOffset ?? Infinity;
  for (const el of Object.values(ds.elements)) {
    if (el.dataOffset >= pixelAt) continue;
    if (el.dataOffset + el.length > bytes.length) {
      const tag = el.tag.slice(1).toUpperCase();
      skip(`truncated file: element (${tag.slice(0, 4)},${tag.slice(4)}) declares ${el.length} bytes but only ${Math.max(0, bytes.length - el.dataOffset)} are present`);
    }
  }
  return ds;
}

// ---- header field helpers ----

/** Longest text read from a header element: no field read here is valid beyond this (LO 64, UI 64, CS 16 characters). */
const MAX_TEXT = 1024;
/** Longest single numeric value read (DS has at most 16 characters, IS 12). */
const MAX_NUMBER_TEXT = 64;

/**
 * Where an element's value lies: [start, end) of the data set's bytes; null
 * when absent, empty or running past the end. str and num read from here up
 * to the first NUL (as dicom-parser's readFixedString does) and only as far
 * as they need, rather than with dicom-parser's string(), which builds the
 * whole value a character at a time and splits it: time and memory a length
 * field could multiply (a 1 MB PixelSpacing took a second, once per frame).
 */
function textRange(ds: DataSet | null, tag: string): [Uint8Array, number, number] | null {
  const el = ds?.elements[tag];
  if (!ds || !el || !(el.length > 0) || el.dataOffset + el.length > ds.byteArray.length) return null;
  return [ds.byteArray as Uint8Array, el.dataOffset, el.dataOffset + el.length];
}

function str(ds: DataSet, tag: string): string {
  const r = textRange(ds, tag);
  if (!r) return '';
  const [b, start, end] = r;
  let s = '';
  for (let i = start; i < end && i < start + MAX_TEXT && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s.trim();
}

/** The index-th backslash-separated value of a DS or IS element as a finite number, or null. */
function num(ds: DataSet | null, tag: string, index = 0): number | null {
  const r = textRange(ds, tag);
  if (!r) return null;
  const [b, start, end] = r;
  let p = start;
  for (let k = 0; k < index; k++) {
    while (p < end && b[p] !== 0x5c && b[p] !== 0) p++;
    if (p >= end || b[p] === 0) return null;
    p++;
  }
  let q = p;
  while (q < end && b[q] !== 0x5c && b[q] !== 0 && q - p <= MAX_NUMBER_TEXT) q++;
  if (q - p > MAX_NUMBER_TEXT) return null;
  let s = '';
  for (let i = p; i < q; i++) s += String.fromCharCode(b[i]);
  const v = parseFloat(s.trim());
  return Number.isFinite(v) ? v : null;
}

function intStr(ds: DataSet, tag: string): number | null {
  const v = num(ds, tag);
  return v === null ? null : Math.round(v);
}

function us(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2 || el.dataOffset + 2 > ds.byteArray.length) return null;
  try {
    return ds.uint16(tag) ?? null;
  } catch {
    return null;
  }
}

function ul(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 4 || el.dataOffset + 4 > ds.byteArray.length) return null;
  try {
    return ds.uint32(tag) ?? null;
  } catch {
    return null;
  }
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

type RescaleNote = NonNullable<SliceHeader['rescaleNote']>;

interface FrameGeometry {
  imagePositionMm: Vec3 | null;
  imageOrientation: [Vec3, Vec3] | null;
  pixelSpacingMmXy: [number, number] | null;
  pixelSpacingSource: 'PixelSpacing' | 'ImagerPixelSpacing';
  sliceThicknessMm: number | null;
  rescale: Rescale;
  rescaleNote: RescaleNote | null;
  windowCenter: number | null;
  windowWidth: number | null;
  inStackPosition: number | null;
}

function positionOf(item: DataSet | null): Vec3 | null {
  const ipp = vec(item, T.imagePosition, 3);
  return ipp ? [ipp[0], ipp[1], ipp[2]] : null;
}

function spacingOf(item: DataSet | null, tag: string = T.pixelSpacing): [number, number] | null {
  // PixelSpacing is (between rows, between columns) = (y, x).
  const ps = vec(item, tag, 2);
  return ps && ps[0] > 0 && ps[1] > 0 ? [ps[1], ps[0]] : null;
}

/** Rescale of an item; slope 0 becomes 1 (noted), missing tags become slope 1, intercept 0 (noted). */
function rescaleOf(item: DataSet | null): { rescale: Rescale; note: RescaleNote | null } {
  const slope = num(item, T.rescaleSlope);
  const intercept = num(item, T.rescaleIntercept);
  const rescale = { slope: slope === null || slope === 0 ? 1 : slope, intercept: intercept ?? 0 };
  const note = slope === null && intercept === null ? 'missing' : slope === 0 ? 'slope0' : unusualSlope(rescale.slope) ? 'unusualSlope' : null;
  return { rescale, note };
}

function geometryFrom(item: DataSet): Omit<FrameGeometry, 'inStackPosition'> {
  const spacing = spacingOf(item);
  // ImagerPixelSpacing (at the detector) stands in for a missing PixelSpacing, noted in the header.
  const imager = spacing ? null : spacingOf(item, T.imagerPixelSpacing);
  const { rescale, note } = rescaleOf(item);
  return {
    imagePositionMm: positionOf(item),
    imageOrientation: orientationOf(vec(item, T.imageOrientation, 6)),
    pixelSpacingMmXy: spacing ?? imager,
    pixelSpacingSource: imager ? 'ImagerPixelSpacing' : 'PixelSpacing',
    sliceThicknessMm: num(item, T.sliceThickness),
    rescale,
    rescaleNote: note,
    windowCenter: num(item, T.windowCenter),
    windowWidth: num(item, T.windowWidth),
  };
}

/** Values of the functional group macros read here, from one item of each (per-frame or shared). */
interface MacroValues {
  position: Vec3 | null;
  orientation: [Vec3, Vec3] | null;
  spacing: [number, number] | null;
  thickness: number | null;
  /** null when the group has no Pixel Value Transformation item. */
  rescale: { rescale: Rescale; note: RescaleNote | null } | null;
  windowCenter: number | null;
  windowWidth: number | null;
  inStack: number | null;
}

function macroValues(group: DataSet | null, fallback: MacroValues | null): MacroValues {
  const item = (tag: string) => firstItem(group, tag);
  const pos = item(T.planePositionSeq);
  const ori = item(T.planeOrientationSeq);
  const measures = item(T.pixelMeasuresSeq);
  const transform = item(T.pixelValueTransformationSeq);
  const voi = item(T.frameVoiLutSeq);
  const content = item(T.frameContentSeq);
  return {
    position: pos ? positionOf(pos) : fallback?.position ?? null,
    orientation: ori ? orientationOf(vec(ori, T.imageOrientation, 6)) : fallback?.orientation ?? null,
    spacing: measures ? spacingOf(measures) : fallback?.spacing ?? null,
    thickness: measures ? num(measures, T.sliceThickness) : fallback?.thickness ?? null,
    rescale: transform ? rescaleOf(transform) : fallback?.rescale ?? null,
    windowCenter: voi ? num(voi, T.windowCenter) : fallback?.windowCenter ?? null,
    windowWidth: voi ? num(voi, T.windowWidth) : fallback?.windowWidth ?? null,
    inStack: content ? ul(content, T.inStackPositionNumber) : fallback?.inStack ?? null,
  };
}

/**
 * Geometry and rescale of each frame. Each item is read once (the shared
 * group's item before the loop, each frame's own item in it), so the cost is
 * linear in the header size whatever NumberOfFrames says.
 */
function frameGeometries(ds: DataSet, frames: number): FrameGeometry[] {
  const top = geometryFrom(ds);
  const sharedEl = ds.elements[T.sharedFunctionalGroups];
  const perFrameEl = ds.elements[T.perFrameFunctionalGroups];
  if (!sharedEl && !perFrameEl) {
    return Array.from({ length: frames }, () => ({ ...top, inStackPosition: null }));
  }
  const shared = macroValues(sharedEl?.items?.[0]?.dataSet ?? null, null);
  const out: FrameGeometry[] = [];
  for (let f = 0; f < frames; f++) {
    const pf = perFrameEl?.items?.[f]?.dataSet ?? null;
    const g = pf ? macroValues(pf, shared) : shared;
    out.push({
      imagePositionMm: g.position ?? top.imagePositionMm,
      imageOrientation: g.orientation ?? top.imageOrientation,
      pixelSpacingMmXy: g.spacing ?? top.pixelSpacingMmXy,
      pixelSpacingSource: g.spacing ? 'PixelSpacing' : top.pixelSpacingSource,
      sliceThicknessMm: g.thickness ?? top.sliceThicknessMm,
      rescale: g.rescale?.rescale ?? top.rescale,
      rescaleNote: g.rescale ? g.rescale.note : top.rescaleNote,
      windowCenter: g.windowCenter ?? top.windowCenter,
      windowWidth: g.windowWidth ?? top.windowWidth,
      inStackPosition: g.inStack,
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
    acquisitionNumber: intStr(ds, T.acquisitionNumber),
    imageType: imageTypeOf(ds),
  };
}

/** ImageType values, upper case, at most 8 (the type, e.g. LOCALIZER, is in the first few). */
function imageTypeOf(ds: DataSet): string[] {
  const v = str(ds, T.imageType);
  return v ? v.split('\\').slice(0, 8).map((x) => x.trim().toUpperCase()) : [];
}

/** What the pixel steps need to know about the image: its size, format and how its frames are stored. */
interface ImageLayout {
  rows: number;
  columns: number;
  samples: number;
  photometric: string;
  decoder: PixelDecoder | null;
  fmt: PixelFormat;
  padding: PixelPadding | null;
  frames: number;
  bytesPerPixel: number;
  pixelsPerFrame: number;
  frameBytes: number;
}

function parseOrThrow(bytes: Uint8Array, file: string, options: ParseDicomFileOptions): DecodedSlice[] {
  const prefix = options.prefixOfFileBytes !== undefined;
  if (prefix) options = { ...options, headerOnly: true };
  const layout = detectLayout(bytes);
  const ds = parseDataSet(layout, prefix);
  const tsUid = layout.transferSyntax;
  const pixelEl = ds.elements[T.pixelData];
  if (!pixelEl) refuseNonImage(ds, layout);
  const image = imageLayoutOf(ds, pixelEl, tsUid, prefix, options);
  const { rows, columns, frames } = image;
  const data = ds.byteArray as Uint8Array;
  // Bytes of the data set in the whole file. (A deflated data set is
  // inflated into a new array: its prefix says nothing of the file's size.)
  const total = prefix && data.buffer === bytes.buffer
    ? Math.max(data.length, (options.prefixOfFileBytes ?? 0) - (data.byteOffset - bytes.byteOffset))
    : data.length;
  const available = Math.max(0, total - pixelEl.dataOffset);
  const encoded = checkPixelBytes(ds, pixelEl, image, available, prefix, options.headerOnly === true);
  const info: EncodedFrameInfo = {
    rows, columns, bitsAllocated: image.fmt.bitsAllocated, bitsStored: image.fmt.bitsStored, pixelRepresentation: image.fmt.pixelRepresentation,
    samplesPerPixel: image.samples, photometricInterpretation: image.photometric, transferSyntaxUid: tsUid,
  };

  const geos = frameGeometries(ds, frames);
  const base = baseHeader(ds, file, tsUid, rows, columns);
  const out: DecodedSlice[] = [];
  for (let f = 0; f < frames; f++) {
    const header = frameHeader(base, geos[f], f, frames);
    const g = geos[f];
    if (options.headerOnly) {
      const slice: DecodedSlice = { header, hu: new Int16Array(0) };
      // Offsets into the file hold only when the data set was not inflated.
      if (!image.decoder && image.fmt.bitsAllocated === 16 && data.buffer === bytes.buffer) {
        slice.storedPixels = {
          fileOffsetBytes: data.byteOffset - bytes.byteOffset + pixelEl.dataOffset + f * image.frameBytes,
          byteLength: image.frameBytes, format: image.fmt, rescale: g.rescale, padding: image.padding,
        };
      }
      out.push(slice);
      continue;
    }
    const target = options.huOutput?.(header);
    if (target && target.length !== image.pixelsPerFrame) {
      throw new RangeError(`huOutput gave ${target.length} elements for a ${columns} × ${rows} frame`);
    }
    // A compressed frame is decoded (and checked against the header) before its HU array is allocated.
    const words = image.decoder && encoded
      ? decodeFrame(image.decoder, encoded[f], info, frames > 1 ? f : null)
      : data.subarray(pixelEl.dataOffset + f * image.frameBytes, pixelEl.dataOffset + (f + 1) * image.frameBytes);
    const hu = target ?? new Int16Array(image.pixelsPerFrame);
    convertToHu(words, image.fmt, g.rescale, image.padding, hu);
    out.push({ header, hu });
  }
  return out;
}

/** Skips a data set without Pixel Data, naming what it is instead (floating-point pixels, a known non-image SOP class, the modality). */
function refuseNonImage(ds: DataSet, layout: Layout): never {
  const float = ds.elements[T.floatPixelData] ? 'Float Pixel Data (7FE0,0008)' : ds.elements[T.doubleFloatPixelData] ? 'Double Float Pixel Data (7FE0,0009)' : '';
  if (float) {
    skip(`${float}: floating-point pixel values (a parametric map or derived image, not stored CT values) are not supported; only integer Pixel Data (7FE0,0010) is read`);
  }
  const sopClass = str(ds, T.sopClass) || layout.metaSopClass;
  const modality = str(ds, T.modality);
  const what = NON_IMAGE_SOP_CLASSES[sopClass] ?? (modality ? `modality ${shown(modality)}` : sopClass ? `SOP class ${shown(sopClass)}` : 'unknown object');
  skip(`no Pixel Data: not an image (${what})`);
}

/** The image's size, pixel format, decoder and frame count, each refused (skip) when not supported or over PARSE_LIMITS. */
function imageLayoutOf(ds: DataSet, pixelEl: Element, tsUid: string, prefix: boolean, options: ParseDicomFileOptions): ImageLayout {
  const ts = transferSyntaxInfo(tsUid);
  const rows = us(ds, T.rows);
  const columns = us(ds, T.columns);
  const samples = us(ds, T.samplesPerPixel) ?? 1;
  const photometric = str(ds, T.photometric) || 'MONOCHROME2';
  const colour = samples !== 1 || !photometric.startsWith('MONOCHROME');
  const colourNote = colour ? `colour image (SamplesPerPixel ${samples}, ${shown(photometric)})` : '';

  if (ts.kind === 'unknown') skip(`unknown transfer syntax ${shown(tsUid) || '(empty)'}`);
  if (colour) {
    skip(`${colourNote}: only greyscale images are supported${ts.kind === 'compressed' ? ` (${describeTransferSyntax(tsUid)})` : ''}`);
  }
  if (!rows || !columns) skip('image without Rows/Columns');
  // Read up to the Pixel Data element only (prefix), its fragments are not indexed: undefined length says encapsulated.
  const encapsulated = pixelEl.encapsulatedPixelData === true || (prefix && pixelEl.hadUndefinedLength === true);
  let decoder: PixelDecoder | null = null;
  if (ts.kind === 'compressed') {
    decoder = BUILT_IN_DECODERS.get(tsUid) ?? options.decoders?.get(tsUid) ?? null;
    if (!decoder) {
      throw new MissingDecoderError(tsUid, `compressed transfer syntax ${describeTransferSyntax(tsUid)} is not supported: no decoder for it is available here`);
    }
    if (!encapsulated) skip(`Pixel Data is not encapsulated although the transfer syntax ${describeTransferSyntax(tsUid)} is compressed`);
  } else if (encapsulated) {
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
  if (frames > PARSE_LIMITS.maxFrames) skip(`NumberOfFrames ${frames} is more than the ${PARSE_LIMITS.maxFrames} frames a file may have here`);
  if (pixelsPerFrame * frames > PARSE_LIMITS.maxFilePixels) {
    skip(`Rows × Columns × NumberOfFrames = ${pixelsPerFrame * frames} pixels is more than the ${PARSE_LIMITS.maxFilePixels} a file may have here`);
  }
  return { rows, columns, samples, photometric, decoder, fmt, padding, frames, bytesPerPixel, pixelsPerFrame, frameBytes };
}

/**
 * Checks that the Pixel Data holds what the header says (`available` bytes of
 * it are in the file): native data in full, one fragment per compressed frame.
 * Returns the compressed frames (null for native data or header only).
 */
function checkPixelBytes(ds: DataSet, pixelEl: Element, image: ImageLayout, available: number, prefix: boolean, headerOnly: boolean): Uint8Array[] | null {
  const { rows, columns, samples, frames, pixelsPerFrame, frameBytes, bytesPerPixel } = image;
  if (!image.decoder) {
    const declared = pixelEl.length;
    if (declared > available) skip(`truncated file: Pixel Data declares ${declared} bytes but only ${available} are present`);
    if (declared < frameBytes * frames) {
      skip(`Pixel Data holds ${declared} bytes, less than Rows × Columns × Frames × ${bytesPerPixel} = ${frameBytes * frames}`);
    }
    return null;
  }
  // Refused before any decoder allocates: a few bytes of code stream can claim any size.
  if (pixelsPerFrame * samples > PARSE_LIMITS.maxFramePixels) {
    skip(`a compressed frame of Columns ${columns} × Rows ${rows} is more than the ${PARSE_LIMITS.maxFramePixels} pixels a frame may have here`);
  }
  // Every frame has at least one fragment, each behind an 8-byte item header (PS3.5 A.4).
  const fragmentCount = pixelEl.fragments?.length ?? 0;
  if (prefix ? 8 * (frames + 1) > available : frames > fragmentCount) {
    skip(`NumberOfFrames ${frames} but the encapsulated Pixel Data has ${prefix ? `only ${available} bytes` : `only ${fragmentCount} fragment(s)`}`);
  }
  if (headerOnly) return null;
  try {
    return encapsulatedFrames({
      bytes: ds.byteArray as Uint8Array,
      fragments: pixelEl.fragments ?? [],
      basicOffsetTable: pixelEl.basicOffsetTable ?? [],
      extendedOffsetTable: extendedOffsets(ds, frames),
    }, frames);
  } catch (e) {
    skip(errorText(e));
  }
}

/** The header of frame f: the file's fields with the frame's geometry and rescale (a rescale that cannot give HU skips the file). */
function frameHeader(base: ReturnType<typeof baseHeader>, g: FrameGeometry, f: number, frames: number): SliceHeader {
  const refused = rescaleRefusal(base.modality, g.rescale);
  if (refused) skip(`${frames > 1 ? `frame ${f + 1}: ` : ''}${refused}`);
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
  if (g.pixelSpacingSource !== 'PixelSpacing') header.pixelSpacingSource = g.pixelSpacingSource;
  if (g.rescaleNote) header.rescaleNote = g.rescaleNote;
  if (frames > 1 && g.inStackPosition !== null && header.instanceNumber === null) header.instanceNumber = g.inStackPosition;
  return header;
}

/** Extended Offset Table (7FE0,0001, 64-bit offsets) as numbers, or null when absent or unusable (not one entry per frame). */
function extendedOffsets(ds: DataSet, frames: number): number[] | null {
  const el = ds.elements[T.extendedOffsetTable];
  if (!el || el.length !== 8 * frames || el.dataOffset + el.length > ds.byteArray.length) return null;
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
    skip(`cannot decode ${what}: ${shown(errorText(e), 240)}`);
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
    const reason = shown(e instanceof SkipError ? e.message : `unreadable DICOM: ${errorText(e)}`, 600);
    if (e instanceof MissingDecoderError) return { ok: false, skipped: { file, reason }, missingDecoder: e.transferSyntaxUid };
    return { ok: false, skipped: { file, reason } };
  }
}
