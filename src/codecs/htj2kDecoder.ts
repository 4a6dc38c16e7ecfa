/**
 * High-Throughput JPEG 2000 (1.2.840.10008.1.2.4.201 / .202 / .203) through
 * OpenJPH compiled to WebAssembly (@cornerstonejs/codec-openjph), loaded on
 * the first call of loadHtj2kDecoder. The code stream's SIZ is checked
 * against the data set first (j2kMarkers.ts), and code blocks less than 16
 * pixels on a side are refused: for those OpenJPH grows its heap far beyond
 * what the image needs, whatever the image size (16 and more need nothing
 * extra), and a module's heap never shrinks. Cost: OpenJPH decoding (block coder
 * built for speed) plus one copy in and out.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import type { LoadedCodec } from './codecSet';
import { instantiate, WasmCodec, type WasmLocation } from './emscriptenModule';
import { checkJ2kCodeStream } from './j2kMarkers';

/** Smallest code-block side decoded (see the file header). */
const MIN_CODE_BLOCK_SIDE = 16;

export async function loadHtj2kDecoder(wasm: WasmLocation): Promise<LoadedCodec> {
  const glue = await import('@cornerstonejs/codec-openjph/wasmjs');
  const codec = await WasmCodec.load('HTJ2K (OpenJPH)', 'HTJ2KDecoder', () => instantiate(glue, wasm));
  return {
    decoder: (frame, info) => {
      checkJ2kCodeStream('HTJ2K (OpenJPH)', frame, info, MIN_CODE_BLOCK_SIDE);
      return codec.decode(frame, info);
    },
    wasm: codec,
  };
}
