/**
 * The contract between the DICOM parser and the pixel codecs.
 *
 * A decoder turns one encapsulated frame (the bytes of its fragments, joined)
 * into the frame's stored words, exactly as an uncompressed file would hold
 * them in native (little-endian) order: one word per sample, samples of a
 * pixel next to each other, rows top to bottom. The parser then applies the
 * same BitsStored / sign / padding / rescale conversion as for native files.
 * Decoders are synchronous; a codec that needs asynchronous set-up (WebAssembly)
 * is loaded before it is put into a registry (see src/codecs).
 *
 * Cost: defined by each decoder; the registry is a plain map lookup.
 */

/** What a decoder is told about the frame it decodes (from the data set). */
export interface EncodedFrameInfo {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  photometricInterpretation: string;
  transferSyntaxUid: string;
}

/**
 * Decoded stored words: Uint8Array for 8-bit samples, Uint16Array or
 * Int16Array for 16-bit ones (the bit pattern counts, not the array type).
 * Length rows × columns × samplesPerPixel.
 */
export type DecodedPixels = Int16Array | Uint16Array | Uint8Array;

/** Decodes one frame; throws (preferably a DecodeError) when it cannot. */
export type PixelDecoder = (encapsulatedFrame: Uint8Array, info: EncodedFrameInfo) => DecodedPixels;

/** Decoders by transfer syntax UID. */
export type PixelDecoderRegistry = ReadonlyMap<string, PixelDecoder>;

/** A frame a decoder cannot or will not decode; the message is shown to the person as the skip reason. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}
