/**
 * JPEG 2000 lossless and lossy (1.2.840.10008.1.2.4.90 / .91) through
 * OpenJPEG compiled to WebAssembly (@cornerstonejs/codec-openjpeg,
 * decode-only build), loaded on the first call of loadJpeg2000Decoder.
 * Signed code streams come back as two's-complement words, which is what the
 * HU conversion expects. The code stream's SIZ is checked against the data
 * set first (j2kMarkers.ts). Cost: OpenJPEG decoding plus one copy in and
 * out.
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the declarations must reach every tsconfig project that compiles this file
/// <reference path="./vendor.d.ts" />
import type { LoadedCodec } from './codecSet';
import { instantiate, WasmCodec, type WasmLocation } from './emscriptenModule';
import { checkJ2kCodeStream } from './j2kMarkers';

export async function loadJpeg2000Decoder(wasm: WasmLocation): Promise<LoadedCodec> {
  const glue = await import('@cornerstonejs/codec-openjpeg/decodewasmjs');
  const codec = await WasmCodec.load('JPEG 2000 (OpenJPEG)', 'J2KDecoder', () => instantiate(glue, wasm));
  return {
    decoder: (frame, info) => {
      checkJ2kCodeStream('JPEG 2000 (OpenJPEG)', frame, info);
      return codec.decode(frame, info);
    },
    wasm: codec,
  };
}
