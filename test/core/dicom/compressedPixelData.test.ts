/**
 * Encapsulated Pixel Data through parseDicomFile: fragments to frames, the
 * built-in RLE decoder, decoders passed in the options, and the reasons
 * given when a file cannot be decoded. Files are synthetic (testFiles.ts).
 */
import { describe, expect, it } from 'vitest';
import { encapsulatedFrames } from '../../../src/core/dicom/encapsulatedFrames';
import { parseDicomFile } from '../../../src/core/dicom/parseDicomFile';
import type { EncodedFrameInfo, PixelDecoder } from '../../../src/core/dicom/pixelDecoder';
import type { DecodedSlice, ParseFileResult } from '../../../src/core/dicom/types';
import { encodeRleFrame, makeEncapsulatedTestFile, makeTestFile, withTransferSyntax } from './testFiles';

const RLE = '1.2.840.10008.1.2.5';
const JPEG_LS = '1.2.840.10008.1.2.4.80';

function slices(r: ParseFileResult): DecodedSlice[] {
  if (!r.ok) throw new Error(`skipped: ${r.skipped.reason}`);
  return r.slices;
}

function reason(r: ParseFileResult): string {
  if (r.ok) throw new Error('decoded, expected a skip');
  return r.skipped.reason;
}

const words = Int16Array.from({ length: 16 }, (_, i) => (i < 4 ? -2000 : i * 37 - 300));

/** A fake code stream: FFD8, one value byte, FFD9; the fake decoder fills the frame with that value. */
const fakeStream = (v: number) => Uint8Array.from([0xff, 0xd8, v, 0xff, 0xd9]);
const fakeDecoder: PixelDecoder = (frame, info) => {
  // Fragments have even length: an odd stream arrives with a zero pad byte.
  const end = frame[frame.length - 1] === 0 ? frame.length - 1 : frame.length;
  if (frame[0] !== 0xff || frame[1] !== 0xd8 || frame[end - 2] !== 0xff || frame[end - 1] !== 0xd9) throw new Error('not a fake stream');
  return new Uint16Array(info.rows * info.columns).fill(frame[2]);
};

