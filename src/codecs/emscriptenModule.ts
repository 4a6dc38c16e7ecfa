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
 * A failed decode can leave such a module unusable: a C++ exception that
 * reaches JavaScript skips the module's own clean-up and is never freed, so
 * each failure leaks memory inside the module, and after enough of them
 * every later frame fails with "memory access out of bounds" (CharLS after
 * about 500 corrupt frames, libjpeg-turbo after about 4,000); a trap
 * (out-of-bounds access, abort) may leave a module in any state. WasmCodec
 * therefore counts the codec's own failures and replaces the module with a
 * fresh instance after RELOAD_AFTER_FAILURES of them or after any trap; the
 * replacement is made asynchronously and ready() waits
 * for it (the codec set awaits it before each file).
 *
 * Cost: one copy in and one copy out per frame; the heap grows to the largest
 * frame seen and stays until the module is replaced; a replacement costs one
 * instantiation per RELOAD_AFTER_FAILURES corrupt frames.
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
  /** The module's memory (its length is the heap size). */
  HEAP8?: Int8Array;
  [name: string]: unknown;
}

/** A failure inside the codec itself (not a size check made here); `trap` when WebAssembly trapped. */
class NativeCodecError extends DecodeError {
  constructor(message: string, readonly trap: boolean) {
    super(message);
    this.name = 'NativeCodecError';
  }
}

/** WebAssembly's trap error, looked up at run time: the command line's Node types do not declare WebAssembly. */
const WasmRuntimeError = (globalThis as { WebAssembly?: { RuntimeError: new () => Error } }).WebAssembly?.RuntimeError;

function isTrap(e: unknown): boolean {
  return WasmRuntimeError !== undefined && e instanceof WasmRuntimeError;
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
function decoderClass(mod: EmscriptenModule, name: string): WasmDecoderClass {
  const cls = mod[name];
  if (typeof cls !== 'function') throw new Error(`codec module has no ${name}`);
  return cls as WasmDecoderClass;
}

/** A readable message for what a WebAssembly codec threw (C++ exceptions arrive as numbers). */
function wasmErrorText(mod: EmscriptenModule, e: unknown): string {
  if (typeof e === 'number') {
    try {
      const m = mod.getExceptionMessage?.(e);
      if (m) return Array.isArray(m) ? m.filter(Boolean).join(': ') : m;
    } catch {
      // fall through
    }
    return 'the codec gave up on this code stream (a C++ exception without a message)';
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Decodes one frame with a fresh decoder instance (deleted afterwards, also
 * on failure) and checks its size against the data set. The samples are
 * copied into a new Uint8Array (8-bit) or Uint16Array (9-16 bits).
 */
function decodeWithWasm(mod: EmscriptenModule, Cls: WasmDecoderClass, codec: string, frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  let decoder: WasmDecoder;
  try {
    decoder = new Cls();
  } catch (e) {
    throw new NativeCodecError(`${codec}: ${wasmErrorText(mod, e)}`, isTrap(e));
  }
  let result: DecodedPixels | null = null;
  let error: unknown = null;
  try {
    result = runDecoder(mod, decoder, codec, frame, info);
  } catch (e) {
    error = e;
  }
  try {
    decoder.delete();
  } catch (e) {
    // A module that cannot free its decoder is broken.
    error ??= new NativeCodecError(`${codec}: ${wasmErrorText(mod, e)}`, true);
  }
  if (error !== null || result === null) throw error;
  return result;
}

function runDecoder(mod: EmscriptenModule, decoder: WasmDecoder, codec: string, frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
  let fi: WasmFrameInfo;
  let decoded: Uint8Array | Uint8ClampedArray;
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    fi = decoder.getFrameInfo();
    decoded = decoder.getDecodedBuffer();
  } catch (e) {
    throw new NativeCodecError(`${codec}: ${wasmErrorText(mod, e)}`, isTrap(e));
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
  return new Uint16Array(out8.buffer);
}

/**
 * Refuses a code stream whose own frame header disagrees with the data set
 * before the codec runs (and allocates for the size the code stream claims).
 */
export function checkCodeStreamSize(codec: string, width: number, height: number, components: number, info: EncodedFrameInfo): void {
  if (width !== info.columns || height !== info.rows) {
    throw new DecodeError(`${codec} code stream is ${width}×${height}, the header says Columns ${info.columns} × Rows ${info.rows}`);
  }
  if (components !== info.samplesPerPixel) {
    throw new DecodeError(`${codec} code stream has ${components} component(s), the header says SamplesPerPixel ${info.samplesPerPixel}`);
  }
}

/** Failures of the codec itself after which its module is replaced (see the file header). */
export const RELOAD_AFTER_FAILURES = 16;

/**
 * One emscripten codec module behind a PixelDecoder, replaced by a fresh
 * instance when failures may have corrupted it (see the file header).
 */
export class WasmCodec {
  private failures = 0;
  private replacing: Promise<void> | null = null;
  private replaced = 0;

  private constructor(
    private readonly codec: string,
    private readonly className: string,
    private readonly create: () => Promise<EmscriptenModule>,
    private mod: EmscriptenModule,
    private Cls: WasmDecoderClass,
  ) {}

  /** Instantiates the module (create() is called again for each replacement). */
  static async load(codec: string, className: string, create: () => Promise<EmscriptenModule>): Promise<WasmCodec> {
    const mod = await create();
    return new WasmCodec(codec, className, create, mod, decoderClass(mod, className));
  }

  /** Decodes one frame (decodeWithWasm), counting the codec's own failures. */
  decode(frame: Uint8Array, info: EncodedFrameInfo): DecodedPixels {
    try {
      return decodeWithWasm(this.mod, this.Cls, this.codec, frame, info);
    } catch (e) {
      if (e instanceof NativeCodecError) {
        this.failures++;
        if (e.trap || this.failures >= RELOAD_AFTER_FAILURES) this.replace();
      }
      throw e;
    }
  }

  private replace(): void {
    if (this.replacing) return;
    this.replacing = this.create()
      .then((mod) => {
        this.Cls = decoderClass(mod, this.className);
        this.mod = mod;
        this.failures = 0;
        this.replaced++;
      })
      .catch(() => {
        // Keep the old module; the next failure tries again.
      })
      .finally(() => {
        this.replacing = null;
      });
  }

  /** Resolves when no replacement is pending. */
  ready(): Promise<void> {
    return this.replacing ?? Promise.resolve();
  }

  /** Size of the current module's heap in bytes. */
  heapBytes(): number {
    return this.mod.HEAP8?.byteLength ?? 0;
  }

  /** How many times the module was replaced. */
  replacements(): number {
    return this.replaced;
  }
}
