/**
 * JPEG Baseline (1.2.840.10008.1.2.4.50) and 8-bit JPEG Extended (.51)
 * through libjpeg-turbo compiled to WebAssembly
 * (@cornerstonejs/codec-libjpeg-turbo-8bit, decode-only build), loaded on the
 * first call of loadJpegBaselineDecoder.
 *
 * That build decodes 8-bit samples only. A 12-bit code stream (JPEG Extended,
 * process 4, as some MR and CT files use) is rejected before decoding with a
 * reason that says so; its frame header is read by jpegMarkers.ts and its
 * size checked against the data set before libjpeg-turbo allocates for it.
 *
 * Cost: libjpeg-turbo decoding plus one copy in and out per frame.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import { DecodeError } from '../core/dicom/pixelDecoder';
import type { LoadedCodec } from './codecSet';
import { checkCodeStreamSize, instantiate, WasmCodec, type WasmLocation } from './emscriptenModule';
import { describeSof, readJpegFrameHeader } from './jpegMarkers';

export async function loadJpegBaselineDecoder(wasm: WasmLocation): Promise<LoadedCodec> {
  const glue = await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs');
  const codec = await WasmCodec.load('JPEG (libjpeg-turbo)', 'JPEGDecoder', () => instantiate(glue, wasm));
  return {
    decoder: (frame, info) => {
      const sof = readJpegFrameHeader(frame);
      if (!sof) throw new DecodeError('not a JPEG code stream (no SOI marker or no frame header)');
      if (sof.sof === 0xc3 || sof.sof === 0xc7 || sof.sof === 0xcb || sof.sof === 0xcf || sof.sof === 0xf7) {
        throw new DecodeError(`the code stream is ${describeSof(sof.sof)}, not the DCT process its transfer syntax names`);
      }
      if (sof.precision !== 8) {
        throw new DecodeError(
          `${sof.precision}-bit JPEG, ${describeSof(sof.sof)}, is not supported: the JPEG decoder here (libjpeg-turbo, 8-bit build) reads 8-bit samples only`,
        );
      }
      checkCodeStreamSize('JPEG (libjpeg-turbo)', sof.columns, sof.rows, sof.components, info);
      return codec.decode(frame, info);
    },
    wasm: codec,
  };
}
