/**
 * The codec boundary against corrupt code streams (regressions found by the
 * fuzzer, test/fuzz): a code stream whose own header claims another size is
 * refused before the codec allocates for it, and a codec module that corrupt
 * frames may have broken is replaced, so later files still decode.
 */
import { describe, expect, it } from 'vitest';
import { createCodecSet, type CodecSet } from '../../src/codecs/codecSet';
import { RELOAD_AFTER_FAILURES, WasmCodec, type EmscriptenModule, type WasmFrameInfo } from '../../src/codecs/emscriptenModule';
import { readJ2kCodeBlockSides, readJ2kSize } from '../../src/codecs/j2kMarkers';
import { dicomParser } from '../../src/core/dicom/dicomParserLib';
import type { EncodedFrameInfo } from '../../src/core/dicom/pixelDecoder';
import type { ParseFileResult } from '../../src/core/dicom/types';
import { mulberry32 } from '../../src/core/random/mulberry32';
import { sharedCorpus } from '../fuzz/corpus';
import { fingerprint } from '../fuzz/runFuzz';
import { makeEncapsulatedTestFile } from '../core/dicom/testFiles';
import { dataDir, describeWithRealData } from '../helpers/sharedData';
import { encodeHtj2k } from './htj2kEncoder';

const HTJ2K = '1.2.840.10008.1.2.4.201';

function reasonOf(r: ParseFileResult): string {
  return r.ok ? `decoded ${r.slices.length} slice(s)` : r.skipped.reason;
}

function heapOf(set: CodecSet, name: string): number {
  return set.memory().find((c) => c.name === name)?.heapBytes ?? 0;
}

/** Offset of the first marker FF `second` at or after `from`. */
function markerAt(b: Uint8Array, second: number, from = 0): number {
  for (let i = from; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === second) return i;
  throw new Error(`no marker FF${second.toString(16)}`);
}

async function htj2kFile(columns: number, rows: number): Promise<{ file: Uint8Array; soc: number }> {
  const rnd = mulberry32(5);
  const words = Int16Array.from({ length: columns * rows }, () => Math.round(rnd() * 2000) - 1000);
  const stream = await encodeHtj2k(words, columns, rows);
  const file = makeEncapsulatedTestFile({ rows, columns, transferSyntaxUid: HTJ2K, frames: [[stream]] });
  return { file, soc: markerAt(file, 0x4f, file.length - stream.length - 16) };
}

describe('codec boundary regressions found by fuzzing', () => {
  it('refuses an HTJ2K code stream whose SIZ claims 30000 × 30000 before OpenJPH decodes it (it used to take 2 s and grow the heap to 1.9 GB)', async () => {
    const set = createCodecSet();
    const { file, soc } = await htj2kFile(40, 32);
    expect(reasonOf(await set.parse(file, 'ok.dcm'))).toBe('decoded 1 slice(s)');
    const heap = heapOf(set, 'htj2k');
    const bad = file.slice();
    const dv = new DataView(bad.buffer);
    dv.setUint32(soc + 8, 30000); // Xsiz
    dv.setUint32(soc + 12, 30000); // Ysiz
    const t0 = performance.now();
    const r = await set.parse(bad, 'bad.dcm');
    expect(performance.now() - t0).toBeLessThan(200);
    expect(reasonOf(r)).toMatch(/HTJ2K \(OpenJPH\) code stream is 30000×30000, the header says Columns 40 × Rows 32$/);
    expect(heapOf(set, 'htj2k')).toBe(heap);
  });

  it('refuses a JPEG 2000 family code stream cut into more than 4,096 tiles (OpenJPEG sets up ~10 KiB per tile before reading any)', async () => {
    const set = createCodecSet();
    const { file, soc } = await htj2kFile(128, 128);
    const bad = file.slice();
    const dv = new DataView(bad.buffer);
    dv.setUint32(soc + 24, 1); // XTsiz
    dv.setUint32(soc + 28, 1); // YTsiz
    expect(reasonOf(await set.parse(bad, 'tiles.dcm'))).toMatch(/code stream is cut into 16384 tiles \(at most 4096\)$/);
    expect(reasonOf(await set.parse(file, 'ok.dcm'))).toBe('decoded 1 slice(s)');
  });

  it('refuses HTJ2K code blocks less than 16 pixels on a side before OpenJPH decodes them (a 2 KB file grew its heap to 430 MB)', async () => {
    const set = createCodecSet();
    const { file, soc } = await htj2kFile(40, 32);
    expect(reasonOf(await set.parse(file, 'ok.dcm'))).toBe('decoded 1 slice(s)');
    const heap = heapOf(set, 'htj2k');
    const cod = markerAt(file, 0x52, soc);
    expect(readJ2kCodeBlockSides(file.subarray(soc))).toEqual({ width: 2 ** (file[cod + 10] + 2), height: 2 ** (file[cod + 11] + 2) });
    for (const [xcb, ycb] of [[4, 0], [1, 4]]) {
      const bad = file.slice();
      bad[cod + 10] = xcb;
      bad[cod + 11] = ycb;
      expect(reasonOf(await set.parse(bad, 'cb.dcm'))).toMatch(new RegExp(`code stream uses ${2 ** (xcb + 2)}×${2 ** (ycb + 2)}-pixel code blocks \\(at least 16 on each side are supported\\)$`));
    }
    expect(heapOf(set, 'htj2k')).toBe(heap);
  });

  it('reads SIZ: size, components, depth, tiles; null for anything that is not SOC + a consistent SIZ', async () => {
    const { file, soc } = await htj2kFile(40, 32);
    const stream = file.subarray(soc);
    expect(readJ2kSize(stream)).toEqual({ width: 40, height: 32, components: 1, bitsPerSample: 16, tiles: 1, maxSubsampling: 1 });
    expect(readJ2kSize(stream.subarray(2))).toBeNull();
    const zeroTile = stream.slice();
    new DataView(zeroTile.buffer).setUint32(4 + 20, 0);
    expect(readJ2kSize(zeroTile)).toBeNull();
    expect(readJ2kSize(stream.subarray(0, 30))).toBeNull();
  });
});