describe('encapsulated Pixel Data', () => {
  it('an RLE file decodes (built in, no decoder passed) to the HU of the same pixels stored natively', () => {
    const img = { pixels: words, padding: { value: -2000, vr: 'SS' as const } };
    const native = slices(parseDicomFile(makeTestFile(img), 'n.dcm'))[0];
    const frame = encodeRleFrame(words);
    // One frame split over two fragments, with and without a Basic Offset Table entry.
    for (const offsetTable of ['per-frame', 'empty'] as const) {
      const file = makeEncapsulatedTestFile({
        transferSyntaxUid: RLE, padding: img.padding, offsetTable, frames: [[frame.subarray(0, 30), frame.subarray(30)]],
      });
      const [s] = slices(parseDicomFile(file, 'rle.dcm'));
      expect(s.header.transferSyntaxUid).toBe(RLE);
      expect([...s.hu]).toEqual([...native.hu]);
      expect(s.hu.slice(0, 4).every((v) => v === -1024)).toBe(true);
    }
  });

  it('Encapsulated Uncompressed (1.2.840.10008.1.2.1.98) fragments are read as native words (built in)', () => {
    const native = slices(parseDicomFile(makeTestFile({ pixels: words }), 'n.dcm'))[0];
    const bytes = new Uint8Array(words.buffer);
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: '1.2.840.10008.1.2.1.98', frames: [[bytes.subarray(0, 10), bytes.subarray(10)]] });
    expect([...slices(parseDicomFile(file, 'e.dcm'))[0].hu]).toEqual([...native.hu]);
    const short = makeEncapsulatedTestFile({ transferSyntaxUid: '1.2.840.10008.1.2.1.98', frames: [[bytes.subarray(0, 20)]] });
    expect(reason(parseDicomFile(short, 'e.dcm'))).toMatch(/cannot decode Encapsulated Uncompressed .*: frame holds 20 bytes, expected 32/);
  });

  it('multi-frame RLE: frames found through the offset table, or one fragment per frame without it', () => {
    const frames = [0, 1, 2].map((k) => Int16Array.from(words, (v) => v + 100 * k));
    for (const offsetTable of ['per-frame', 'empty'] as const) {
      const file = makeEncapsulatedTestFile({ transferSyntaxUid: RLE, offsetTable, frames: frames.map((f) => [encodeRleFrame(f)]) });
      const out = slices(parseDicomFile(file, 'mf.dcm'));
      expect(out.map((s) => s.header.frame)).toEqual([0, 1, 2]);
      out.forEach((s, k) => expect([...s.hu]).toEqual([...frames[k]].map((v) => v - 1024)));
    }
    // Several fragments per frame and no offset table: RLE has no end marker to split on.
    const split = makeEncapsulatedTestFile({
      transferSyntaxUid: RLE, offsetTable: 'empty',
      frames: frames.map((f) => { const e = encodeRleFrame(f); return [e.subarray(0, 20), e.subarray(20)]; }),
    });
    expect(reason(parseDicomFile(split, 'mf.dcm'))).toMatch(/cannot tell which of the 6 Pixel Data fragments belong to which of the 3 frames/);
  });

  it('JPEG-family frames split over fragments are found by their end-of-image markers when the offset table is empty', () => {
    const file = makeEncapsulatedTestFile({
      transferSyntaxUid: JPEG_LS, offsetTable: 'empty',
      // Frame 1 in two fragments (the first ends without FFD9); odd lengths get a pad byte.
      frames: [[fakeStream(5).subarray(0, 3), fakeStream(5).subarray(3)], [fakeStream(9)], [fakeStream(11)]],
    });
    const out = slices(parseDicomFile(file, 'j.dcm', { decoders: new Map([[JPEG_LS, fakeDecoder]]) }));
    expect(out.map((s) => s.hu[0])).toEqual([5 - 1024, 9 - 1024, 11 - 1024]);
  });

  it('hands the decoder the frame and what the header says about it, and converts its words like native ones', () => {
    const seen: EncodedFrameInfo[] = [];
    // 12 stored bits, signed: 0xFFF is -1, 0x800 is -2048; padding -2048 becomes air.
    const decoder: PixelDecoder = (frame, info) => {
      seen.push(info);
      expect([...frame]).toEqual([0xff, 0xd8, 1, 0xff, 0xd9, 0]);
      return Uint16Array.from({ length: 16 }, (_, i) => (i === 0 ? 0xfff : i === 1 ? 0x800 : i));
    };
    const file = makeEncapsulatedTestFile({
      transferSyntaxUid: JPEG_LS, bitsStored: 12, pixelRepresentation: 1, intercept: -1000, padding: { value: -2048, vr: 'SS' },
      frames: [[fakeStream(1)]],
    });
    const [s] = slices(parseDicomFile(file, 'j.dcm', { decoders: new Map([[JPEG_LS, decoder]]) }));
    expect(seen).toEqual([{
      rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2', transferSyntaxUid: JPEG_LS,
    }]);
    expect([...s.hu]).toEqual([-1001, -1024, ...Array.from({ length: 14 }, (_, i) => i + 2 - 1000)]);
  });

  it('widens 8-bit decoder output in 16-bit words and rejects output of the wrong size', () => {
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: JPEG_LS, pixelRepresentation: 0, intercept: 0, frames: [[fakeStream(1)]] });
    const bytes8: PixelDecoder = () => Uint8Array.from({ length: 16 }, (_, i) => 200 + i);
    expect([...slices(parseDicomFile(file, 'a.dcm', { decoders: new Map([[JPEG_LS, bytes8]]) }))[0].hu]).toEqual(Array.from({ length: 16 }, (_, i) => 200 + i));
    const short: PixelDecoder = () => new Uint16Array(15);
    expect(reason(parseDicomFile(file, 'a.dcm', { decoders: new Map([[JPEG_LS, short]]) })))
      .toBe('decoded JPEG-LS Lossless (1.2.840.10008.1.2.4.80) has 15 samples, expected Rows × Columns × SamplesPerPixel = 16');
  });

  it('reports a decoder failure, a missing decoder and a colour image each with its own reason', () => {
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: JPEG_LS, frames: [[fakeStream(1)]] });
    const failing: PixelDecoder = () => {
      throw new Error('bad marker');
    };
    expect(reason(parseDicomFile(file, 'a.dcm', { decoders: new Map([[JPEG_LS, failing]]) })))
      .toBe('cannot decode JPEG-LS Lossless (1.2.840.10008.1.2.4.80): bad marker');

    const missing = parseDicomFile(file, 'a.dcm');
    expect(missing).toEqual({
      ok: false,
      skipped: { file: 'a.dcm', reason: 'compressed transfer syntax JPEG-LS Lossless (1.2.840.10008.1.2.4.80) is not supported: no decoder for it is available here' },
      missingDecoder: JPEG_LS,
    });
    // headerOnly gives the same answer (the caller learns early which codec it needs).
    expect(parseDicomFile(file, 'a.dcm', { headerOnly: true })).toEqual(missing);

    const colour = makeEncapsulatedTestFile({ transferSyntaxUid: JPEG_LS, samplesPerPixel: 3, photometric: 'RGB', bitsAllocated: 8, frames: [[fakeStream(1)]] });
    const r = parseDicomFile(colour, 'c.dcm');
    expect(reason(r)).toBe('colour image (SamplesPerPixel 3, RGB): only greyscale images are supported (JPEG-LS Lossless (1.2.840.10008.1.2.4.80))');
    expect(r.ok ? null : r.missingDecoder).toBeUndefined();
  });

  it('headerOnly reads headers without decoding', () => {
    let calls = 0;
    const counting: PixelDecoder = (f, i) => {
      calls++;
      return fakeDecoder(f, i);
    };
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: JPEG_LS, frames: [[fakeStream(1)], [fakeStream(2)]] });
    const out = slices(parseDicomFile(file, 'a.dcm', { headerOnly: true, decoders: new Map([[JPEG_LS, counting]]) }));
    expect(out.map((s) => [s.header.frame, s.hu.length])).toEqual([[0, 0], [1, 0]]);
    expect(calls).toBe(0);
  });

  it('skips native Pixel Data under a compressed syntax, and a fragment cut short by the end of the file', () => {
    const native = withTransferSyntax(makeTestFile({ pixels: words }), RLE);
    expect(reason(parseDicomFile(native, 'a.dcm'))).toMatch(/Pixel Data is not encapsulated although the transfer syntax RLE Lossless .* is compressed/);
    const file = makeEncapsulatedTestFile({ transferSyntaxUid: RLE, frames: [[encodeRleFrame(words)]] });
    // Cut inside the fragment (its item header and 8 bytes survive; the delimiter is gone).
    const cut = file.subarray(0, file.length - 8 - encodeRleFrame(words).length + 8);
    expect(reason(parseDicomFile(cut, 'cut.dcm'))).toMatch(/truncated/);
  });
});

