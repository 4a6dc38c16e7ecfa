/**
 * The functions the DICOM worker exposes: read each file's bytes (inside the
 * worker, so the main thread never holds them) and run the core parser.
 * Compressed pixel data is decoded here too: each codec (its script chunk
 * and .wasm) is fetched and compiled by this worker the first time one of
 * its files arrives, and kept for the worker's life.
 * Kept apart from dicom.worker.ts so it can be exposed on any message port.
 */
import * as Comlink from 'comlink';
import { createCodecSet } from '../codecs/codecSet';
import { BROWSER_WASM_URLS } from '../codecs/wasmUrls';
import type { DicomWorkerApi, ParseBatchResult, ParseInput } from './dicomApi';

const codecs = createCodecSet({ wasmUrls: BROWSER_WASM_URLS });

async function readBytes(source: Blob | ArrayBuffer): Promise<Uint8Array> {
  return source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(await source.arrayBuffer());
}

export const dicomWorkerApi: DicomWorkerApi = {
  async parseBatch(inputs: ParseInput[], onFileDone?: (bytes: number) => void): Promise<ParseBatchResult> {
    const result: ParseBatchResult = { slices: [], skipped: [] };
    const buffers = new Set<ArrayBuffer>();
    for (const input of inputs) {
      const size = input.source instanceof ArrayBuffer ? input.source.byteLength : input.source.size;
      let bytes: Uint8Array;
      try {
        bytes = await readBytes(input.source);
      } catch (e) {
        result.skipped.push({ file: input.path, reason: `could not read the file: ${e instanceof Error ? e.message : String(e)}` });
        void onFileDone?.(size);
        continue;
      }
      // The file's bytes are dropped after this call: only the decoded pixels are kept.
      const parsed = await codecs.parse(bytes, input.path);
      if (parsed.ok) {
        for (const s of parsed.slices) {
          result.slices.push(s);
          buffers.add(s.hu.buffer as ArrayBuffer);
        }
      } else {
        result.skipped.push(parsed.skipped);
      }
      // Fire and forget: the caller only counts.
      void onFileDone?.(size);
    }
    // Close the progress callback's channel (present when called through Comlink).
    (onFileDone as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
    // The pixel buffers move to the caller (no copy); several frames of one
    // file may share a buffer, hence the set.
    return Comlink.transfer(result, [...buffers]);
  },
};
