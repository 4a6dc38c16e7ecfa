/**
 * Minimal DICOM Part-10 writer: 128-byte preamble, "DICM", a file meta group
 * (explicit VR little endian, with its group length) and a data set in
 * explicit VR little endian (PS3.10 7.1, PS3.5 7.1.2). Elements are written
 * in ascending tag order; strings are padded to even length (UI with NUL,
 * other text with a space). Sequences (SQ) are written with defined
 * lengths, each item's elements in ascending tag order.
 *
 * Cost: O(bytes written); one allocation for the whole file.
 */

export type DicomVr =
  | 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UI' | 'UT'
  | 'US' | 'SS' | 'UL' | 'SL' | 'FL' | 'FD' | 'OB' | 'OW' | 'SQ' | 'AT';

/** The items of a sequence (VR SQ), each a list of elements. */
export type DicomItems = readonly (readonly DicomElementSpec[])[];

export type DicomValue = string | number | readonly number[] | Uint8Array | Int16Array | Uint16Array | { items: DicomItems };

export interface DicomElementSpec {
  /** (group << 16) | element, e.g. 0x00280010 for Rows. */
  tag: number;
  vr: DicomVr;
  /** Text (multi-values joined with "\\" or given as a number array), numbers, raw bytes for OB/OW, or { items } for SQ. */
  value: DicomValue;
}

const LONG_VRS = new Set<DicomVr>(['OB', 'OW', 'UT', 'SQ']);
const TEXT_VRS = new Set<DicomVr>(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UI', 'UT']);

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '2.25.160314159265358979323846264338327950';
const IMPLEMENTATION_VERSION = 'LUNGVIEW_1';

/** A DS value: at most 16 characters, no exponent for ordinary magnitudes. */
function formatDs(v: number): string {
  if (Number.isInteger(v)) return String(v);
  for (let digits = 6; digits >= 0; digits--) {
    const s = String(Number(v.toFixed(digits)));
    if (s.length <= 16) return s;
  }
  return v.toExponential(8);
}

function textOf(value: DicomValue, vr: DicomVr): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && 'items' in value) throw new Error(`items given for VR ${vr}`);
  if (typeof value === 'number') return vr === 'DS' ? formatDs(value) : String(value);
  if (Array.isArray(value)) return (value as readonly number[]).map((v) => (vr === 'DS' ? formatDs(v) : String(v))).join('\\');
  throw new Error(`value of VR ${vr} must be text or numbers`);
}

function encodeValue(vr: DicomVr, value: DicomValue): Uint8Array {
  if (vr === 'SQ') {
    if (typeof value !== 'object' || !('items' in value)) throw new Error('VR SQ needs { items }');
    return encodeItems(value.items);
  }
  if (TEXT_VRS.has(vr)) {
    const s = textOf(value, vr);
    const n = s.length + (s.length & 1);
    const out = new Uint8Array(n);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
    if (s.length & 1) out[s.length] = vr === 'UI' ? 0 : 0x20;
    return out;
  }
  if (value instanceof Uint8Array || value instanceof Int16Array || value instanceof Uint16Array) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (bytes.length % 2 === 0) return bytes;
    const out = new Uint8Array(bytes.length + 1);
    out.set(bytes);
    return out;
  }
  const values = typeof value === 'number' ? [value] : Array.isArray(value) ? (value as unknown as readonly number[]) : null;
  if (!values) throw new Error(`bad value for VR ${vr}`);
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4; // AT: a tag, group then element
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const p = i * size;
    if (vr === 'US') dv.setUint16(p, v, true);
    else if (vr === 'SS') dv.setInt16(p, v, true);
    else if (vr === 'UL') dv.setUint32(p, v, true);
    else if (vr === 'SL') dv.setInt32(p, v, true);
    else if (vr === 'AT') {
      dv.setUint16(p, v >>> 16, true);
      dv.setUint16(p + 2, v & 0xffff, true);
    }
    else if (vr === 'FL') dv.setFloat32(p, v, true);
    else if (vr === 'FD') dv.setFloat64(p, v, true);
    else throw new Error(`cannot encode numbers as VR ${vr}`);
  });
  return out;
}

