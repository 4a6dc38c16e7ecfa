/**
 * The functions the DICOM worker exposes: read each file's bytes (inside the
 * worker, so the main thread never holds them; in the header pass of a
 * streaming load only their first bytes, see parseInput) and run the core parser.
 * Compressed pixel data is decoded here too: each codec (its script chunk
 * and .wasm) is fetched and compiled by this worker the first time one of
 * its files arrives, and kept for the worker's life.
 * Kept apart from dicom.worker.ts so it can be exposed on any message port.
 */
import * as Comlink from 'comlink';
import { createCodecSet } from '../codecs/codecSet';
import { BROWSER_WASM_URLS } from '../codecs/wasmUrls';
import type { DicomWorkerApi, ParseBatchResult, ParseInput, ParseMode } from './dicomApi';
import { parseRead, readInput } from './parseInput';

const codecs = createCodecSet({ wasmUrls: BROWSER_WASM_URLS });

export const dicomWorkerApi: DicomWorkerApi = {
  async parseBatch(inputs: ParseInput[], onFileDone?: (bytes: number) => void, mode: ParseMode = 'full'): Promise<ParseBatchResult> {
    const result: ParseBatchResult = { slices: [], skipped: [] };
    const buffers = new Set<ArrayBuffer>();
    // Every read of the batch starts now and runs while earlier files are parsed.
    const reads = inputs.map((input) => readInput(input, mode));
    for (let k = 0; k < inputs.length; k++) {
      const input = inputs[k];
      const size = input.source instanceof ArrayBuffer ? input.source.byteLength : input.source.size;
      // The file's bytes are dropped after this call: only the decoded pixels are kept.
      const parsed = await parseRead(await reads[k], codecs);
      if (parsed.ok) {
        for (const s of parsed.slices) {
          result.slices.push(s);
          if (s.hu.length) buffers.add(s.hu.buffer as ArrayBuffer);
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