/** A stand-in emscripten module whose decoder fails as told: a C++ exception (a number) or a trap. */
function fakeModule(fail: { mode: 'ok' | 'native' | 'trap' }, created: { count: number }): () => Promise<EmscriptenModule> {
  return async () => {
    created.count++;
    const generation = created.count;
    class Decoder {
      private n = 0;
      getEncodedBuffer(length: number) {
        this.n = length;
        return new Uint8Array(length);
      }
      decode() {
        if (fail.mode === 'native') throw 12345;
        if (fail.mode === 'trap') throw new WebAssembly.RuntimeError('memory access out of bounds');
      }
      getFrameInfo(): WasmFrameInfo {
        return { width: this.n, height: 1, bitsPerSample: 8, componentCount: 1 };
      }
      getDecodedBuffer() {
        return new Uint8Array(this.n).fill(generation);
      }
      delete() {}
    }
    return { Decoder, HEAP8: new Int8Array(16) } as unknown as EmscriptenModule;
  };
}

describe('WasmCodec replaces a module that failures may have broken', () => {
  const info = (columns: number): EncodedFrameInfo => ({
    rows: 1, columns, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2', transferSyntaxUid: 'x',
  });

  it(`after ${RELOAD_AFTER_FAILURES} failures of the codec itself, and at once after a trap; size checks made here do not count`, async () => {
    const fail = { mode: 'ok' as 'ok' | 'native' | 'trap' };
    const created = { count: 0 };
    const codec = await WasmCodec.load('fake', 'Decoder', fakeModule(fail, created));
    expect([...codec.decode(new Uint8Array(3), info(3))]).toEqual([1, 1, 1]);
    // A size disagreement found after decoding is the data's fault, not the module's.
    for (let i = 0; i < 2 * RELOAD_AFTER_FAILURES; i++) expect(() => codec.decode(new Uint8Array(3), info(4))).toThrow(/code stream is 3×1/);
    await codec.ready();
    expect(created.count).toBe(1);

    fail.mode = 'native';
    for (let i = 0; i < RELOAD_AFTER_FAILURES - 1; i++) expect(() => codec.decode(new Uint8Array(3), info(3))).toThrow(/^fake: /);
    await codec.ready();
    expect(created.count).toBe(1);
    expect(() => codec.decode(new Uint8Array(3), info(3))).toThrow(/^fake: the codec gave up/);
    await codec.ready();
    expect([created.count, codec.replacements()]).toEqual([2, 1]);

    fail.mode = 'trap';
    expect(() => codec.decode(new Uint8Array(3), info(3))).toThrow(/memory access out of bounds/);
    await codec.ready();
    expect([created.count, codec.replacements()]).toEqual([3, 2]);
    fail.mode = 'ok';
    expect([...codec.decode(new Uint8Array(2), info(2))]).toEqual([3, 3]);
    expect(codec.heapBytes()).toBe(16);
  });
});

/** Offset of the top-level Pixel Data element header (7FE0,0010 with VR OB and undefined length). */
function findPixelData(b: Uint8Array): number {
  for (let i = b.length - 12; i >= 0; i--) {
    if (b[i] === 0xe0 && b[i + 1] === 0x7f && b[i + 2] === 0x10 && b[i + 3] === 0 && b[i + 4] === 0x4f && b[i + 5] === 0x42
      && b[i + 8] === 0xff && b[i + 9] === 0xff && b[i + 10] === 0xff && b[i + 11] === 0xff) return i;
  }
  throw new Error('no encapsulated Pixel Data');
}

function insertBefore(b: Uint8Array, at: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at), at + insert.length);
  return out;
}

