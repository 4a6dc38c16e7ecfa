/**
 * The compressed-pixel codecs, loaded only when a file needs one.
 *
 * Each codec (a JavaScript or WebAssembly package) sits behind a dynamic
 * import(), so a bundler puts it in its own chunk and nothing of it is
 * fetched or compiled until the first file with one of its transfer syntaxes
 * arrives. A codec set loads each codec at most once (concurrent callers
 * share the pending load; a failed load is remembered and reported for every
 * later file of that syntax) and keeps the loaded decoders in a registry
 * that parseDicomFile uses synchronously.
 *
 * RLE Lossless is built into the core (no set-up) and needs nothing here.
 *
 * A file is parsed with the decoders loaded so far; only when the parser
 * reports that a missing decoder is the sole obstacle (so not for colour or
 * broken files) is the codec loaded and the file parsed again: the header is
 * read twice for the first file of each codec only. A WebAssembly codec whose
 * module is being replaced after failures (see emscriptenModule.ts) is waited
 * for before the next file is parsed, so a run of corrupt files cannot leave
 * the codec broken for the files after them.
 *
 * Cost: a codec's import and WebAssembly compilation once per set; then only
 * the decoding.
 */
import { parseDicomFile, type ParseDicomFileOptions } from '../core/dicom/parseDicomFile';
import type { PixelDecoder, PixelDecoderRegistry } from '../core/dicom/pixelDecoder';
import { describeTransferSyntax } from '../core/dicom/transferSyntax';
import type { ParseFileResult } from '../core/dicom/types';
import type { WasmCodec } from './emscriptenModule';
import { loadHtj2kDecoder } from './htj2kDecoder';
import { loadJpeg2000Decoder } from './jpeg2000Decoder';
import { loadJpegBaselineDecoder } from './jpegBaselineDecoder';
import { loadJpegLosslessDecoder } from './jpegLosslessDecoder';
import { loadJpegLsDecoder } from './jpegLsDecoder';

export type CodecName = 'jpeg-lossless' | 'jpeg-baseline' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

/** Codecs that compile a .wasm file (jpeg-lossless is plain JavaScript). */
export type WasmCodecName = Exclude<CodecName, 'jpeg-lossless'>;

/** Where each codec's .wasm is served (browser); absent entries are found next to the codec's script (Node). */
export type WasmUrls = Partial<Record<WasmCodecName, string>>;

/** A loaded codec: its decoder and, for WebAssembly codecs, the module behind it. */
export interface LoadedCodec {
  decoder: PixelDecoder;
  wasm?: WasmCodec;
}

interface CodecSpec {
  name: CodecName;
  label: string;
  transferSyntaxes: readonly string[];
  load(urls: WasmUrls): Promise<LoadedCodec>;
}

const TS = '1.2.840.10008.1.2.4.';

const CODECS: readonly CodecSpec[] = [
  {
    name: 'jpeg-lossless', label: 'JPEG Lossless (jpeg-lossless-decoder-js)',
    transferSyntaxes: [`${TS}57`, `${TS}70`], load: () => loadJpegLosslessDecoder(),
  },
  {
    name: 'jpeg-baseline', label: 'JPEG Baseline/Extended (libjpeg-turbo)',
    transferSyntaxes: [`${TS}50`, `${TS}51`], load: (u) => loadJpegBaselineDecoder(u['jpeg-baseline']),
  },
  {
    name: 'jpeg-ls', label: 'JPEG-LS (CharLS)',
    transferSyntaxes: [`${TS}80`, `${TS}81`], load: (u) => loadJpegLsDecoder(u['jpeg-ls']),
  },
  {
    name: 'jpeg-2000', label: 'JPEG 2000 (OpenJPEG)',
    transferSyntaxes: [`${TS}90`, `${TS}91`], load: (u) => loadJpeg2000Decoder(u['jpeg-2000']),
  },
  {
    name: 'htj2k', label: 'HTJ2K (OpenJPH)',
    transferSyntaxes: [`${TS}201`, `${TS}202`, `${TS}203`], load: (u) => loadHtj2kDecoder(u.htj2k),
  },
];

