/**
 * Where a file's data set starts and how it is encoded: Part-10 (preamble +
 * "DICM"), a file meta group without preamble (both read here, PS3.10 7.1)
 * or a bare data set (implicit VR little endian guessed unless the first
 * element carries an explicit VR); a deflated data set is inflated here
 * (fflate, in steps, with a size limit). Then the data set is indexed by
 * dicom-parser after a walk that refuses nesting and element counts it could
 * not take (dicomParserLib.ts), and its failures become reasons.
 *
 * Cost: O(header bytes); the inflated data set is one array of at most
 * PARSE_LIMITS.maxInflatedBytes.
 */
import { Inflate } from 'fflate';
import { parseDataSetBytes, scanDataSet, type DataSet } from './dicomParserLib';
import { errorText, PARSE_LIMITS, shown, skip, SkipError } from './limits';
import { T } from './tags';
import { DEFLATED_EXPLICIT_VR_LE, EXPLICIT_VR_BE, EXPLICIT_VR_LE, IMPLICIT_VR_LE } from './transferSyntax';

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  const end = Math.min(bytes.length, start + length);
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function readU16(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8);
}

export function readU32(b: Uint8Array, p: number): number {
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

export interface Layout {
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
export function detectLayout(bytes: Uint8Array): Layout {
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

export function parseDataSet(layout: Layout, untilPixelData = false): DataSet {
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
