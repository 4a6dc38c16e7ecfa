/**
 * The compressed files of ../shared/data/edge through the codecs (see
 * shared/data/README.md): all CT1 versions are one image, so each decode is
 * compared with ct1-uncompressed-reference-signed.dcm. Lossy errors are
 * measured on the stored values; the frames for that are cut out of the
 * files with dicom-parser's own fragment reader (not the project's).
 * Also logs the time to decode one 512×512 frame with each codec.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { createCodecSet, type CodecSet } from '../../src/codecs/codecSet';
import { dicomParser } from '../../src/core/dicom/dicomParserLib';
import type { EncodedFrameInfo } from '../../src/core/dicom/pixelDecoder';
import type { DecodedSlice, ParseFileResult } from '../../src/core/dicom/types';
import { describeWithRealData, edgeFile } from '../helpers/sharedData';
import { encodeHtj2k } from './htj2kEncoder';

function bytesOf(name: string): Uint8Array {
  const b = readFileSync(edgeFile(name));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The stored words of the uncompressed reference (signed 16-bit). */
function referenceWords(): Int16Array {
  const ds = dicomParser.parseDicom(bytesOf('ct1-uncompressed-reference-signed.dcm'));
  const el = ds.elements.x7fe00010;
  return new Int16Array(ds.byteArray.slice(el.dataOffset, el.dataOffset + el.length).buffer);
}

/** The first frame's code stream and its description, read with dicom-parser's helpers. */
function encodedFrame(name: string): { frame: Uint8Array; info: EncodedFrameInfo } {
  const ds = dicomParser.parseDicom(bytesOf(name));
  const el = ds.elements.x7fe00010;
  const frame = dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments!.length) as Uint8Array;
  return {
    frame,
    info: {
      rows: ds.uint16('x00280010')!, columns: ds.uint16('x00280011')!, bitsAllocated: ds.uint16('x00280100')!,
      bitsStored: ds.uint16('x00280101')!, pixelRepresentation: ds.uint16('x00280103') === 1 ? 1 : 0,
      samplesPerPixel: ds.uint16('x00280002') ?? 1, photometricInterpretation: ds.string('x00280004') ?? '',
      transferSyntaxUid: ds.string('x00020010')!,
    },
  };
}

function errors(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number; count: number } {
  let max = 0;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length, count };
}

