/**
 * Structure-aware mutations of DICOM files for the fuzzer.
 *
 * A file's structure is indexed once (where each element, sequence item,
 * Pixel Data fragment and offset table sits, where its tag, VR and length
 * fields are, in which byte order), read with dicom-parser from the
 * unmodified file. Mutations then hit what a parser trusts: length fields set
 * to extremes (undefined length 0xFFFFFFFF, 0xFFFFFFFE, 0, odd values, more
 * than the file), VRs replaced, image attributes (Rows, Columns,
 * NumberOfFrames, BitsAllocated, ...) set to extremes, sequence bombs (deep
 * nesting with defined or undefined lengths, or very many items) inserted,
 * code stream headers inside Pixel Data fragments overwritten, plus blind
 * bit flips, byte overwrites, truncations, deletions and duplications, and
 * whole files of random bytes. Everything draws from one seeded mulberry32
 * stream, so (seed, case) gives the same bytes on every machine.
 */
import { dicomParser, type DataSet } from '../../src/core/dicom/dicomParserLib';
import { mulberry32 } from '../../src/core/random/mulberry32';

export type Rng = () => number;

/** One length-carrying structure of the file. */
export interface Field {
  kind: 'element' | 'item' | 'fragment' | 'offsetTable';
  /** "xggggeeee" for elements, "xfffee000" for items and fragments. */
  tag: string;
  /** Explicit VR (elements of explicit syntaxes only). */
  vr: string | null;
  /** Offset of the VR bytes (explicit elements only). */
  vrPos: number | null;
  headerPos: number;
  lengthPos: number;
  lengthSize: 2 | 4;
  littleEndian: boolean;
  valuePos: number;
  valueLength: number;
  /** Sequence nesting level (0: top-level data set). */
  depth: number;
  explicit: boolean;
}

export interface FileIndex {
  fields: Field[];
  /** Offset of the top-level Pixel Data element header, or -1. */
  pixelDataPos: number;
  /** Value offset and length of the first Pixel Data fragment (code stream start), if encapsulated. */
  firstFragment: { pos: number; length: number } | null;
  /** Data set elements are big endian. */
  bigEndian: boolean;
  /** Data set elements are explicit VR. */
  explicit: boolean;
}

const LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);
const EMPTY_INDEX: FileIndex = { fields: [], pixelDataPos: -1, firstFragment: null, bigEndian: false, explicit: true };

function tagAt(b: Uint8Array, p: number, le: boolean): string {
  if (p < 0 || p + 4 > b.length) return '';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const v = dv.getUint16(p, le) * 0x10000 + dv.getUint16(p + 2, le);
  return `x${v.toString(16).padStart(8, '0')}`;
}

/**
 * Indexes the file's structure with dicom-parser. Files it cannot parse as
 * they are (no preamble) are tried as implicit VR little endian data sets;
 * deflated data sets only index their meta group (the rest is compressed).
 */
