/**
 * JPEG 2000 lossless and lossy (1.2.840.10008.1.2.4.90 / .91) through
 * OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg,
 * decode-only build), loaded on the first call of loadJpeg2000Decoder.
 * Signed code streams come back as two's-complement words, which is what the
 * HU conversion expects. Cost: OpenJPEG decoding (tens of ms per 512×512
 * frame for lossless) plus one copy in and out.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import type { PixelDecoder } from '../core/dicom/pixelDecoder';
import { decodeWithWasm, decoderClass, instantiate, type WasmLocation } from './emscriptenModule';

export async function loadJpeg2000Decoder(wasm: WasmLocation): Promise<PixelDecoder> {
  const mod = await instantiate(await import('@cornerstonejs/codec-openjpeg/decodewasmjs'), wasm);
  const Cls = decoderClass(mod, 'J2KDecoder');
  return (frame, info) => decodeWithWasm(mod, Cls, 'JPEG 2000 (OpenJPEG)', frame, info);
}