const BY_SYNTAX = new Map<string, CodecSpec>(CODECS.flatMap((c) => c.transferSyntaxes.map((ts) => [ts, c] as const)));

/** The codec that decodes this transfer syntax, if any (RLE is built into the core, so not here). */
export function codecFor(transferSyntaxUid: string): CodecName | null {
  return BY_SYNTAX.get(transferSyntaxUid)?.name ?? null;
}

/** Every transfer syntax a codec set (plus the core's built-in RLE) can decode. */
export function decodableTransferSyntaxes(): string[] {
  return [...BY_SYNTAX.keys()];
}

export interface CodecSetOptions {
  /** Browser: URLs of the .wasm files as the bundler emitted them (see wasmUrls.ts). */
  wasmUrls?: WasmUrls;
}

/** Memory and health of one loaded WebAssembly codec. */
export interface CodecMemory {
  name: CodecName;
  /** Size of its module's heap (WebAssembly memory) in bytes. */
  heapBytes: number;
  /** How many times its module was replaced after failures. */
  replacements: number;
}

export interface CodecSet {
  /** Decoders loaded so far, by transfer syntax (grows as codecs load). */
  readonly decoders: PixelDecoderRegistry;
  /** Codecs loaded (successfully) so far, in load order. */
  loaded(): CodecName[];
  /** Heap size and replacements of each loaded WebAssembly codec. */
  memory(): CodecMemory[];
  /**
   * Loads the codec for this transfer syntax if there is one and it is not
   * loaded yet. Resolves true when a decoder is now registered, false when
   * no codec handles the syntax; rejects when loading failed.
   */
  ensure(transferSyntaxUid: string): Promise<boolean>;
  /** parseDicomFile after loading the codec the file needs; never rejects. */
  parse(bytes: Uint8Array, file: string, options?: Omit<ParseDicomFileOptions, 'decoders'>): Promise<ParseFileResult>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createCodecSet(options: CodecSetOptions = {}): CodecSet {
  const urls = options.wasmUrls ?? {};
  const decoders = new Map<string, PixelDecoder>();
  const pending = new Map<CodecName, Promise<LoadedCodec>>();
  const order: CodecName[] = [];
  const wasm = new Map<CodecName, WasmCodec>();

  async function ensure(uid: string): Promise<boolean> {
    const spec = BY_SYNTAX.get(uid);
    if (!spec) return false;
    if (decoders.has(uid)) return true;
    let p = pending.get(spec.name);
    if (!p) {
      p = spec.load(urls).then((codec) => {
        for (const ts of spec.transferSyntaxes) decoders.set(ts, codec.decoder);
        if (codec.wasm) wasm.set(spec.name, codec.wasm);
        order.push(spec.name);
        return codec;
      });
      // Remembered even when it fails: every later file gets the same reason without a new attempt.
      pending.set(spec.name, p);
    }
    await p;
    return true;
  }

  return {
    decoders,
    loaded: () => [...order],
    memory: () => [...wasm].map(([name, c]) => ({ name, heapBytes: c.heapBytes(), replacements: c.replacements() })),
    ensure,
    async parse(bytes, file, parseOptions = {}) {
      // A module being replaced after failures is waited for (nothing to wait for almost always).
      for (const c of wasm.values()) await c.ready();
      const first = parseDicomFile(bytes, file, { ...parseOptions, decoders });
      const uid = first.ok ? null : first.missingDecoder;
      if (!uid || !BY_SYNTAX.has(uid)) return first;
      // Only now, for a file that needs it (not a colour or broken one), load the codec and parse again.
      try {
        await ensure(uid);
      } catch (e) {
        const spec = BY_SYNTAX.get(uid)!;
        return { ok: false, skipped: { file, reason: `could not load the ${spec.label} decoder for ${describeTransferSyntax(uid)}: ${errorText(e)}` } };
      }
      return parseDicomFile(bytes, file, { ...parseOptions, decoders });
    },
  };
}
