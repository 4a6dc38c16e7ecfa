/**
 * Shared glue for the emscripten (WebAssembly) decoders of the
 * @cornerstonejs/codec-* packages: instantiate a module once, and run one
 * frame through one of its embind decoder classes, copying the pixels out of
 * the WebAssembly heap.
 *
 * All four packages expose the same decoder shape: getEncodedBuffer(n) gives
 * a view of n bytes in the heap to copy the code stream into, decode() runs
 * the codec, getFrameInfo() describes the result and getDecodedBuffer() views
 * the decoded samples (little-endian words, samples of a pixel interleaved,
 * or planar for JPEG-LS colour with interleave mode 0); delete() frees it all.
 *
 * Cost: one copy in and one copy out per frame; the heap grows to the largest
 * frame seen and stays.
 */
import { DecodeError, type DecodedPixels, type EncodedFrameInfo } from '../core/dicom/pixelDecoder';

export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  /** A view of the decoded samples in the heap (Uint8Array or Uint8ClampedArray, depending on the build). */
  getDecodedBuffer(): Uint8Array | Uint8ClampedArray;
  delete(): void;
}

export type WasmDecoderClass = new () => WasmDecoder;

/** The parts of an emscripten module used here. */
export interface EmscriptenModule {
  getExceptionMessage?: (ptr: number) => [string, string] | string;
  [name: string]: unknown;
}

/** Where the .wasm file is (a URL in the browser); undefined lets emscripten find it next to its script (Node). */
export type WasmLocation = string | undefined;

type Factory = (moduleArg?: object) => Promise<unknown>;

function quiet(): void {
  // The codecs log progress lines ("[INFO] ...") through print/printErr.
}

/**
 * Instantiates an emscripten module from its imported glue script. The glue
 * is a CommonJS bundle: Node's loader puts the factory under `default`,
 * bundlers may hand it over directly.
 */
export async function instantiate(glue: unknown, wasm: WasmLocation): Promise<EmscriptenModule> {
  const g = glue as { default?: unknown };
  const factory = (typeof g === 'function' ? g : g.default) as Factory;
  if (typeof factory !== 'function') throw new Error('codec script does not export an emscripten factory');
  const moduleArg: Record<string, unknown> = { print: quiet, printErr: quiet };
  if (wasm) moduleArg.locateFile = (path: string, prefix: string) => (path.endsWith('.wasm') ? wasm : prefix + path);
  return (await factory(moduleArg)) as EmscriptenModule;
}

/** The embind class `name` of a module; throws when the build lacks it. */
export function decoderClass(mod: EmscriptenModule, name: string): WasmDecoderClass {
  const cls = mod[name];
  if (typeof cls !== 'function') throw new Error(`codec module has no ${name}`);
  return cls as WasmDecoderClass;
}

/** A readable message for what a WebAssembly codec threw (C++ exceptions arrive as numbers). */
export function wasmErrorText(mod: EmscriptenModule, e: unknown): string {
  if (typeof e === 'number') {
    try {
      const m = mod.getExceptionMessage?.(e);
      if (m) return Array.isArray(m) ? m.filter(Boolean).join(': ') : m;
    } catch {
      // fall through
    }
    return `the codec failed (native exception ${e})`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Decodes one frame with a fresh decoder instance (deleted afterwards, also
 * on failure) and checks its size against the data set. The samples are
 * copied into a new Uint8Array (8-bit) or Uint16Array (9-16 bits).
 */
export function decodeWithWasm(mod: EmscriptenModule, Cls: WasmDecoderClass, codec: string, frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  const decoder = new Cls();
  try {
    let fi: WasmFrameInfo;
    let decoded: Uint8Array | Uint8ClampedArray;
    try {
      decoder.getEncodedBuffer(frame.length).set(frame);
      decoder.decode();
      fi = decoder.getFrameInfo();
      decoded = decoder.getDecodedBuffer();
    } catch (e) {
      throw new DecodeError(`${codec}: ${wasmErrorText(mod, e)}`);
    }
    if (fi.width !== info.columns || fi.height !== info.rows) {
      throw new DecodeError(`${codec} code stream is ${fi.width}×${fi.height}, the header says Columns ${info.columns} × Rows ${info.rows}`);
    }
    if (fi.componentCount !== info.samplesPerPixel) {
      throw new DecodeError(`${codec} code stream has ${fi.componentCount} component(s), the header says SamplesPerPixel ${info.samplesPerPixel}`);
    }
    if (fi.bitsPerSample > 16) throw new DecodeError(`${codec} code stream has ${fi.bitsPerSample}-bit samples (at most 16 are supported)`);
    const n = fi.width * fi.height * fi.componentCount;
    const bytesPerSample = fi.bitsPerSample <= 8 ? 1 : 2;
    if (decoded.length < n * bytesPerSample) throw new DecodeError(`${codec} returned ${decoded.length} bytes, expected ${n * bytesPerSample}`);
    // Copied out of the heap (some builds hand a Uint8ClampedArray view).
    const out8 = new Uint8Array(n * bytesPerSample);
    out8.set(decoded.subarray(0, n * bytesPerSample));
    if (bytesPerSample === 1) return out8;
    const out = new Uint16Array(out8.buffer);
    return out;
  } finally {
    decoder.delete();
  }
}
