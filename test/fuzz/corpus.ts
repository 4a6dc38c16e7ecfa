/**
 * The files the DICOM fuzzer starts from: synthetic ones made here (no
 * ../shared needed) and the real and edge files of ../shared/data.
 *
 * The synthetic set covers what the parser treats differently: a file of the
 * project's own Part-10 writer and a phantom slice (explicit VR little
 * endian), implicit VR little endian with sequences of undefined length and a
 * private tag, explicit VR big endian with a sequence of known length, a
 * two-frame Enhanced-CT-like file with shared and per-frame functional groups,
 * a deflated data set, RLE Lossless (two frames, with a Basic Offset Table),
 * Encapsulated Uncompressed and HTJ2K (OpenJPH's encoder, so a WebAssembly
 * codec is fuzzed without ../shared). The small encoder below writes any of
 * these layouts, sequences included (the project's writer has none).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'fflate';
import { writeDicomPart10, type DicomElementSpec } from '../../src/core/io/dicomWriter';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { encodeHtj2k } from '../codecs/htj2kEncoder';
import { encodeRleFrame } from '../core/dicom/testFiles';

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
}

// ---- a small DICOM encoder (PS3.5 7.1, 7.5, A.4) ----

export interface Syntax {
  explicit: boolean;
  littleEndian: boolean;
}

/** A data element: raw value bytes (already in the syntax's byte order), a sequence, or encapsulated Pixel Data. */
export type SynthElement =
  | { tag: number; vr: string; value: Uint8Array }
  | { tag: number; vr: 'SQ'; items: SynthElement[][]; undefinedLength?: boolean; undefinedItems?: boolean }
  | { tag: number; vr: 'OB'; fragments: Uint8Array[]; offsetTable: number[] };

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

class Out {
  private parts: Uint8Array[] = [];
  length = 0;
  constructor(readonly littleEndian: boolean) {}
  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.littleEndian);
    this.bytes(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.littleEndian);
    this.bytes(b);
  }
  tag(t: number): void {
    this.u16(t >>> 16);
    this.u16(t & 0xffff);
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const b of this.parts) {
      out.set(b, p);
      p += b.length;
    }
    return out;
  }
}

function elementHeader(o: Out, syntax: Syntax, tag: number, vr: string, length: number): void {
  o.tag(tag);
  if (!syntax.explicit) {
    o.u32(length);
    return;
  }
  o.bytes(Uint8Array.from([vr.charCodeAt(0), vr.charCodeAt(1)]));
  if (LONG_VRS.has(vr)) {
    o.u16(0);
    o.u32(length);
  } else {
    o.u16(length);
  }
}

/** The data set's bytes in the given syntax (elements in the order given). */
export function encodeDataSet(elements: readonly SynthElement[], syntax: Syntax): Uint8Array {
  const o = new Out(syntax.littleEndian);
  for (const e of elements) {
    if ('items' in e) {
      const items = e.items.map((item) => encodeDataSet(item, syntax));
      const body = new Out(syntax.littleEndian);
      for (const it of items) {
        body.tag(0xfffee000);
        body.u32(e.undefinedItems ? 0xffffffff : it.length);
        body.bytes(it);
        if (e.undefinedItems) {
          body.tag(0xfffee00d);
          body.u32(0);
        }
      }
      const b = body.concat();
      elementHeader(o, syntax, e.tag, 'SQ', e.undefinedLength ? 0xffffffff : b.length);
      o.bytes(b);
      if (e.undefinedLength) {
        o.tag(0xfffee0dd);
        o.u32(0);
      }
    } else if ('fragments' in e) {
      elementHeader(o, syntax, e.tag, 'OB', 0xffffffff);
      o.tag(0xfffee000);
      o.u32(4 * e.offsetTable.length);
      for (const v of e.offsetTable) o.u32(v);
      for (const f of e.fragments) {
        const even = f.length % 2 ? Uint8Array.from([...f, 0]) : f;
        o.tag(0xfffee000);
        o.u32(even.length);
        o.bytes(even);
      }
      o.tag(0xfffee0dd);
      o.u32(0);
    } else {
      const v = e.value.length % 2 ? Uint8Array.from([...e.value, e.vr === 'UI' || e.vr === 'OB' ? 0 : 0x20]) : e.value;
      elementHeader(o, syntax, e.tag, e.vr, v.length);
      o.bytes(v);
    }
  }
  return o.concat();
}

