/**
 * Parse time is linear in file size for every structure a length or count
 * field can multiply (found by reading the parser for loops a length field
 * drives, and by the fuzzer's "slowest per MiB" figure): many elements, many
 * sequence items, many fragments, a long Basic Offset Table, elements of
 * undefined length that are scanned for their delimiter, long multi-valued
 * strings, many frames with per-frame functional groups. Each structure is
 * built at two sizes, 4× apart; the larger must take less than 12× as long
 * (linear: 4×, up to ~8× measured with garbage collection and hash-table
 * growth on a busy machine; quadratic: 16×).
 */
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import { encodeDataSet, part10, text, type Syntax, type SynthElement } from '../../fuzz/corpus';

const LE: Syntax = { explicit: true, littleEndian: true };
const IMPLICIT: Syntax = { explicit: false, littleEndian: true };
const us = (tag: number, v: number): SynthElement => ({ tag, vr: 'US', value: Uint8Array.of(v & 0xff, v >> 8) });
const image = (frames = 1): SynthElement[] => [
  text(0x00080060, 'CS', 'CT'), ...(frames > 1 ? [text(0x00280008, 'IS', String(frames))] : []),
  us(0x00280010, 1), us(0x00280011, 1), us(0x00280100, 8), us(0x00280101, 8), us(0x00280102, 7), us(0x00280103, 0),
];
const pixels = (n: number): SynthElement => ({ tag: 0x7fe00010, vr: 'OB', value: new Uint8Array(n) });

/** Raw little-endian bytes of an element of undefined length (explicit OB) that is scanned for its item delimiter. */
function undefinedLengthBlob(tag: number, body: number): Uint8Array {
  const b = new Uint8Array(12 + body + 8);
  b.set([tag >>> 16 & 0xff, tag >>> 24, tag & 0xff, (tag >>> 8) & 0xff, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  b.fill(0x20, 12, 12 + body);
  b.set([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0], 12 + body);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** What is built, how (k copies of the structure), and k for the smaller file (about 10 ms of parsing or more). */
const builders: Array<[string, (k: number) => Uint8Array, number]> = [
  ['top-level elements', (k) => part10('1.2.840.10008.1.2', encodeDataSet([
    ...image(), ...Array.from({ length: k }, (_, i) => text(0x00091000 + i, 'LO', 'ab')), pixels(1),
  ].sort((a, b) => a.tag - b.tag), IMPLICIT)), 16384],
  ['sequence items', (k) => part10('1.2.840.10008.1.2.1', encodeDataSet([
    { tag: 0x00081115, vr: 'SQ', undefinedLength: true, undefinedItems: true, items: Array.from({ length: k }, () => [text(0x00081150, 'UI', '1.2')]) },
    ...image(), pixels(1),
  ], LE)), 16384],
  ['fragments of one frame', (k) => part10('1.2.840.10008.1.2.1.98', encodeDataSet([
    ...image(), { tag: 0x7fe00010, vr: 'OB', fragments: Array.from({ length: k }, (_, i) => Uint8Array.of(i & 0xff, 0)), offsetTable: [] },
  ], LE)), 16384],
  ['Basic Offset Table entries', (k) => part10('1.2.840.10008.1.2.1.98', encodeDataSet([
    ...image(), { tag: 0x7fe00010, vr: 'OB', fragments: [Uint8Array.of(7, 0)], offsetTable: Array.from({ length: k }, (_, i) => 8 * i) },
  ], LE)), 262144],
  ['elements of undefined length scanned for their delimiter', (k) => part10('1.2.840.10008.1.2.1', concat([
    encodeDataSet(image(), LE), ...Array.from({ length: 64 }, (_, i) => undefinedLengthBlob(0x00291000 + i, k)), encodeDataSet([pixels(1)], LE),
  ])), 65536],
  ['a long multi-valued PixelSpacing', (k) => part10('1.2.840.10008.1.2', encodeDataSet([
    ...image(), text(0x00280030, 'DS', `${'0.5\\'.repeat(k)}0.5`), pixels(1),
  ].sort((a, b) => a.tag - b.tag), IMPLICIT)), 65536],
  ['frames with per-frame functional groups', (k) => part10('1.2.840.10008.1.2.1', encodeDataSet([
    ...image(k),
    { tag: 0x52009229, vr: 'SQ', items: [[{ tag: 0x00289110, vr: 'SQ', items: [[text(0x00280030, 'DS', '0.5\\0.5')]] }]] },
    { tag: 0x52009230, vr: 'SQ', items: Array.from({ length: k }, (_, f) => [{ tag: 0x00209113, vr: 'SQ', items: [[text(0x00200032, 'DS', `0\\0\\${f}`)]] }]) },
    pixels(k),
  ], LE)), 2048],
];

function medianMs(bytes: Uint8Array): number {
  const t: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    parseDicomFile(bytes, 'x.dcm');
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[1];
}

describe('parse time is linear in file size', () => {
  for (const [what, build, k] of builders) {
    it(`for ${what}: 4× the size takes less than 12× the time`, () => {
      const small = build(k);
      const large = build(4 * k);
      medianMs(small); // warm up
      const ts = medianMs(small);
      const tl = medianMs(large);
      console.log(`${what}: ${small.length} B ${ts.toFixed(1)} ms, ${large.length} B ${tl.toFixed(1)} ms (${(tl / Math.max(ts, 0.5)).toFixed(1)}×)`);
      expect(tl / Math.max(ts, 2)).toBeLessThan(12);
    });
  }
});