export function indexFile(bytes: Uint8Array): FileIndex {
  let ds: DataSet;
  let ts: string;
  try {
    ds = dicomParser.parseDicom(bytes);
    ts = ds.string('x00020010') ?? '';
  } catch {
    try {
      ds = dicomParser.parseDicom(bytes, { TransferSyntaxUID: '1.2.840.10008.1.2' } as never);
      ts = '1.2.840.10008.1.2';
    } catch {
      return EMPTY_INDEX;
    }
  }
  const deflated = ts === '1.2.840.10008.1.2.1.99';
  const bigEndian = ts === '1.2.840.10008.1.2.2';
  const explicitSet = ts !== '1.2.840.10008.1.2';
  const fields: Field[] = [];
  let pixelDataPos = -1;
  let firstFragment: FileIndex['firstFragment'] = null;

  const walk = (set: DataSet, depth: number) => {
    for (const el of Object.values(set.elements)) {
      const meta = el.tag.startsWith('x0002');
      if (deflated && !meta) continue;
      const le = meta || !bigEndian;
      const explicit = meta || (explicitSet && el.vr !== undefined);
      let headerPos: number;
      let lengthPos: number;
      let lengthSize: 2 | 4;
      if (explicit) {
        const long = LONG_VRS.has(el.vr ?? '');
        headerPos = el.dataOffset - (long ? 12 : 8);
        lengthPos = el.dataOffset - (long ? 4 : 2);
        lengthSize = long ? 4 : 2;
      } else {
        headerPos = el.dataOffset - 8;
        lengthPos = el.dataOffset - 4;
        lengthSize = 4;
      }
      // Keep only fields whose tag bytes are where the index says.
      if (tagAt(bytes, headerPos, le) !== el.tag) continue;
      fields.push({
        kind: 'element', tag: el.tag, vr: explicit ? el.vr ?? null : null, vrPos: explicit ? headerPos + 4 : null,
        headerPos, lengthPos, lengthSize, littleEndian: le, valuePos: el.dataOffset, valueLength: el.length, depth, explicit,
      });
      if (el.tag === 'x7fe00010' && depth === 0) pixelDataPos = headerPos;
      if (el.encapsulatedPixelData) {
        fields.push({
          kind: 'offsetTable', tag: 'xfffee000', vr: null, vrPos: null, headerPos: el.dataOffset, lengthPos: el.dataOffset + 4,
          lengthSize: 4, littleEndian: le, valuePos: el.dataOffset + 8, valueLength: 4 * (el.basicOffsetTable?.length ?? 0), depth: depth + 1, explicit: false,
        });
        for (const f of el.fragments ?? []) {
          if (tagAt(bytes, f.position - 8, le) !== 'xfffee000') continue;
          fields.push({
            kind: 'fragment', tag: 'xfffee000', vr: null, vrPos: null, headerPos: f.position - 8, lengthPos: f.position - 4,
            lengthSize: 4, littleEndian: le, valuePos: f.position, valueLength: f.length, depth: depth + 1, explicit: false,
          });
          if (!firstFragment) firstFragment = { pos: f.position, length: f.length };
        }
      }
      for (const item of el.items ?? []) {
        if (tagAt(bytes, item.dataOffset - 8, le) === 'xfffee000') {
          fields.push({
            kind: 'item', tag: 'xfffee000', vr: null, vrPos: null, headerPos: item.dataOffset - 8, lengthPos: item.dataOffset - 4,
            lengthSize: 4, littleEndian: le, valuePos: item.dataOffset, valueLength: item.length, depth: depth + 1, explicit: false,
          });
        }
        if (item.dataSet) walk(item.dataSet, depth + 1);
      }
    }
  };
  walk(ds, 0);
  fields.sort((a, b) => a.headerPos - b.headerPos);
  return { fields, pixelDataPos, firstFragment, bigEndian, explicit: explicitSet };
}

// ---- helpers ----

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, a: readonly T[]): T => a[int(rng, a.length)];

function writeUint(b: Uint8Array, p: number, size: 1 | 2 | 4, v: number, le: boolean): void {
  if (p < 0 || p + size > b.length) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (size === 1) b[p] = v & 0xff;
  else if (size === 2) dv.setUint16(p, v & 0xffff, le);
  else dv.setUint32(p, v >>> 0, le);
}