/** Preamble, "DICM", a file meta group (explicit VR little endian, with its group length) and the data set bytes. */
export function part10(transferSyntaxUid: string, dataSet: Uint8Array, sopInstanceUid = '2.25.777'): Uint8Array {
  const le: Syntax = { explicit: true, littleEndian: true };
  const meta = encodeDataSet([
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.from([0, 1]) },
    text(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    text(0x00020003, 'UI', sopInstanceUid),
    text(0x00020010, 'UI', transferSyntaxUid),
  ], le);
  const group = encodeDataSet([{ tag: 0x00020000, vr: 'UL', value: Uint8Array.from([meta.length & 0xff, (meta.length >> 8) & 0xff, 0, 0]) }], le);
  const out = new Uint8Array(132 + group.length + meta.length + dataSet.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(group, 132);
  out.set(meta, 132 + group.length);
  out.set(dataSet, 132 + group.length + meta.length);
  return out;
}

export function text(tag: number, vr: string, s: string): SynthElement {
  return { tag, vr, value: Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff) };
}

function us(tag: number, v: number, littleEndian: boolean): SynthElement {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, littleEndian);
  return { tag, vr: 'US', value: b };
}

function words16(words: Int16Array, littleEndian: boolean): Uint8Array {
  const b = new Uint8Array(words.length * 2);
  const dv = new DataView(b.buffer);
  for (let i = 0; i < words.length; i++) dv.setInt16(2 * i, words[i], littleEndian);
  return b;
}

/** A CT-like signed image: padding -2000 in a border, values around air and tissue inside. */
function ctWords(columns: number, rows: number, seed: number): Int16Array {
  const rnd = mulberry32(seed);
  const out = new Int16Array(columns * rows);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const inside = (x - columns / 2) ** 2 / (columns / 2) ** 2 + (y - rows / 2) ** 2 / (rows / 2) ** 2 < 0.8;
      out[x + y * columns] = inside ? Math.round((x * 7 + y * 3) % 200 + rnd() * 40 + (x > columns / 2 ? -900 : 40) + 1024) : -2000;
    }
  }
  return out;
}

