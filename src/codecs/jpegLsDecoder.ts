/**
 * JPEG-LS lossless and near-lossless (1.2.840.10008.1.2.4.80 / .81) through
 * CharLS compiled to WebAssembly (@cornerstonejs/codec-charls, decode-only
 * build). The module is imported and compiled on the first call of
 * loadJpegLsDecoder. The frame header (SOF55) is checked against the data set
 * before CharLS runs, so a code stream claiming another size is refused
 * before CharLS allocates for it (a size given only in an LSE segment, with
 * 0 in SOF55, is refused too), and a code stream that does not end with EOI
 * is refused as cut short: CharLS spends orders of magnitude more CPU on a
 * scan cut anywhere in its data (seen on the WG-04 CT1 streams) than on a
 * complete one. Cost: CharLS decoding, O(pixels), plus one copy in and out
 * (see emscriptenModule.ts).
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import { DecodeError } from '../core/dicom/pixelDecoder';
import type { LoadedCodec } from './codecSet';
import { checkCodeStreamSize, instantiate, WasmCodec, type WasmLocation } from './emscriptenModule';
import { describeSof, endsWithEoi, readJpegFrameHeader } from './jpegMarkers';

export async function loadJpegLsDecoder(wasm: WasmLocation): Promise<LoadedCodec> {
  const glue = await import('@cornerstonejs/codec-charls/decodewasmjs');
  const codec = await WasmCodec.load('JPEG-LS (CharLS)', 'JpegLSDecoder', () => instantiate(glue, wasm));
  return {
    decoder: (frame, info) => {
      const sof = readJpegFrameHeader(frame);
      if (!sof) throw new DecodeError('not a JPEG-LS code stream (no SOI marker or no frame header)');
      if (sof.sof !== 0xf7) throw new DecodeError(`the code stream is ${describeSof(sof.sof)}, not JPEG-LS (SOF55) as its transfer syntax says`);
      checkCodeStreamSize('JPEG-LS (CharLS)', sof.columns, sof.rows, sof.components, info);
      if (sof.precision < 2 || sof.precision > 16) throw new DecodeError(`JPEG-LS code stream has ${sof.precision}-bit samples (2 to 16 are supported)`);
      if (!endsWithEoi(frame)) throw new DecodeError('JPEG-LS code stream is cut short: it does not end with the EOI marker (FFD9)');
      return codec.decode(frame, info);
    },
    wasm: codec,
  };
}