interface Encoded {
  tag: number;
  vr: DicomVr;
  bytes: Uint8Array;
}

function encodeElements(elements: readonly DicomElementSpec[]): Encoded[] {
  return elements
    .map((e) => ({ tag: e.tag >>> 0, vr: e.vr, bytes: encodeValue(e.vr, e.value) }))
    .sort((a, b) => a.tag - b.tag);
}

/** Items (FFFE,E000) of defined length, one after the other: the value of an SQ element. */
function encodeItems(items: DicomItems): Uint8Array {
  const parts = items.map((item) => {
    const els = encodeElements(item);
    const len = els.reduce((s, e) => s + encodedLength(e), 0);
    const out = new Uint8Array(8 + len);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xfffe, true);
    dv.setUint16(2, 0xe000, true);
    dv.setUint32(4, len, true);
    let p = 8;
    for (const e of els) p = writeElement(out, dv, p, e);
    return out;
  });
  const out = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
  let p = 0;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

function encodedLength(e: Encoded): number {
  return (LONG_VRS.has(e.vr) ? 12 : 8) + e.bytes.length;
}

function writeElement(out: Uint8Array, dv: DataView, p: number, e: Encoded): number {
  dv.setUint16(p, e.tag >>> 16, true);
  dv.setUint16(p + 2, e.tag & 0xffff, true);
  out[p + 4] = e.vr.charCodeAt(0);
  out[p + 5] = e.vr.charCodeAt(1);
  if (LONG_VRS.has(e.vr)) {
    dv.setUint16(p + 6, 0, true);
    dv.setUint32(p + 8, e.bytes.length, true);
    p += 12;
  } else {
    if (e.bytes.length > 0xffff) throw new Error(`value of (${e.tag.toString(16)}) too long for VR ${e.vr}`);
    dv.setUint16(p + 6, e.bytes.length, true);
    p += 8;
  }
  out.set(e.bytes, p);
  return p + e.bytes.length;
}

export interface WriteDicomParams {
  sopClassUid: string;
  sopInstanceUid: string;
  /** Data set elements (group 0002 is written from the fields above). */
  elements: readonly DicomElementSpec[];
}

/** A complete Part-10 file in explicit VR little endian. */
export function writeDicomPart10(params: WriteDicomParams): Uint8Array {
  const meta: Encoded[] = [
    { tag: 0x00020001, vr: 'OB', bytes: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', bytes: encodeValue('UI', params.sopClassUid) },
    { tag: 0x00020003, vr: 'UI', bytes: encodeValue('UI', params.sopInstanceUid) },
    { tag: 0x00020010, vr: 'UI', bytes: encodeValue('UI', EXPLICIT_VR_LITTLE_ENDIAN) },
    { tag: 0x00020012, vr: 'UI', bytes: encodeValue('UI', IMPLEMENTATION_CLASS_UID) },
    { tag: 0x00020013, vr: 'SH', bytes: encodeValue('SH', IMPLEMENTATION_VERSION) },
  ];
  const metaLength = meta.reduce((s, e) => s + encodedLength(e), 0);
  const groupLength: Encoded = { tag: 0x00020000, vr: 'UL', bytes: encodeValue('UL', metaLength) };
  const body: Encoded[] = encodeElements(params.elements.filter((e) => e.tag >>> 16 !== 0x0002));
  const total = 132 + encodedLength(groupLength) + metaLength + body.reduce((s, e) => s + encodedLength(e), 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out[128] = 0x44; // D
  out[129] = 0x49; // I
  out[130] = 0x43; // C
  out[131] = 0x4d; // M
  let p = writeElement(out, dv, 132, groupLength);
  for (const e of meta) p = writeElement(out, dv, p, e);
  for (const e of body) p = writeElement(out, dv, p, e);
  return out;
}