/** Image module elements of a greyscale signed 16-bit CT frame (ascending tag order except where a test wants otherwise). */
function imageElements(columns: number, rows: number, le: boolean, frames: number): SynthElement[] {
  const e: SynthElement[] = [
    text(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    text(0x00080018, 'UI', '2.25.777'),
    text(0x00080060, 'CS', 'CT'),
    text(0x0020000d, 'UI', '2.25.1'),
    text(0x0020000e, 'UI', '2.25.2'),
    text(0x00200013, 'IS', '3'),
    text(0x00200032, 'DS', '-100\\-120.5\\30'),
    text(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'),
    text(0x00200052, 'UI', '2.25.3'),
    us(0x00280002, 1, le),
    text(0x00280004, 'CS', 'MONOCHROME2'),
  ];
  if (frames > 1) e.push(text(0x00280008, 'IS', String(frames)));
  e.push(
    us(0x00280010, rows, le),
    us(0x00280011, columns, le),
    text(0x00280030, 'DS', '0.7\\0.7'),
    us(0x00280100, 16, le),
    us(0x00280101, 16, le),
    us(0x00280102, 15, le),
    us(0x00280103, 1, le),
    { tag: 0x00280120, vr: 'SS', value: new Uint8Array(new Int16Array([-2000]).buffer) },
    text(0x00281050, 'DS', '-600'),
    text(0x00281051, 'DS', '1500'),
    text(0x00281052, 'DS', '-1024'),
    text(0x00281053, 'DS', '1'),
  );
  if (!le) {
    // SS value above was written little endian: rewrite it big endian.
    const pad = e.find((x) => x.tag === 0x00280120) as { value: Uint8Array };
    pad.value = words16(Int16Array.of(-2000), false);
  }
  return e;
}

const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const RLE = '1.2.840.10008.1.2.5';
const ENCAPSULATED_UNCOMPRESSED = '1.2.840.10008.1.2.1.98';
const HTJ2K = '1.2.840.10008.1.2.4.201';

/** Files built here; the same bytes on every call. */
export async function syntheticCorpus(): Promise<CorpusFile[]> {
  const W = 40;
  const H = 32;
  const words = ctWords(W, H, 11);
  const files: CorpusFile[] = [];

  // The project's own writer.
  const written: DicomElementSpec[] = [
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x0020000e, vr: 'UI', value: '2.25.2' },
    { tag: 0x00200032, vr: 'DS', value: [-100, -120.5, 30] },
    { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: H },
    { tag: 0x00280011, vr: 'US', value: W },
    { tag: 0x00280030, vr: 'DS', value: [0.7, 0.7] },
    { tag: 0x00280100, vr: 'US', value: 16 },
    { tag: 0x00280101, vr: 'US', value: 16 },
    { tag: 0x00280102, vr: 'US', value: 15 },
    { tag: 0x00280103, vr: 'US', value: 1 },
    { tag: 0x00280120, vr: 'SS', value: -2000 },
    { tag: 0x00281052, vr: 'DS', value: -1024 },
    { tag: 0x00281053, vr: 'DS', value: 1 },
    { tag: 0x7fe00010, vr: 'OW', value: words },
  ];
  files.push({ name: 'synthetic/writer-explicit-le.dcm', bytes: writeDicomPart10({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '2.25.9', elements: written }) });

  // A phantom slice (the project's phantom series, smallest size).
  const phantom = makePhantomSeries({ size: 16, slices: 1, seed: 3 });
  files.push({ name: 'synthetic/phantom-slice.dcm', bytes: phantom.files[0].bytes });

  // Implicit VR little endian, with sequences of undefined length and a private tag.
  {
    const le = true;
    const ds = imageElements(W, H, le, 1);
    ds.splice(4, 0, {
      tag: 0x00081140, vr: 'SQ', undefinedLength: true, undefinedItems: true,
      items: [[text(0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2'), text(0x00081155, 'UI', '2.25.44')], [text(0x00081155, 'UI', '2.25.45')]],
    });
    ds.push(text(0x00291010, 'LO', 'private value'));
    ds.push({ tag: 0x7fe00010, vr: 'OW', value: words16(words, le) });
    files.push({ name: 'synthetic/implicit-le-sequences.dcm', bytes: part10(IMPLICIT, encodeDataSet(ds, { explicit: false, littleEndian: true })) });
  }

  // Explicit VR big endian, a sequence of known length.
  {
    const ds = imageElements(W, H, false, 1);
    ds.splice(4, 0, { tag: 0x00081140, vr: 'SQ', items: [[text(0x00081155, 'UI', '2.25.46')]] });
    ds.push({ tag: 0x7fe00010, vr: 'OW', value: words16(words, false) });
    files.push({ name: 'synthetic/explicit-be-sequence.dcm', bytes: part10(EXPLICIT_BE, encodeDataSet(ds, { explicit: true, littleEndian: false })) });
  }

  // Enhanced-CT-like: two frames, rescale in the shared groups, positions per frame.
  {
    const frame2 = ctWords(W, H, 12);
    const both = new Int16Array(2 * W * H);
    both.set(words);
    both.set(frame2, W * H);
    const ds = imageElements(W, H, true, 2).filter((e) => e.tag !== 0x00281052 && e.tag !== 0x00281053 && e.tag !== 0x00200032);
    const perFrame = (z: number): SynthElement[] => [
      { tag: 0x00209111, vr: 'SQ', items: [[{ tag: 0x00209057, vr: 'UL', value: Uint8Array.of(z === 30 ? 1 : 2, 0, 0, 0) }]] },
      { tag: 0x00209113, vr: 'SQ', items: [[text(0x00200032, 'DS', `-100\\-120.5\\${z}`)]] },
    ];
    ds.push(
      {
        tag: 0x52009229, vr: 'SQ', undefinedLength: true, items: [[
          { tag: 0x00289110, vr: 'SQ', items: [[text(0x00180050, 'DS', '2.5'), text(0x00280030, 'DS', '0.7\\0.7')]] },
          { tag: 0x00289145, vr: 'SQ', undefinedItems: true, items: [[text(0x00281052, 'DS', '-1024'), text(0x00281053, 'DS', '1')]] },
        ]],
      },
      { tag: 0x52009230, vr: 'SQ', items: [perFrame(30), perFrame(32.5)] },
      { tag: 0x7fe00010, vr: 'OW', value: words16(both, true) },
    );
    files.push({ name: 'synthetic/enhanced-2frames.dcm', bytes: part10(EXPLICIT_LE, encodeDataSet(ds, { explicit: true, littleEndian: true })) });
  }

  // Deflated explicit VR little endian.
  {
    const ds = imageElements(W, H, true, 1);
    ds.push({ tag: 0x7fe00010, vr: 'OW', value: words16(words, true) });
    files.push({ name: 'synthetic/deflated.dcm', bytes: part10(DEFLATED, deflateSync(encodeDataSet(ds, { explicit: true, littleEndian: true }))) });
  }

  // RLE Lossless, two frames with a Basic Offset Table.
  {
    const f1 = encodeRleFrame(words);
    const f2 = encodeRleFrame(ctWords(W, H, 13));
    const ds = imageElements(W, H, true, 2);
    ds.push({ tag: 0x7fe00010, vr: 'OB', fragments: [f1, f2], offsetTable: [0, 8 + f1.length + (f1.length % 2)] });
    files.push({ name: 'synthetic/rle-2frames.dcm', bytes: part10(RLE, encodeDataSet(ds, { explicit: true, littleEndian: true })) });
  }

  // Encapsulated Uncompressed: one frame in two fragments, empty offset table.
  {
    const raw = words16(words, true);
    const ds = imageElements(W, H, true, 1);
    ds.push({ tag: 0x7fe00010, vr: 'OB', fragments: [raw.subarray(0, 1000), raw.subarray(1000)], offsetTable: [] });
    files.push({ name: 'synthetic/encapsulated-uncompressed.dcm', bytes: part10(ENCAPSULATED_UNCOMPRESSED, encodeDataSet(ds, { explicit: true, littleEndian: true })) });
  }

  // HTJ2K lossless (OpenJPH's encoder).
  {
    const stream = await encodeHtj2k(words, W, H);
    const ds = imageElements(W, H, true, 1);
    ds.push({ tag: 0x7fe00010, vr: 'OB', fragments: [stream], offsetTable: [0] });
    files.push({ name: 'synthetic/htj2k.dcm', bytes: part10(HTJ2K, encodeDataSet(ds, { explicit: true, littleEndian: true })) });
  }
  return files;
}

/** Every edge file and the first file (by name) of each real series under `dataDir`. */
export function sharedCorpus(dataDir: string): CorpusFile[] {
  const out: CorpusFile[] = [];
  const edge = path.join(dataDir, 'edge');
  for (const f of readdirSync(edge).filter((n) => n.endsWith('.dcm')).sort()) {
    out.push({ name: `edge/${f}`, bytes: new Uint8Array(readFileSync(path.join(edge, f))) });
  }
  const ct = path.join(dataDir, 'ct');
  for (const series of readdirSync(ct).sort()) {
    const first = readdirSync(path.join(ct, series)).filter((n) => n.endsWith('.dcm')).sort()[0];
    if (first) out.push({ name: `ct/${series}/${first}`, bytes: new Uint8Array(readFileSync(path.join(ct, series, first))) });
  }
  return out;
}

/** ../shared/data next to the repository, or LUNGVIEW_DATA (as test/helpers/sharedData.ts, without vitest). */
export function defaultDataDir(): string {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return path.resolve(process.env.LUNGVIEW_DATA ?? path.join(repoRoot, '../shared/data'));
}

export function haveSharedData(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'edge')) && existsSync(path.join(dataDir, 'ct'));
}

export type CorpusKind = 'synthetic' | 'shared' | 'all';

export async function loadCorpus(kind: CorpusKind, dataDir: string): Promise<CorpusFile[]> {
  const out: CorpusFile[] = [];
  if (kind !== 'shared') out.push(...await syntheticCorpus());
  if (kind !== 'synthetic') out.push(...sharedCorpus(dataDir));
  return out;
}
