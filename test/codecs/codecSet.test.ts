/**
 * The codec set: codecs load only for files that need them, once, and a
 * failed load becomes a skip reason. HTJ2K is checked end to end with frames
 * made by OpenJPH's own encoder (shipped in the same package).
 */
import { describe, expect, it } from 'vitest';
import { codecFor, createCodecSet, decodableTransferSyntaxes } from '../../src/codecs/codecSet';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import type { DecodedSlice, ParseFileResult } from '../../src/core/dicom/types';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { encodeRleFrame, makeEncapsulatedTestFile, makeTestFile } from '../core/dicom/testFiles';
import { encodeHtj2k } from './htj2kEncoder';

function ctLike(n: number, seed: number): Int16Array {
  const rnd = mulberry32(seed);
  return Int16Array.from({ length: n }, (_, i) => (i % 17 < 3 ? -2000 : Math.round(rnd() * 3000) - 1024));
}

function slices(r: ParseFileResult): DecodedSlice[] {
  if (!r.ok) throw new Error(`skipped: ${r.skipped.reason}`);
  return r.slices;
}

const HTJ2K = '1.2.840.10008.1.2.4.201';

describe('codec set', () => {
  it('maps every compressed syntax it handles to one codec', () => {
    expect(decodableTransferSyntaxes().sort()).toEqual([
      '1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203',
      '1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70',
      '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91',
    ]);
    expect(codecFor('1.2.840.10008.1.2.4.91')).toBe('jpeg-2000');
    expect(codecFor('1.2.840.10008.1.2.5')).toBeNull(); // RLE: built into the core
    expect(codecFor('1.2.840.10008.1.2.1')).toBeNull();
  });

  it('loads nothing for native, RLE and colour files, and HTJ2K only when an HTJ2K greyscale file arrives', async () => {
    const set = createCodecSet();
    const words = ctLike(64 * 48, 1);
    const img = { rows: 48, columns: 64, padding: { value: -2000, vr: 'SS' as const } };
    const native = slices(await set.parse(makeTestFile({ ...img, pixels: words }), 'n.dcm'))[0];
    slices(await set.parse(makeEncapsulatedTestFile({ ...img, transferSyntaxUid: '1.2.840.10008.1.2.5', frames: [[encodeRleFrame(words)]] }), 'r.dcm'));
    const stream = await encodeHtj2k(words, 64, 48);
    const colour = makeEncapsulatedTestFile({
      ...img, transferSyntaxUid: HTJ2K, samplesPerPixel: 3, photometric: 'RGB', bitsAllocated: 8, frames: [[stream]],
    });
    const c = await set.parse(colour, 'c.dcm');
    expect(c.ok ? '' : c.skipped.reason).toMatch(/^colour image/);
    expect(set.loaded()).toEqual([]);

    // Two files at once share one load.
    const file = makeEncapsulatedTestFile({ ...img, transferSyntaxUid: HTJ2K, frames: [[stream]] });
    const [a, b] = await Promise.all([set.parse(file, 'h1.dcm'), set.parse(file, 'h2.dcm')]);
    expect(set.loaded()).toEqual(['htj2k']);
    for (const r of [a, b]) expect([...slices(r)[0].hu]).toEqual([...native.hu]);
    // Registered for all three HTJ2K syntaxes; parseDicomFile can use the registry directly.
    expect([...set.decoders.keys()].sort()).toEqual(['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203']);
    const rpcl = makeEncapsulatedTestFile({ ...img, transferSyntaxUid: '1.2.840.10008.1.2.4.203', frames: [[stream]] });
    expect([...slices(parseDicomFile(rpcl, 'h3.dcm', { decoders: set.decoders }))[0].hu]).toEqual([...native.hu]);
  });

  it('a codec that cannot load becomes the skip reason of each of its files, tried once', async () => {
    const set = createCodecSet({ wasmUrls: { htj2k: '/nonexistent/openjph.wasm' } });
    const words = ctLike(16, 2);
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: HTJ2K, frames: [[await encodeHtj2k(words, 4, 4)]] });
    for (const name of ['a.dcm', 'b.dcm']) {
      const r = await set.parse(file, name);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.skipped.file).toBe(name);
        expect(r.skipped.reason).toMatch(/^could not load the HTJ2K \(OpenJPH\) decoder for High-Throughput JPEG 2000 Lossless \(HTJ2K\) \(1\.2\.840\.10008\.1\.2\.4\.201\): /);
      }
    }
    await expect(set.ensure(HTJ2K)).rejects.toThrow();
    expect(set.loaded()).toEqual([]);
    // Other codecs are unaffected.
    expect(await set.ensure('1.2.840.10008.1.2.4.70')).toBe(true);
    expect(await set.ensure('1.2.840.10008.1.2.1')).toBe(false);
    expect(set.loaded()).toEqual(['jpeg-lossless']);
  });

  it('reports a code stream whose size disagrees with the header', async () => {
    const set = createCodecSet();
    const file = makeEncapsulatedTestFile({ rows: 4, columns: 8, transferSyntaxUid: HTJ2K, frames: [[await encodeHtj2k(ctLike(32, 3), 4, 8)]] });
    const r = await set.parse(file, 'x.dcm');
    expect(r.ok ? '' : r.skipped.reason).toBe(
      'cannot decode High-Throughput JPEG 2000 Lossless (HTJ2K) (1.2.840.10008.1.2.4.201): HTJ2K (OpenJPH) code stream is 4×8, the header says Columns 8 × Rows 4',
    );
  });
});
