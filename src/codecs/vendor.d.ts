/**
 * Type declarations for the codec packages, which ship none: each
 * emscripten build exports a factory that resolves to its module once the
 * WebAssembly is compiled (see emscriptenModule.ts for the parts used), and
 * jpeg-lossless-decoder-js names a declaration file it does not ship.
 */

type EmscriptenFactoryExport = (moduleArg?: object) => Promise<unknown>;

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: EmscriptenFactoryExport;
  export default factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: EmscriptenFactoryExport;
  export default factory;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: EmscriptenFactoryExport;
  export default factory;
}

declare module '@cornerstonejs/codec-openjph/wasmjs' {
  const factory: EmscriptenFactoryExport;
  export default factory;
}

declare module 'jpeg-lossless-decoder-js' {
  /** Lossless JPEG (process 14) decoder; decode() returns one sample per pixel and component. */
  export class Decoder {
    constructor(buffer?: ArrayBuffer | null, numBytes?: number);
    decode(buffer?: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