function splice(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  at = Math.max(0, Math.min(b.length, at));
  remove = Math.max(0, Math.min(b.length - at, remove));
  const out = new Uint8Array(b.length - remove + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

class Writer {
  private a: number[] = [];
  constructor(private le: boolean) {}
  u16(v: number) {
    if (this.le) this.a.push(v & 0xff, (v >>> 8) & 0xff);
    else this.a.push((v >>> 8) & 0xff, v & 0xff);
  }
  u32(v: number) {
    if (this.le) {
      this.u16(v & 0xffff);
      this.u16(v >>> 16);
    } else {
      this.u16(v >>> 16);
      this.u16(v & 0xffff);
    }
  }
  tag(t: number) {
    this.u16(t >>> 16);
    this.u16(t & 0xffff);
  }
  raw(b: ArrayLike<number>) {
    for (let i = 0; i < b.length; i++) this.a.push(b[i]);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.a);
  }
}

/** An element header in the data set's encoding. */
function header(w: Writer, explicit: boolean, tag: number, vr: string, length: number): void {
  w.tag(tag);
  if (!explicit) {
    w.u32(length);
  } else {
    w.raw(ascii(vr));
    if (LONG_VRS.has(vr)) {
      w.u16(0);
      w.u32(length);
    } else {
      w.u16(length);
    }
  }
}

// ---- mutations ----

export interface Mutation {
  bytes: Uint8Array;
  /** What was done, for the failure report. */
  what: string;
}

type Mutator = (b: Uint8Array, idx: FileIndex, rng: Rng) => Mutation | null;

const U32_EXTREMES = [0xffffffff, 0xfffffffe, 0xfffffffd, 0x80000000, 0x7fffffff, 0x7ffffffe, 0];
const U16_EXTREMES = [0xffff, 0xfffe, 0x8000, 0x7fff, 0];

/** A length field of an element, item, fragment or offset table set to an extreme or nearby value. */
const lengthField: Mutator = (b, idx, rng) => {
  if (!idx.fields.length) return null;
  const f = pick(rng, idx.fields);
  const max = f.lengthSize === 4 ? 0xffffffff : 0xffff;
  const choices = [
    ...(f.lengthSize === 4 ? U32_EXTREMES : U16_EXTREMES),
    f.valueLength + 1, f.valueLength - 1, f.valueLength | 1, f.valueLength + 2, f.valueLength * 2 + 1,
    b.length, b.length + 1, b.length - f.valuePos, b.length - f.valuePos + 2, 2 * b.length,
    1, 3, int(rng, 256), int(rng, max + 1),
  ];
  const v = Math.max(0, Math.min(max, pick(rng, choices)));
  const out = b.slice();
  writeUint(out, f.lengthPos, f.lengthSize, v, f.littleEndian);
  return { bytes: out, what: `length of ${f.kind} ${f.tag} at ${f.headerPos} (depth ${f.depth}) ${f.valueLength} -> ${v}` };
};

const VR_CHOICES = ['SQ', 'UN', 'OB', 'OW', 'OF', 'UT', 'UC', 'US', 'UL', 'SS', 'DS', 'IS', 'CS', 'UI', 'FD', 'AT', 'LO', 'ST', 'OV', 'SV'];

/** An explicit VR replaced by another VR or by garbage. */
const vrField: Mutator = (b, idx, rng) => {
  const explicit = idx.fields.filter((f) => f.vrPos !== null);
  if (!explicit.length) return null;
  const f = pick(rng, explicit);
  const out = b.slice();
  const r = rng();
  const vr = r < 0.8 ? pick(rng, VR_CHOICES) : r < 0.9 ? '\0\0' : String.fromCharCode(int(rng, 256), int(rng, 256));
  out[f.vrPos!] = vr.charCodeAt(0);
  out[f.vrPos! + 1] = vr.charCodeAt(1);
  return { bytes: out, what: `VR of ${f.tag} at ${f.headerPos} ${f.vr} -> ${JSON.stringify(vr)}` };
};

const US_TAGS: Record<string, string> = {
  x00280010: 'Rows', x00280011: 'Columns', x00280100: 'BitsAllocated', x00280101: 'BitsStored', x00280102: 'HighBit',
  x00280103: 'PixelRepresentation', x00280002: 'SamplesPerPixel', x00280120: 'PixelPaddingValue', x00280121: 'PixelPaddingRangeLimit',
};
const US_VALUES = [0, 1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 64, 255, 256, 4096, 16384, 0x7fff, 0x8000, 0xfffe, 0xffff];

/** An image attribute (Rows, Columns, BitsAllocated, ...) set to an extreme value. */
const usValue: Mutator = (b, idx, rng) => {
  const cands = idx.fields.filter((f) => f.kind === 'element' && US_TAGS[f.tag] && f.valueLength >= 2);
  if (!cands.length) return null;
  const out = b.slice();
  const n = 1 + int(rng, 2);
  const done: string[] = [];
  for (let k = 0; k < n; k++) {
    const f = pick(rng, cands);
    const v = rng() < 0.85 ? pick(rng, US_VALUES) : int(rng, 0x10000);
    writeUint(out, f.valuePos, 2, v, f.littleEndian);
    done.push(`${US_TAGS[f.tag]}=${v}`);
  }
  return { bytes: out, what: `image attributes ${done.join(', ')}` };
};

const TEXT_TAGS: Record<string, string> = {
  x00280008: 'NumberOfFrames', x00281052: 'RescaleIntercept', x00281053: 'RescaleSlope', x00280030: 'PixelSpacing',
  x00200032: 'ImagePositionPatient', x00200037: 'ImageOrientationPatient', x00281050: 'WindowCenter', x00200013: 'InstanceNumber',
  x00020010: 'TransferSyntaxUID', x00280004: 'PhotometricInterpretation',
};
const FRAME_COUNTS = ['0', '1', '2', '3', '7', '100', '16384', '16385', '65535', '1000000', '2147483647', '4294967296', '-1',
  '-2147483648', '1e9', '2.5', 'NaN', 'Infinity', '', '  ', '+5', '9'.repeat(30)];
const NUMBERS = ['0', '-0', '1e308', '-1e308', '1e-308', 'NaN', 'Infinity', '', '\\\\\\', '1\\2', '3.5', '-32768', '65536', 'x', '9'.repeat(40)];
const TEXTS = ['', '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.1.98', 'MONOCHROME1', 'RGB', 'PALETTE COLOR', '\u0001\u0002'];

/**
 * A numeric or text attribute rewritten with an extreme value (the element
 * grows or shrinks; the length field follows). NumberOfFrames is inserted
 * before Pixel Data when the file has none.
 */
const textValue: Mutator = (b, idx, rng) => {
  const cands = idx.fields.filter((f) => f.kind === 'element' && TEXT_TAGS[f.tag]);
  const hasFrames = cands.some((f) => f.tag === 'x00280008');
  if (!hasFrames && idx.pixelDataPos >= 0 && (rng() < 0.5 || !cands.length)) {
    const v = pick(rng, FRAME_COUNTS);
    const value = ascii(v.length % 2 ? `${v} ` : v);
    const w = new Writer(!idx.bigEndian);
    header(w, idx.explicit, 0x00280008, 'IS', value.length);
    w.raw(value);
    return { bytes: splice(b, idx.pixelDataPos, 0, w.bytes()), what: `NumberOfFrames "${v}" inserted before Pixel Data` };
  }
  if (!cands.length) return null;
  const f = pick(rng, cands);
  const name = TEXT_TAGS[f.tag];
  const v = f.tag === 'x00280008' ? pick(rng, FRAME_COUNTS) : f.tag === 'x00020010' || f.tag === 'x00280004' ? pick(rng, TEXTS) : pick(rng, NUMBERS);
  const value = ascii(v.length % 2 ? `${v}${f.tag === 'x00020010' ? '\0' : ' '}` : v);
  if (f.depth > 0 || f.tag.startsWith('x0002')) {
    // Inside an item (or the meta group with its group length): same length, padded or cut.
    const out = b.slice();
    for (let i = 0; i < f.valueLength && f.valuePos + i < out.length; i++) out[f.valuePos + i] = i < value.length ? value[i] : 0x20;
    return { bytes: out, what: `${name} overwritten in place with "${v}"` };
  }
  if (f.lengthSize === 2 && value.length > 0xffff) return null;
  const w = new Writer(f.littleEndian);
  const lenBytes = f.lengthSize === 2 ? (w.u16(value.length), w.bytes()) : (w.u32(value.length), w.bytes());
  let out = splice(b, f.valuePos, f.valueLength, value);
  out = splice(out, f.lengthPos, f.lengthSize, lenBytes);
  return { bytes: out, what: `${name} -> "${v}"` };
};

const NEST_DEPTHS = [2, 16, 200, 2000, 20000, 100000];

/**
 * A sequence bomb inserted before a top-level element: sequences nested
 * `depth` deep (undefined lengths without delimiters, undefined lengths with
 * delimiters, or defined lengths), or one sequence with very many items.
 */
const sequenceBomb: Mutator = (b, idx, rng) => {
  const top = idx.fields.filter((f) => f.kind === 'element' && f.depth === 0 && !f.tag.startsWith('x0002'));
  if (!top.length) return null;
  const at = pick(rng, top).headerPos;
  const le = !idx.bigEndian;
  const explicit = idx.explicit;
  const style = pick(rng, ['undefined-open', 'undefined-closed', 'defined', 'wide', 'wide-undefined'] as const);
  const w = new Writer(le);
  let what: string;
  if (style === 'wide' || style === 'wide-undefined') {
    const items = pick(rng, [1000, 30000, 100000, 300000]);
    const undef = style === 'wide-undefined';
    header(w, explicit, 0x00081115, 'SQ', undef ? 0xffffffff : items * 8);
    for (let i = 0; i < items; i++) {
      w.tag(0xfffee000);
      w.u32(undef ? 0xffffffff : 0);
      if (undef) {
        w.tag(0xfffee00d);
        w.u32(0);
      }
    }
    if (undef) {
      w.tag(0xfffee0dd);
      w.u32(0);
    }
    what = `sequence with ${items} ${undef ? 'undefined-length' : 'empty'} items inserted at ${at}`;
  } else {
    const depth = pick(rng, NEST_DEPTHS);
    const sqHeader = explicit ? 12 : 8;
    if (style === 'defined') {
      // Lengths from the inside out: an innermost empty item, each level adds a sequence and an item header.
      const itemLen = new Array<number>(depth + 1);
      itemLen[depth] = 0;
      for (let d = depth - 1; d >= 0; d--) itemLen[d] = sqHeader + 8 + itemLen[d + 1];
      for (let d = 0; d < depth; d++) {
        header(w, explicit, 0x00081115, 'SQ', 8 + itemLen[d + 1]);
        w.tag(0xfffee000);
        w.u32(itemLen[d + 1]);
      }
    } else {
      for (let d = 0; d < depth; d++) {
        header(w, explicit, 0x00081115, 'SQ', 0xffffffff);
        w.tag(0xfffee000);
        w.u32(0xffffffff);
      }
      if (style === 'undefined-closed') {
        for (let d = 0; d < depth; d++) {
          w.tag(0xfffee00d);
          w.u32(0);
          w.tag(0xfffee0dd);
          w.u32(0);
        }
      }
    }
    what = `sequences nested ${depth} deep (${style}) inserted at ${at}`;
  }
  return { bytes: splice(b, at, 0, w.bytes()), what };
};

/** Bytes of the first Pixel Data fragment's code stream header overwritten (markers, sizes, component counts). */
const codeStream: Mutator = (b, idx, rng) => {
  const f = idx.firstFragment;
  if (!f || f.length < 4) return null;
  const out = b.slice();
  const span = Math.min(f.length, pick(rng, [16, 64, 256, 1024]));
  const n = 1 + int(rng, 4);
  const done: string[] = [];
  for (let k = 0; k < n; k++) {
    const p = f.pos + int(rng, span);
    const size = pick(rng, [1, 2, 2, 4] as const);
    const v = rng() < 0.6 ? pick(rng, [0, 1, 0xff, 0xffff, 0x7fff, 0x8000, 0xffffffff, 0x10000]) : int(rng, 2 ** 32);
    writeUint(out, p, size, v, false);
    done.push(`${size}@+${p - f.pos}=${v}`);
  }
  return { bytes: out, what: `code stream header bytes ${done.join(' ')}` };
};

interface StreamField {
  pos: number;
  size: 1 | 2 | 4;
  name: string;
}

/**
 * Fields of a code stream's main header that size a decoder's work: JPEG 2000
 * SIZ (image and tile size and offsets, components, depth) and COD
 * (layers, decomposition levels, code-block size); JPEG / JPEG-LS frame
 * headers (precision, rows, columns, components, sampling), scan headers,
 * restart interval and segment lengths.
 */
function codeStreamFields(b: Uint8Array, start: number, length: number): StreamField[] {
  const end = Math.min(b.length, start + length);
  const out: StreamField[] = [];
  const u16 = (p: number) => (b[p] << 8) | b[p + 1];
  if (b[start] === 0xff && b[start + 1] === 0x4f) {
    let p = start + 2;
    while (p + 4 <= end && b[p] === 0xff && b[p + 1] !== 0x90 && b[p + 1] !== 0x93) {
      const m = b[p + 1];
      const len = u16(p + 2);
      out.push({ pos: p + 2, size: 2, name: `J2K marker FF${m.toString(16)} length` });
      if (m === 0x51) {
        const names = ['Xsiz', 'Ysiz', 'XOsiz', 'YOsiz', 'XTsiz', 'YTsiz', 'XTOsiz', 'YTOsiz'];
        names.forEach((n, i) => out.push({ pos: p + 8 + 4 * i, size: 4, name: n }));
        out.push({ pos: p + 40, size: 2, name: 'Csiz' }, { pos: p + 42, size: 1, name: 'Ssiz' }, { pos: p + 43, size: 1, name: 'XRsiz' });
      } else if (m === 0x52) {
        out.push({ pos: p + 6, size: 2, name: 'layers' }, { pos: p + 9, size: 1, name: 'decomposition levels' },
          { pos: p + 10, size: 1, name: 'code-block width' }, { pos: p + 11, size: 1, name: 'code-block height' });
      }
      if (len < 2) break;
      p += 2 + len;
    }
  } else if (b[start] === 0xff && b[start + 1] === 0xd8) {
    let p = start + 2;
    while (p + 4 <= end && b[p] === 0xff) {
      const m = b[p + 1];
      if (m === 0xd9) break;
      const len = u16(p + 2);
      out.push({ pos: p + 2, size: 2, name: `JPEG marker FF${m.toString(16)} length` });
      if ((m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7) {
        out.push({ pos: p + 4, size: 1, name: 'precision' }, { pos: p + 5, size: 2, name: 'rows' }, { pos: p + 7, size: 2, name: 'columns' },
          { pos: p + 9, size: 1, name: 'components' }, { pos: p + 11, size: 1, name: 'sampling' });
      } else if (m === 0xda) {
        out.push({ pos: p + 4, size: 1, name: 'scan components' }, { pos: p + len, size: 1, name: 'Ss / NEAR' });
        break;
      } else if (m === 0xdd) {
        out.push({ pos: p + 4, size: 2, name: 'restart interval' });
      }
      if (len < 2) break;
      p += 2 + len;
    }
  }
  return out.filter((f) => f.pos + f.size <= end);
}

/** A sizing field of the first frame's code stream header set to an extreme. */
const codeStreamField: Mutator = (b, idx, rng) => {
  const f = idx.firstFragment;
  if (!f) return null;
  const fields = codeStreamFields(b, f.pos, f.length);
  if (!fields.length) return null;
  const out = b.slice();
  const field = pick(rng, fields);
  const max = field.size === 1 ? 0xff : field.size === 2 ? 0xffff : 0xffffffff;
  const v = Math.min(max, pick(rng, [0, 1, 2, 3, 4, 7, 8, 16, 17, 32, 33, 255, 256, 4096, 65535, 65536, 0x7fffffff, max, int(rng, max + 1)]));
  writeUint(out, field.pos, field.size, v, false);
  return { bytes: out, what: `code stream ${field.name} -> ${v}` };
};

/** Basic Offset Table entries set to extremes, or frames' fragment counts changed by removing a fragment's item. */
const offsetTable: Mutator = (b, idx, rng) => {
  const bot = idx.fields.find((f) => f.kind === 'offsetTable');
  if (!bot || bot.valueLength < 4) return null;
  const out = b.slice();
  const entries = bot.valueLength / 4;
  const e = int(rng, entries);
  const v = pick(rng, [0, 1, 2, 8, 0xffffffff, 0x7fffffff, b.length, int(rng, 2 ** 32)]);
  writeUint(out, bot.valuePos + 4 * e, 4, v, bot.littleEndian);
  return { bytes: out, what: `Basic Offset Table entry ${e} -> ${v}` };
};

/** Random bits flipped, mostly in the header (before Pixel Data). */
const bitFlips: Mutator = (b, idx, rng) => {
  if (!b.length) return null;
  const out = b.slice();
  const headerEnd = idx.pixelDataPos > 0 ? idx.pixelDataPos + 16 : Math.min(b.length, 4096);
  const n = 1 + int(rng, 8);
  for (let k = 0; k < n; k++) {
    const p = rng() < 0.7 ? int(rng, headerEnd) : int(rng, b.length);
    out[p] ^= 1 << int(rng, 8);
  }
  return { bytes: out, what: `${n} bit flips` };
};

/** Random bytes overwritten with random or structural values (FE FF E0 00 DD 0D ...). */
const byteOverwrites: Mutator = (b, idx, rng) => {
  if (!b.length) return null;
  const out = b.slice();
  const headerEnd = idx.pixelDataPos > 0 ? idx.pixelDataPos + 16 : Math.min(b.length, 4096);
  const n = 1 + int(rng, 16);
  for (let k = 0; k < n; k++) {
    const p = rng() < 0.7 ? int(rng, headerEnd) : int(rng, b.length);
    out[p] = rng() < 0.5 ? int(rng, 256) : pick(rng, [0, 0xff, 0xfe, 0xe0, 0xdd, 0x0d, 0x7f, 0x80, 0x01]);
  }
  return { bytes: out, what: `${n} byte overwrites` };
};

/** The file cut at a random point, inside an element header, or one byte short. */
const truncate: Mutator = (b, idx, rng) => {
  if (!b.length) return null;
  const r = rng();
  let at: number;
  if (r < 0.4 || !idx.fields.length) at = int(rng, b.length);
  else if (r < 0.8) {
    const f = pick(rng, idx.fields);
    at = f.headerPos + int(rng, f.valuePos - f.headerPos + 2);
  } else at = b.length - 1 - int(rng, 4);
  at = Math.max(0, Math.min(b.length - 1, at));
  return { bytes: b.slice(0, at), what: `truncated to ${at} of ${b.length} bytes` };
};

/** A byte range deleted or duplicated in place (shifts everything after it). */
const shift: Mutator = (b, idx, rng) => {
  if (b.length < 2) return null;
  const headerEnd = idx.pixelDataPos > 0 ? idx.pixelDataPos + 16 : b.length;
  const at = int(rng, headerEnd);
  const n = 1 + int(rng, pick(rng, [4, 16, 256]));
  if (rng() < 0.5) return { bytes: splice(b, at, n, new Uint8Array(0)), what: `${n} bytes deleted at ${at}` };
  return { bytes: splice(b, at, 0, b.slice(at, at + n)), what: `${n} bytes duplicated at ${at}` };
};

const MUTATORS: Array<[Mutator, number, string]> = [
  [lengthField, 5, 'length'],
  [vrField, 2, 'vr'],
  [usValue, 3, 'image-attribute'],
  [textValue, 2, 'text-attribute'],
  [sequenceBomb, 1, 'sequence-bomb'],
  [codeStream, 2, 'code-stream'],
  [codeStreamField, 2, 'code-stream-field'],
  [offsetTable, 1, 'offset-table'],
  [bitFlips, 3, 'bit-flips'],
  [byteOverwrites, 3, 'byte-overwrites'],
  [truncate, 2, 'truncate'],
  [shift, 1, 'shift'],
];
const TOTAL_WEIGHT = MUTATORS.reduce((s, m) => s + m[1], 0);

/** Whole inputs that owe nothing to a corpus file. */
function junk(rng: Rng): Mutation {
  const r = rng();
  if (r < 0.15) return { bytes: new Uint8Array(0), what: 'zero-byte file' };
  const n = pick(rng, [1, 7, 8, 131, 132, 133, 200, 1000, 4096]) + int(rng, 16);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(rng, 256);
  if (r < 0.5 && n > 140) {
    out.set([0x44, 0x49, 0x43, 0x4d], 128);
    return { bytes: out, what: `${n} random bytes with a DICM prefix` };
  }
  return { bytes: out, what: `${n} random bytes` };
}

/** Names of the mutations (for `only`). */
export const MUTATION_NAMES: readonly string[] = MUTATORS.map((m) => m[2]);

/**
 * One fuzz input from a corpus file: one to three structured or blind
 * mutations, or (rarely) junk. `only` restricts the mutations to those named.
 */
export function mutate(original: Uint8Array, idx: FileIndex, rng: Rng, only?: readonly string[]): Mutation {
  const pool = only?.length ? MUTATORS.filter((m) => only.includes(m[2])) : MUTATORS;
  const total = only?.length ? pool.reduce((s, m) => s + m[1], 0) : TOTAL_WEIGHT;
  if (!only?.length && rng() < 0.03) return junk(rng);
  const rounds = rng() < 0.7 ? 1 : 2 + int(rng, 2);
  let bytes = original;
  const what: string[] = [];
  for (let k = 0; k < rounds; k++) {
    // Later rounds work on the mutated bytes with the original index: positions may be stale, which is fine.
    for (let attempt = 0; attempt < 8; attempt++) {
      let x = rng() * total;
      let m = pool[0];
      for (const cand of pool) {
        x -= cand[1];
        if (x < 0) {
          m = cand;
          break;
        }
      }
      const r = m[0](bytes, idx, rng);
      if (r) {
        bytes = r.bytes;
        what.push(`${m[2]}: ${r.what}`);
        break;
      }
    }
  }
  return { bytes, what: what.join('; ') || 'unchanged' };
}

/** The generator of case `k` of a run with `seed`: independent of every other case, so any case can be replayed alone. */
export function caseRng(seed: number, k: number): Rng {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return mulberry32((h ^ (h >>> 16)) >>> 0);
}
