/**
 * The pixel path of parseDicomFile: the image's size and pixel format,
 * refused when not greyscale, not 8 or 16 bits or over PARSE_LIMITS; the
 * Pixel Data checked against the header before anything is allocated for
 * it; compressed frames found (encapsulatedFrames) and decoded by a
 * PixelDecoder (RLE Lossless and Encapsulated Uncompressed built in, the
 * others passed in by the caller) and checked against the header.
 *
 * Cost: O(frames) for the checks; a decoded frame costs what its decoder
 * costs plus one array of its stored words.
 */
import type { DataSet, Element } from './dicomParserLib';
import { decodeRle } from './decodeRle';
import { intStr, str, us } from './elements';
import { encapsulatedFrames } from './encapsulatedFrames';
import { readU32 } from './layout';
import { errorText, MissingDecoderError, PARSE_LIMITS, shown, skip } from './limits';
import { DecodeError, type DecodedPixels, type EncodedFrameInfo, type PixelDecoder, type PixelDecoderRegistry } from './pixelDecoder';
import type { PixelFormat, PixelPadding } from './pixelToHu';
import { T } from './tags';
import { describeTransferSyntax, ENCAPSULATED_UNCOMPRESSED_LE, RLE_LOSSLESS, transferSyntaxInfo } from './transferSyntax';

/** Encapsulated Uncompressed: each frame's fragments hold native little-endian words. */
function decodeEncapsulatedUncompressed(frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  const n = info.rows * info.columns * info.samplesPerPixel;
  if (info.bitsAllocated === 8) {
    if (frame.length < n) throw new DecodeError(`frame holds ${frame.length} bytes, expected ${n}`);
    return frame.subarray(0, n);
  }
  if (frame.length < 2 * n) throw new DecodeError(`frame holds ${frame.length} bytes, expected ${2 * n}`);
  return new Uint16Array(frame.slice(0, 2 * n).buffer);
}

/** Decoders that need no set-up: always available. */
const BUILT_IN_DECODERS: PixelDecoderRegistry = new Map<string, PixelDecoder>([
  [RLE_LOSSLESS, decodeRle],
  [ENCAPSULATED_UNCOMPRESSED_LE, decodeEncapsulatedUncompressed],
]);

/** What the pixel steps need to know about the image: its size, format and how its frames are stored. */
export interface ImageLayout {
  rows: number;
  columns: number;
  samples: number;
  photometric: string;
  decoder: PixelDecoder | null;
  fmt: PixelFormat;
  padding: PixelPadding | null;
  frames: number;
  bytesPerPixel: number;
  pixelsPerFrame: number;
  frameBytes: number;
}

/** The image's size, pixel format, decoder and frame count, each refused (skip) when not supported or over PARSE_LIMITS. */
export function imageLayoutOf(ds: DataSet, pixelEl: Element, tsUid: string, prefix: boolean, decoders: PixelDecoderRegistry | undefined): ImageLayout {
  const ts = transferSyntaxInfo(tsUid);
  const rows = us(ds, T.rows);
  const columns = us(ds, T.columns);
  const samples = us(ds, T.samplesPerPixel) ?? 1;
  const photometric = str(ds, T.photometric) || 'MONOCHROME2';
  const colour = samples !== 1 || !photometric.startsWith('MONOCHROME');
  const colourNote = colour ? `colour image (SamplesPerPixel ${samples}, ${shown(photometric)})` : '';

  if (ts.kind === 'unknown') skip(`unknown transfer syntax ${shown(tsUid) || '(empty)'}`);
  if (colour) {
    skip(`${colourNote}: only greyscale images are supported${ts.kind === 'compressed' ? ` (${describeTransferSyntax(tsUid)})` : ''}`);
  }
  if (!rows || !columns) skip('image without Rows/Columns');
  // Read up to the Pixel Data element only (prefix), its fragments are not indexed: undefined length says encapsulated.
  const encapsulated = pixelEl.encapsulatedPixelData === true || (prefix && pixelEl.hadUndefinedLength === true);
  let decoder: PixelDecoder | null = null;
  if (ts.kind === 'compressed') {
    decoder = BUILT_IN_DECODERS.get(tsUid) ?? decoders?.get(tsUid) ?? null;
    if (!decoder) {
      throw new MissingDecoderError(tsUid, `compressed transfer syntax ${describeTransferSyntax(tsUid)} is not supported: no decoder for it is available here`);
    }
    if (!encapsulated) skip(`Pixel Data is not encapsulated although the transfer syntax ${describeTransferSyntax(tsUid)} is compressed`);
  } else if (encapsulated) {
    skip(`encapsulated Pixel Data with uncompressed transfer syntax ${describeTransferSyntax(tsUid)}`);
  }

  const bitsAllocated = us(ds, T.bitsAllocated) ?? 16;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) skip(`BitsAllocated ${bitsAllocated} is not supported (only 8 and 16)`);
  const bitsStored = Math.min(bitsAllocated, us(ds, T.bitsStored) ?? bitsAllocated);
  const highBit = us(ds, T.highBit) ?? bitsStored - 1;
  const pixelRepresentation = us(ds, T.pixelRepresentation) === 1 ? 1 : 0;
  const fmt: PixelFormat = {
    bitsAllocated, bitsStored, highBit: Math.min(highBit, bitsAllocated - 1), pixelRepresentation,
    bigEndian: ts.bigEndian,
  };
  const paddingWord = us(ds, T.pixelPaddingValue);
  const padding: PixelPadding | null = paddingWord === null ? null : { valueWord: paddingWord, rangeLimitWord: us(ds, T.pixelPaddingRangeLimit) };

  const frames = Math.max(1, intStr(ds, T.numberOfFrames) ?? 1);
  const bytesPerPixel = bitsAllocated / 8;
  const pixelsPerFrame = rows * columns;
  const frameBytes = pixelsPerFrame * bytesPerPixel;
  if (frames > PARSE_LIMITS.maxFrames) skip(`NumberOfFrames ${frames} is more than the ${PARSE_LIMITS.maxFrames} frames a file may have here`);
  if (pixelsPerFrame * frames > PARSE_LIMITS.maxFilePixels) {
    skip(`Rows × Columns × NumberOfFrames = ${pixelsPerFrame * frames} pixels is more than the ${PARSE_LIMITS.maxFilePixels} a file may have here`);
  }
  return { rows, columns, samples, photometric, decoder, fmt, padding, frames, bytesPerPixel, pixelsPerFrame, frameBytes };
}