describeWithRealData('codec boundary regressions found by fuzzing, on the edge files', () => {
  const edge = (name: string) => sharedCorpus(dataDir).find((f) => f.name === `edge/${name}`)!.bytes;

  it('refuses a JPEG-LS code stream whose SOF55 claims 20000 × 20000 before CharLS decodes it (it used to take 0.5 s and grow the heap to 900 MB)', async () => {
    const set = createCodecSet();
    const file = edge('ct1-jpegls-lossless.dcm');
    expect(reasonOf(await set.parse(file, 'ok.dcm'))).toBe('decoded 1 slice(s)');
    const heap = heapOf(set, 'jpeg-ls');
    const bad = file.slice();
    const sof = markerAt(bad, 0xf7);
    new DataView(bad.buffer).setUint16(sof + 5, 20000);
    new DataView(bad.buffer).setUint16(sof + 7, 20000);
    const t0 = performance.now();
    expect(reasonOf(await set.parse(bad, 'bad.dcm'))).toMatch(/JPEG-LS \(CharLS\) code stream is 20000×20000, the header says Columns 512 × Rows 512$/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(heapOf(set, 'jpeg-ls')).toBe(heap);
  });

  it('refuses a JPEG 2000 code stream with 4 × 4-pixel tiles (16,384 tiles; OpenJPEG used to spend 170 MB on them)', async () => {
    const set = createCodecSet();
    const bad = edge('ct1-j2k-lossless.dcm').slice();
    const soc = markerAt(bad, 0x4f);
    new DataView(bad.buffer).setUint32(soc + 24, 4);
    new DataView(bad.buffer).setUint32(soc + 28, 4);
    expect(reasonOf(await set.parse(bad, 'tiles.dcm'))).toMatch(/code stream is cut into 16384 tiles \(at most 4096\)$/);
  });

  it('refuses a JPEG-LS or JPEG lossless frame cut short (no EOI at its end) at once: CharLS spent 10-25 s on a cut scan, the JPEG lossless decoder made up the missing pixels', async () => {
    const set = createCodecSet();
    // The fuzz case: NumberOfFrames inserted into a one-frame file of several fragments, so each fragment became a frame.
    for (const [name, reason] of [
      ['ct1-jpegls-near-lossless.dcm', /JPEG-LS code stream is cut short: it does not end with the EOI marker \(FFD9\)$/],
      ['ct1-jpegls-lossless.dcm', /JPEG-LS code stream is cut short/],
      ['ct1-jpeg-lossless-sv1.dcm', /JPEG lossless code stream is cut short/],
    ] as const) {
      const file = edge(name);
      const fragments = dicomParser.parseDicom(file).elements.x7fe00010.fragments!.length;
      expect(fragments).toBeGreaterThan(1);
      expect(fragments).toBeLessThan(10);
      // (0028,0008) IS "n " inserted before Pixel Data: one frame per fragment.
      const withFrames = insertBefore(file, findPixelData(file), Uint8Array.from([0x28, 0x00, 0x08, 0x00, 0x49, 0x53, 0x02, 0x00, 0x30 + fragments, 0x20]));
      const t0 = performance.now();
      const r = await set.parse(withFrames, name);
      expect(performance.now() - t0, name).toBeLessThan(500);
      expect(reasonOf(r), name).toMatch(reason);
      expect(reasonOf(await set.parse(file, name)), name).toBe('decoded 1 slice(s)');
    }
  });

  it('still decodes a JPEG-LS file after 600 corrupt ones (CharLS used to fail every frame after about 500 failures)', async () => {
    const set = createCodecSet();
    const file = edge('ct1-jpegls-lossless.dcm');
    const before = fingerprint(await set.parse(file, 'ok.dcm'));
    const bad = file.slice();
    const sof = markerAt(bad, 0xf7);
    for (let k = 30; k < 50; k++) bad[sof + k] ^= 0x5a;
    for (let i = 0; i < 600; i++) expect(reasonOf(await set.parse(bad, 'bad.dcm'))).toMatch(/^cannot decode JPEG-LS Lossless .*: JPEG-LS \(CharLS\): /);
    expect(fingerprint(await set.parse(file, 'ok.dcm'))).toBe(before);
    expect(set.memory().find((c) => c.name === 'jpeg-ls')!.replacements).toBeGreaterThanOrEqual(600 / RELOAD_AFTER_FAILURES - 1);
  });

  it('replaces the libjpeg-turbo module after corrupt JPEG frames (each failure used to leak ~20 KB, the codec broke after ~4,000) and still decodes', async () => {
    const set = createCodecSet();
    const file = edge('jpeg-baseline-8bit-gray.dcm');
    const before = fingerprint(await set.parse(file, 'ok.dcm'));
    const bad = file.slice();
    const sos = markerAt(bad, 0xda);
    for (let k = 2; k < 22; k++) bad[sos + k] ^= 0x5a;
    for (let i = 0; i < 3 * RELOAD_AFTER_FAILURES; i++) expect(reasonOf(await set.parse(bad, 'bad.dcm'))).toMatch(/^cannot decode JPEG Baseline/);
    // The next parse waits for the replacement the last failure started.
    expect(fingerprint(await set.parse(file, 'ok.dcm'))).toBe(before);
    expect(set.memory().find((c) => c.name === 'jpeg-baseline')!.replacements).toBe(3);
  });
});
