/**
 * JPEG-LS lossless and near-lossless (1.2.840.10008.1.2.4.80 / .81) through
 * CharLS compiled to WebAssembly (@cornerstonejs/codec-charls, decode-only
 * build). The module is imported and compiled on the first call of
 * loadJpegLsDecoder. Cost: CharLS decoding, ~10-20 ms per 512×512 16-bit
 * frame in Node, plus one copy in and out (see emscriptenModule.ts).
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import type { PixelDecoder } from '../core/dicom/pixelDecoder';
import { decodeWithWasm, decoderClass, instantiate, type WasmLocation } from './emscriptenModule';

export async function loadJpegLsDecoder(wasm: WasmLocation): Promise<PixelDecoder> {
  const mod = await instantiate(await import('@cornerstonejs/codec-charls/decodewasmjs'), wasm);
  const Cls = decoderClass(mod, 'JpegLSDecoder');
  return (frame, info) => decodeWithWasm(mod, Cls, 'JPEG-LS (CharLS)', frame, info);
}
