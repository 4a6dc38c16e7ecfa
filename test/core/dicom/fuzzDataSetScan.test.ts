/**
 * scanDataSet (dicomParserLib.ts) must follow dicom-parser exactly, or its
 * depth and size limits would not protect the parser: on unmodified files it
 * finds exactly the elements, items and fragments dicom-parser indexes and
 * the same sequence depth; on mutated files (seeded, from test/fuzz) it never
 * finds fewer or shallower ones than dicom-parser builds, and it stops where
 * dicom-parser's parse would have gone on only when a limit is passed.
 */
import { describe, expect, it } from 'vitest';
import { parseDataSetBytes, scanDataSet, type DataSet } from '../../../src/core/dicom/dicomParserLib';
import { syntheticCorpus, sharedCorpus, type CorpusFile } from '../../fuzz/corpus';
import { caseRng, indexFile, mutate } from '../../fuzz/mutateDicom';
import { dataDir, describeWithRealData } from '../../helpers/sharedData';

interface Built {
  elements: number;
  depth: number;
}

/** What dicom-parser built: elements, items and fragments (counted by walking its index), and the deepest item nesting. */
function built(ds: DataSet): Built {
  let elements = 0;
  let depth = 0;
  for (const el of Object.values(ds.elements)) {
    elements++;
    elements += el.fragments?.length ?? 0;
    if (el.items) {
      let inner = 0;
      for (const item of el.items) {
        elements++;
        if (item.dataSet) {
          const b = built(item.dataSet);
          elements += b.elements;
          inner = Math.max(inner, b.depth);
        }
      }
      depth = Math.max(depth, 1 + inner);
    }
  }
  return { elements, depth };
}

/** The data set bytes of a Part-10 file (after the meta group) and how they are encoded, as parseDicomFile finds them. */
function dataSetOf(bytes: Uint8Array): { bytes: Uint8Array; explicit: boolean; bigEndian: boolean } | null {
  if (bytes.length < 144 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 132;
  let ts = '';
  while (p + 8 <= bytes.length && dv.getUint16(p, true) === 2) {
    const vr = String.fromCharCode(bytes[p + 4], bytes[p + 5]);
    const long = ['OB', 'OW', 'UN', 'UT', 'SQ'].includes(vr);
    const length = long ? dv.getUint32(p + 8, true) : dv.getUint16(p + 6, true);
    const start = p + (long ? 12 : 8);
    if (start + length > bytes.length) return null;
    if (dv.getUint16(p + 2, true) === 0x10) ts = String.fromCharCode(...bytes.subarray(start, start + length)).replace(/[\0 ]+$/, '');
    p = start + length;
  }
  if (!ts || ts === '1.2.840.10008.1.2.1.99' || p >= bytes.length) return null;
  return { bytes: bytes.subarray(p), explicit: ts !== '1.2.840.10008.1.2', bigEndian: ts === '1.2.840.10008.1.2.2' };
}

const LIMITS = { maxDepth: 1_000_000, maxElements: 100_000_000 };

function compare(files: readonly CorpusFile[], mutationsPerFile: number): { exact: number; mutated: number; parsed: number } {
  let exact = 0;
  let mutated = 0;
  let parsed = 0;
  for (const f of files) {
    const d = dataSetOf(f.bytes);
    if (!d) continue;
    const scan = scanDataSet(d.bytes, d.explicit, d.bigEndian, LIMITS);
    let whole: DataSet | null = null;
    try {
      whole = parseDataSetBytes(d.bytes, d);
    } catch {
      // A truncated file: nothing built to compare with.
    }
    if (whole) {
      const b = built(whole);
      expect({ file: f.name, ...scan }).toEqual({ file: f.name, elements: b.elements, depth: b.depth });
      exact++;
    }
    const idx = indexFile(f.bytes);
    for (let k = 0; k < mutationsPerFile; k++) {
      const m = mutate(f.bytes, idx, caseRng(99, k));
      const md = dataSetOf(m.bytes);
      // Bombs of hundreds of thousands of items are left to the fuzz test (parseDicomFile refuses them before dicom-parser).
      if (!md || md.bytes.length > 4_000_000) continue;
      mutated++;
      const ms = scanDataSet(md.bytes, md.explicit, md.bigEndian, LIMITS);
      let ds: DataSet;
      try {
        ds = parseDataSetBytes(md.bytes, md);
      } catch {
        continue;
      }
      parsed++;
      const mb = built(ds);
      // Duplicate tags overwrite each other in dicom-parser's index, so it may show fewer elements than it read.
      expect(ms.elements, `${f.name}: ${m.what}`).toBeGreaterThanOrEqual(mb.elements);
      expect(ms.depth, `${f.name}: ${m.what}`).toBeGreaterThanOrEqual(mb.depth);
    }
  }
  return { exact, mutated, parsed };
}

describe('scanDataSet follows dicom-parser', () => {
  it('on the synthetic files and 150 mutations of each: same counts and depth unmodified, never fewer when mutated', async () => {
    const r = compare(await syntheticCorpus(), 150);
    expect(r.exact).toBe(8); // all but the deflated file
    expect(r.parsed).toBeGreaterThan(300);
  });

  it('stops at the limits: depth and element count just past them', () => {
    // Sequences nested 10 deep, 3 items each at the innermost level.
    const explicitLe = { explicit: true, bigEndian: false };
    const sq = (inner: number[]): number[] => [0x08, 0x00, 0x15, 0x11, 0x53, 0x51, 0, 0, 0xff, 0xff, 0xff, 0xff,
      0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff, ...inner, 0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
    let body: number[] = [];
    for (let d = 0; d < 10; d++) body = sq(body);
    const bytes = Uint8Array.from(body);
    expect(scanDataSet(bytes, true, false, LIMITS)).toEqual(built(parseDataSetBytes(bytes, explicitLe)));
    expect(scanDataSet(bytes, true, false, { maxDepth: 10, maxElements: 1000 }).depth).toBe(10);
    expect(scanDataSet(bytes, true, false, { maxDepth: 9, maxElements: 1000 }).depth).toBe(10);
    const all = scanDataSet(bytes, true, false, LIMITS).elements;
    expect(scanDataSet(bytes, true, false, { maxDepth: 100, maxElements: all }).elements).toBe(all);
    expect(scanDataSet(bytes, true, false, { maxDepth: 100, maxElements: all - 1 }).elements).toBe(all);
  });
});

describeWithRealData('scanDataSet follows dicom-parser on real files', () => {
  it('on the edge and real files and 40 mutations of each', () => {
    const r = compare(sharedCorpus(dataDir), 40);
    expect(r.exact).toBeGreaterThanOrEqual(20);
    expect(r.parsed).toBeGreaterThan(300);
  });
});