describe('encapsulatedFrames', () => {
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
  const frag = (offset: number, position: number, length: number) => ({ offset, position, length });

  it('follows the Extended Offset Table first, then the Basic Offset Table', () => {
    const fragments = [frag(0, 8, 4), frag(12, 20, 4), frag(24, 32, 4)];
    const px = { bytes, fragments, basicOffsetTable: [0, 12], extendedOffsetTable: [0, 24] };
    expect(encapsulatedFrames(px, 2).map((f) => [...f])).toEqual([[8, 9, 10, 11, 20, 21, 22, 23], [32, 33, 34, 35]]);
    expect(encapsulatedFrames({ ...px, extendedOffsetTable: null }, 2).map((f) => [...f])).toEqual([[8, 9, 10, 11], [20, 21, 22, 23, 32, 33, 34, 35]]);
  });

  it('joins all fragments of a single frame, viewing (not copying) a lone fragment', () => {
    const one = encapsulatedFrames({ bytes, fragments: [frag(0, 8, 4)], basicOffsetTable: [] }, 1)[0];
    expect(one.buffer).toBe(bytes.buffer);
    expect([...encapsulatedFrames({ bytes, fragments: [frag(0, 8, 2), frag(10, 18, 2)], basicOffsetTable: [] }, 1)[0]]).toEqual([8, 9, 18, 19]);
  });

  it('ignores an offset table that does not match the fragments', () => {
    const fragments = [frag(0, 8, 4), frag(12, 20, 4)];
    expect(encapsulatedFrames({ bytes, fragments, basicOffsetTable: [0, 7] }, 2).map((f) => f[0])).toEqual([8, 20]);
  });

  it('rejects fragments that run past the end of the bytes, and no fragments at all', () => {
    expect(() => encapsulatedFrames({ bytes, fragments: [frag(0, 90, 20)], basicOffsetTable: [] }, 1)).toThrow(/truncated file: .* declares 20 bytes but only 10/);
    expect(() => encapsulatedFrames({ bytes, fragments: [], basicOffsetTable: [] }, 1)).toThrow(/no fragments/);
  });
});