describeWithRealData('compressed edge files through the codecs', () => {
  let set: CodecSet;
  let refHu: Int16Array;
  let refWords: Int16Array;

  async function decoded(name: string): Promise<DecodedSlice[]> {
    const r = await set.parse(bytesOf(name), name);
    if (!r.ok) throw new Error(`${name} skipped: ${r.skipped.reason}`);
    return r.slices;
  }

  async function skipped(name: string): Promise<ParseFileResult & { ok: false }> {
    const r = await set.parse(bytesOf(name), name);
    if (r.ok) throw new Error(`${name} decoded, expected a skip`);
    return r;
  }

  /** The signed stored words a codec gives for the file's frame. */
  async function words(name: string): Promise<Int16Array> {
    const { frame, info } = encodedFrame(name);
    await set.ensure(info.transferSyntaxUid);
    const out = set.decoders.get(info.transferSyntaxUid)!(frame, info);
    return new Int16Array(out.buffer, out.byteOffset, out.length);
  }

  beforeAll(async () => {
    set = createCodecSet();
    const r = await set.parse(bytesOf('ct1-uncompressed-reference-signed.dcm'), 'ref');
    if (!r.ok) throw new Error(r.skipped.reason);
    refHu = r.slices[0].hu;
    refWords = referenceWords();
  });

  for (const [name, uid] of [
    ['ct1-rle-lossless.dcm', '1.2.840.10008.1.2.5'],
    ['ct1-jpeg-lossless-sv1.dcm', '1.2.840.10008.1.2.4.70'],
    ['ct1-jpegls-lossless.dcm', '1.2.840.10008.1.2.4.80'],
    ['ct1-j2k-lossless.dcm', '1.2.840.10008.1.2.4.90'],
  ]) {
    it(`${name} (${uid}) decodes to exactly the HU of the uncompressed reference`, async () => {
      const [s] = await decoded(name);
      expect(s.header.transferSyntaxUid).toBe(uid);
      expect(s.hu.length).toBe(512 * 512);
      expect(errors(s.hu, refHu).max).toBe(0);
    });
  }

  it('ct1-jpegls-near-lossless.dcm: stored values within NEAR = 4 of the reference, HU too away from padding', async () => {
    const e = errors(await words('ct1-jpegls-near-lossless.dcm'), refWords);
    expect(e.max).toBe(4);
    expect(e.count).toBeGreaterThan(1000);
    const [s] = await decoded('ct1-jpegls-near-lossless.dcm');
    // Padding (-2000) is exact in the reference only: compare where the reference is not padding.
    let max = 0;
    for (let i = 0; i < refWords.length; i++) if (refWords[i] !== -2000) max = Math.max(max, Math.abs(s.hu[i] - refHu[i]));
    expect(max).toBeLessThanOrEqual(4);
  });

  it('ct1-j2k-lossy.dcm: stored values within 352 of the reference, mean error about 26', async () => {
    const e = errors(await words('ct1-j2k-lossy.dcm'), refWords);
    expect(e.max).toBeLessThanOrEqual(352);
    expect(e.max).toBeGreaterThan(100);
    expect(e.mean).toBeGreaterThan(20);
    expect(e.mean).toBeLessThan(32);
  });

  it('ct-chest-jpeg-lossless-sv1-nonsquare-400x512.dcm: 400 rows × 512 columns of soft-tissue-range HU', async () => {
    const [s] = await decoded('ct-chest-jpeg-lossless-sv1-nonsquare-400x512.dcm');
    expect([s.header.rows, s.header.columns]).toEqual([400, 512]);
    expect(s.hu.length).toBe(400 * 512);
    const sorted = Int16Array.from(s.hu).sort();
    const q = (f: number) => sorted[Math.floor(f * (sorted.length - 1))];
    // Stored values are HU here (intercept 0): fat to bone, body centred, window 40/400 in the header.
    expect(s.header.windowCenter).toBe(40);
    expect(q(0.01)).toBeGreaterThan(-250);
    expect(q(0.5)).toBeGreaterThan(-100);
    expect(q(0.5)).toBeLessThan(150);
    expect(q(0.99)).toBeLessThan(400);
    expect(new Set(s.hu).size).toBeGreaterThan(300);
  });

  it('jpeg-baseline-8bit-gray.dcm: 100×100 8-bit image decoded with libjpeg-turbo', async () => {
    const [s] = await decoded('jpeg-baseline-8bit-gray.dcm');
    expect([s.header.rows, s.header.columns, s.header.modality]).toEqual([100, 100, 'OT']);
    const raw = await (async () => {
      const { frame, info } = encodedFrame('jpeg-baseline-8bit-gray.dcm');
      return set.decoders.get(info.transferSyntaxUid)!(frame, info);
    })();
    expect(raw).toBeInstanceOf(Uint8Array);
    expect([...s.hu]).toEqual([...raw].map((v) => Math.round(v * s.header.rescaleSlope + s.header.rescaleIntercept)));
    expect(new Set(raw).size).toBeGreaterThan(20);
  });

  it('jpeg-extended-12bit-mr.dcm: rejected, the reason says 12-bit lossy JPEG cannot be decoded here', async () => {
    const r = await skipped('jpeg-extended-12bit-mr.dcm');
    expect(r.skipped.reason).toBe(
      'cannot decode JPEG Extended (Process 2 & 4) (1.2.840.10008.1.2.4.51): 12-bit JPEG, extended sequential DCT (SOF1), ' +
      'is not supported: the JPEG decoder here (libjpeg-turbo, 8-bit build) reads 8-bit samples only',
    );
  });

  it('colour files are skipped as colour without loading their codec, but their frames decode without error', async () => {
    const fresh = createCodecSet();
    for (const name of ['htj2k-lossless-rgb.dcm', 'jpeg-baseline-8bit-rgb-ybr.dcm', 'no-preamble-meta-group-first-jpegls-rgb.dcm']) {
      const r = await fresh.parse(bytesOf(name), name);
      expect(r.ok ? '' : r.skipped.reason, name).toMatch(/^colour image \(SamplesPerPixel 3, (RGB|YBR_FULL)\)/);
    }
    expect(fresh.loaded()).toEqual([]);
    // The adapters themselves handle colour code streams (3 interleaved 8-bit samples per pixel).
    for (const [name, rows, columns] of [['htj2k-lossless-rgb.dcm', 480, 640], ['jpeg-baseline-8bit-rgb-ybr.dcm', 100, 100]] as const) {
      const { frame, info } = encodedFrame(name);
      expect(info.samplesPerPixel).toBe(3);
      await set.ensure(info.transferSyntaxUid);
      const out = set.decoders.get(info.transferSyntaxUid)!(frame, info);
      expect(out).toBeInstanceOf(Uint8Array);
      expect(out.length).toBe(rows * columns * 3);
      expect(new Set(out).size).toBeGreaterThan(10);
    }
  });

  it('decodes one 512×512 CT frame per codec in reasonable time (median of 5, logged)', async () => {
    const timings: string[] = [];
    for (const name of ['ct1-rle-lossless.dcm', 'ct1-jpeg-lossless-sv1.dcm', 'ct1-jpegls-lossless.dcm', 'ct1-jpegls-near-lossless.dcm', 'ct1-j2k-lossless.dcm', 'ct1-j2k-lossy.dcm']) {
      const bytes = bytesOf(name);
      await set.parse(bytes, name);
      const ms: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        const r = await set.parse(bytes, name);
        ms.push(performance.now() - t);
        expect(r.ok).toBe(true);
      }
      ms.sort((a, b) => a - b);
      timings.push(`${name}: ${ms[2].toFixed(1)} ms`);
      expect(ms[2]).toBeLessThan(2000);
    }
    // No HTJ2K greyscale file in the data: the reference image encoded by OpenJPH, decoded by the adapter.
    const stream = await encodeHtj2k(refWords, 512, 512);
    const info: EncodedFrameInfo = {
      rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 16, pixelRepresentation: 1, samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2', transferSyntaxUid: '1.2.840.10008.1.2.4.201',
    };
    await set.ensure(info.transferSyntaxUid);
    const decode = set.decoders.get(info.transferSyntaxUid)!;
    const ht: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const out = decode(stream, info);
      ht.push(performance.now() - t);
      expect(errors(new Int16Array(out.buffer, out.byteOffset, out.length), refWords).max).toBe(0);
    }
    ht.sort((a, b) => a - b);
    timings.push(`CT1 as HTJ2K lossless (decode only): ${ht[2].toFixed(1)} ms`);
    console.log(`parse + decode + HU of one 512×512 frame:\n  ${timings.join('\n  ')}`);
  });
});
