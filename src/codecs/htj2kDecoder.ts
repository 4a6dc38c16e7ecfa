/**
 * High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.201 / .202 / .203) through
 * OpenJPH compiled to WebAssembly (@cornerstonejs/codec-openjph), loaded on
 * the first call of loadHtj2kDecoder. Cost: OpenJPH decoding (block coder
 * built for speed) plus one copy in and out.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import type { PixelDecoder } from '../core/dicom/pixelDecoder';
import { decodeWithWasm, decoderClass, instantiate, type WasmLocation } from './emscriptenModule';

export async function loadHtj2kDecoder(wasm: WasmLocation): Promise<PixelDecoder> {
  const mod = await instantiate(await import('@cornerstonejs/codec-openjph/wasmjs'), wasm);
  const Cls = decoderClass(mod, 'HTJ2KDecoder');
  return (frame, info) => decodeWithWasm(mod, Cls, 'HTJ2K (OpenJPH)', frame, info);
}
