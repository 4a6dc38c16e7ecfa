/**
 * Browser only: the URLs under which the bundler serves each codec's .wasm
 * file. Importing this module fetches nothing; the URLs are only used when a
 * codec is loaded (codecSet.ts). Node finds the files next to the codecs'
 * scripts instead, so the CLI does not import this module.
 */
/// <reference types="vite/client" />
import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
import libjpegTurboWasm from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import openjphWasm from '@cornerstonejs/codec-openjph/wasm?url';
import type { WasmUrls } from './codecSet';

export const BROWSER_WASM_URLS: WasmUrls = {
  'jpeg-baseline': libjpegTurboWasm,
  'jpeg-ls': charlsWasm,
  'jpeg-2000': openjpegWasm,
  htj2k: openjphWasm,
};