/**
 * Checks that the Pixel Data holds what the header says (`available` bytes of
 * it are in the file): native data in full, one fragment per compressed frame.
 * Returns the compressed frames (null for native data or header only).
 */
export function checkPixelBytes(ds: DataSet, pixelEl: Element, image: ImageLayout, available: number, prefix: boolean, headerOnly: boolean): Uint8Array[] | null {
  const { rows, columns, samples, frames, pixelsPerFrame, frameBytes, bytesPerPixel } = image;
  if (!image.decoder) {
    const declared = pixelEl.length;
    if (declared > available) skip(`truncated file: Pixel Data declares ${declared} bytes but only ${available} are present`);
    if (declared < frameBytes * frames) {
      skip(`Pixel Data holds ${declared} bytes, less than Rows × Columns × Frames × ${bytesPerPixel} = ${frameBytes * frames}`);
    }
    return null;
  }
  // Refused before any decoder allocates: a few bytes of code stream can claim any size.
  if (pixelsPerFrame * samples > PARSE_LIMITS.maxFramePixels) {
    skip(`a compressed frame of Columns ${columns} × Rows ${rows} is more than the ${PARSE_LIMITS.maxFramePixels} pixels a frame may have here`);
  }
  // Every frame has at least one fragment, each behind an 8-byte item header (PS3.5 A.4).
  const fragmentCount = pixelEl.fragments?.length ?? 0;
  if (prefix ? 8 * (frames + 1) > available : frames > fragmentCount) {
    skip(`NumberOfFrames ${frames} but the encapsulated Pixel Data has ${prefix ? `only ${available} bytes` : `only ${fragmentCount} fragment(s)`}`);
  }
  if (headerOnly) return null;
  try {
    return encapsulatedFrames({
      bytes: ds.byteArray as Uint8Array,
      fragments: pixelEl.fragments ?? [],
      basicOffsetTable: pixelEl.basicOffsetTable ?? [],
      extendedOffsetTable: extendedOffsets(ds, frames),
    }, frames);
  } catch (e) {
    skip(errorText(e));
  }
}

/** Extended Offset Table (7FE0,0001, 64-bit offsets) as numbers, or null when absent or unusable (not one entry per frame). */
function extendedOffsets(ds: DataSet, frames: number): number[] | null {
  const el = ds.elements[T.extendedOffsetTable];
  if (!el || el.length !== 8 * frames || el.dataOffset + el.length > ds.byteArray.length) return null;
  const b = ds.byteArray as Uint8Array;
  const out: number[] = [];
  for (let p = el.dataOffset; p + 8 <= el.dataOffset + el.length; p += 8) out.push(readU32(b, p) + readU32(b, p + 4) * 0x100000000);
  return out;
}

/** Runs the decoder on one frame and returns its stored words as bytes, checked against the header. */
export function decodeFrame(decoder: PixelDecoder, frame: Uint8Array, info: EncodedFrameInfo, frameIndex: number | null): Uint8Array {
  const what = `${describeTransferSyntax(info.transferSyntaxUid)}${frameIndex === null ? '' : ` frame ${frameIndex + 1}`}`;
  let words: DecodedPixels;
  try {
    words = decoder(frame, info);
  } catch (e) {
    skip(`cannot decode ${what}: ${shown(errorText(e), 240)}`);
  }
  const expected = info.rows * info.columns * info.samplesPerPixel;
  if (words.length !== expected) {
    skip(`decoded ${what} has ${words.length} samples, expected Rows × Columns × SamplesPerPixel = ${expected}`);
  }
  if (info.bitsAllocated === 16 && words.BYTES_PER_ELEMENT === 1) {
    // An 8-bit code stream in 16-bit words: widen.
    const wide = new Uint16Array(words.length);
    wide.set(words);
    words = wide;
  } else if (info.bitsAllocated === 8 && words.BYTES_PER_ELEMENT !== 1) {
    skip(`decoded ${what} has 16-bit samples but BitsAllocated is 8`);
  }
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}
