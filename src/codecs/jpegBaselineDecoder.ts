/**
 * JPEG Baseline (1.2.840.10008.1.2.4.50) and 8-bit JPEG Extended (.51)
 * through libjpeg-turbo compiled to WebAssembly
 * (@cornerstonejs/codec-libjpeg-turbo-8bit, decode-only build), loaded on the
 * first call of loadJpegBaselineDecoder.
 *
 * That build decodes 8-bit samples only. A 12-bit code stream (JPEG Extended,
 * process 4, as some MR and CT files use) is rejected before decoding with a
 * reason that says so; its frame header is read by jpegMarkers.ts.
 *
 * Cost: libjpeg-turbo decoding plus one copy in and out per frame.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import { DecodeError, type PixelDecoder } from '../core/dicom/pixelDecoder';
import { decodeWithWasm, decoderClass, instantiate, type WasmLocation } from './emscriptenModule';
import { describeSof, readJpegFrameHeader } from './jpegMarkers';

export async function loadJpegBaselineDecoder(wasm: WasmLocation): Promise<PixelDecoder> {
  const mod = await instantiate(await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'), wasm);
  const Cls = decoderClass(mod, 'JPEGDecoder');
  return (frame, info) => {
    const sof = readJpegFrameHeader(frame);
    if (!sof) throw new DecodeError('not a JPEG code stream (no SOI marker or no frame header)');
    if (sof.sof === 0xc3 || sof.sof === 0xc7 || sof.sof === 0xcb || sof.sof === 0xcf) {
      throw new DecodeError(`the code stream is ${describeSof(sof.sof)}, not the DCT process its transfer syntax names`);
    }
    if (sof.precision !== 8) {
      throw new DecodeError(
        `${sof.precision}-bit JPEG, ${describeSof(sof.sof)}, is not supported: the JPEG decoder here (libjpeg-turbo, 8-bit build) reads 8-bit samples only`,
      );
    }
    return decodeWithWasm(mod, Cls, 'JPEG (libjpeg-turbo)', frame, info);
  };
}
