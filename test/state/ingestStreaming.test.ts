/**
 * The streaming load: headers first, the slice that opens read next, the
 * series shown with it, the other pixels filled in outward from it, the
 * memory budget checked before anything is allocated, failed pixel reads
 * accounted for, and retry.
 */
import { describe, expect, it } from 'vitest';
import { createCodecSet } from '../../src/codecs/codecSet';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { applyMemoryBudget, createIngestController, FIRST_SLICE_WAIT_MS, PENDING_SLICE_HU, type IngestDeps, type ParseService } from '../../src/state/ingest';
import { createAppStore, type LoadPhase } from '../../src/state/store';
import { VolumeCache } from '../../src/state/volumeCache';
import type { ParseBatchResult, ParseInput, ParseMode } from '../../src/workers/dicomApi';
import type { ParseAllOptions, ProgressCallback } from '../../src/workers/dicomPool';
import { HEADER_PREFIX_BYTES, parseInput } from '../../src/workers/parseInput';

const codecs = createCodecSet();

/** The pool's contract in-process, over the worker's own per-file code; records the order of the pixel pass. */
function inProcessParser(): ParseService & { calls: { mode: ParseMode; paths: string[] }[]; failNext: Error | null } {
  const p = {
    calls: [] as { mode: ParseMode; paths: string[] }[],
    failNext: null as Error | null,
    async parseAll(inputs: readonly ParseInput[], onProgress?: ProgressCallback, options: ParseAllOptions = {}): Promise<ParseBatchResult> {
      const mode = options.mode ?? 'full';
      p.calls.push({ mode, paths: inputs.map((i) => i.path) });
      if (p.failNext) {
        const e = p.failNext;
        p.failNext = null;
        throw e;
      }
      const out: ParseBatchResult = { slices: [], skipped: [], warnings: [] };
      let files = 0;
      for (const input of inputs) {
        const r = await parseInput(input, mode, codecs);
        const part: ParseBatchResult = r.ok ? { slices: r.slices, skipped: [] } : { slices: [], skipped: [r.skipped] };
        out.slices.push(...part.slices);
        out.skipped.push(...part.skipped);
        options.onBatch?.(part);
        onProgress?.({ filesDone: ++files, bytesDone: 0 });
      }
      return out;
    },
    cancel() {},
  };
  return p;
}

/** A phantom as dropped files (Blobs), large enough (200 × 200) that headers are read from a prefix. */
function phantomBlobs(slices: number, seed = 4) {
  const ph = makePhantomSeries({ size: 200, slices, thicknessMm: 2.5, seed, withVolume: true });
  const inputs: ParseInput[] = ph.files.map((f) => ({ path: `scan/${f.name}`, source: new Blob([f.bytes.slice()]) }));
  return { ph, inputs };
}

function setup(parser = inProcessParser(), budget?: { maxSeriesBytes: number; maxTotalBytes: number }, extra: Partial<IngestDeps> = {}) {
  const store = createAppStore();
  const cache = new VolumeCache();
  const ingest = createIngestController({
    store, cache, parser, yieldToUi: async () => undefined, progressIntervalMs: 0,
    ...(budget ? { memoryBudget: budget } : {}),
    ...extra,
  });
  return { store, cache, parser, ingest };
}

describe('streaming ingest', () => {
  it('reads the slice that opens first, shows the series with it drawn, then the rest outward', async () => {
    const { store, cache, parser, ingest } = setup();
    const { ph, inputs } = phantomBlobs(9);
    expect((inputs[0].source as Blob).size).toBeGreaterThan(HEADER_PREFIX_BYTES);
    const phases: LoadPhase[] = [];
    let atStreaming: { done: number; total: number; middleReady: boolean } | null = null;
    let firstFilled: { z: number; sliceZ: number } | null = null;
    store.subscribe((s, prev) => {
      if (s.load.phase !== prev.load.phase) phases.push(s.load.phase);
      if (s.load.phase === 'streaming' && prev.load.phase !== 'streaming') {
        atStreaming = { done: s.load.slicesDone, total: s.load.slicesTotal, middleReady: cache.sliceReady(s.selectedSeriesId, s.sliceZ) };
      }
      if (s.load.phase === 'streaming' && s.load.slicesDone === 1 && prev.load.slicesDone === 0) {
        const ready = [...Array(9).keys()].filter((z) => cache.sliceReady(s.selectedSeriesId, z));
        firstFilled = { z: ready[0], sliceZ: s.sliceZ };
      }
    });
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));

    expect(phases).toEqual(['collecting', 'parsing', 'assembling', 'streaming', 'done']);
    // The series appear with the slice they open on already read (and only it).
    expect(atStreaming).toEqual({ done: 1, total: 9, middleReady: true });
    expect(firstFilled).toEqual({ z: 4, sliceZ: 4 });
    // Header pass over every file, the middle slice alone, then the others outward from it.
    expect(parser.calls.map((c) => c.mode)).toEqual(['headers', 'full', 'full']);
    const s = store.getState();
    const files = s.series[0].files;
    expect(parser.calls[1].paths).toEqual([files[4]]);
    expect(parser.calls[2].paths).toEqual([5, 3, 6, 2, 7, 1, 8, 0].map((z) => files[z]));
    expect(cache.get(s.selectedSeriesId)!.hu).toEqual(ph.truth.volumeHu);
    expect(s.load).toMatchObject({ phase: 'done', slicesDone: 9, slicesTotal: 9 });
    expect(cache.sliceReady(s.selectedSeriesId, 0)).toBe(true);
  });

  it('a first slice slower than FIRST_SLICE_WAIT_MS does not hold the series back; it is filled in when it comes', async () => {
    const parser = inProcessParser();
    const parseAll = parser.parseAll.bind(parser);
    let slowed = false;
    parser.parseAll = async (inputs, onProgress, options = {}) => {
      if (options.mode === 'full' && !slowed) {
        slowed = true;
        await new Promise((r) => setTimeout(r, FIRST_SLICE_WAIT_MS + 150));
      }
      return parseAll(inputs, onProgress, options);
    };
    const { store, cache, ingest } = setup(parser);
    const { ph, inputs } = phantomBlobs(9);
    let atStreaming: { done: number; middleReady: boolean } | null = null;
    store.subscribe((st, prev) => {
      if (st.load.phase === 'streaming' && prev.load.phase !== 'streaming') {
        atStreaming = { done: st.load.slicesDone, middleReady: cache.sliceReady(st.selectedSeriesId, st.sliceZ) };
      }
    });
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));
    expect(atStreaming).toEqual({ done: 0, middleReady: false });
    const s = store.getState();
    const files = s.series[0].files;
    expect(parser.calls.map((c) => c.paths)).toEqual([inputs.map((i) => i.path), [files[4]], [5, 3, 6, 2, 7, 1, 8, 0].map((z) => files[z])]);
    expect(cache.get(s.selectedSeriesId)!.hu).toEqual(ph.truth.volumeHu);
    expect(s.load).toMatchObject({ phase: 'done', slicesDone: 9, slicesTotal: 9 });
  });

  it('with progressQuietMs, a quick load writes no progress until its first slice is read, then every phase in order', async () => {
    const parser = inProcessParser();
    const parseAll = parser.parseAll.bind(parser);
    let firstSliceRead = false;
    parser.parseAll = async (inputs, onProgress, options = {}) => {
      const out = await parseAll(inputs, onProgress, options);
      if (options.mode === 'full') firstSliceRead = true;
      return out;
    };
    const { store, cache, ingest } = setup(parser, undefined, { progressQuietMs: 60_000 });
    const { ph, inputs } = phantomBlobs(9);
    const phases: LoadPhase[] = [];
    const writesBeforeFirstSlice: string[] = [];
    store.subscribe((st, prev) => {
      if (st.load.phase !== prev.load.phase) phases.push(st.load.phase);
      if (!firstSliceRead && st.load !== prev.load && !(st.load.phase === 'collecting' && prev.load.phase !== 'collecting')) {
        writesBeforeFirstSlice.push(`${st.load.phase} ${st.load.filesDone}/${st.load.filesTotal}`);
      }
    });
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));
    expect(writesBeforeFirstSlice).toEqual([]);
    // Every phase still passes through the store, in order.
    expect(phases).toEqual(['collecting', 'parsing', 'assembling', 'streaming', 'done']);
    const s = store.getState();
    expect(s.load).toMatchObject({ phase: 'done', filesTotal: 9, filesDone: 9, slicesDone: 9, slicesTotal: 9 });
    expect(s.load.bytesTotal).toBe(inputs.reduce((n, i) => n + (i.source as Blob).size, 0));
    expect(cache.get(s.selectedSeriesId)!.hu).toEqual(ph.truth.volumeHu);
  });

  it('frees the pixels of each streamed slice as soon as they are copied into the volume', async () => {
    const parser = inProcessParser();
    const streamed: Int16Array[] = [];
    const parseAll = parser.parseAll.bind(parser);
    parser.parseAll = (inputs, onProgress, options = {}) =>
      parseAll(inputs, onProgress, {
        ...options,
        onBatch: options.onBatch && ((part) => {
          options.onBatch!(part);
          for (const sl of part.slices) streamed.push(sl.hu);
        }),
      });
    const { store, cache, ingest } = setup(parser);
    const { ph, inputs } = phantomBlobs(6);
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));
    expect(streamed).toHaveLength(6);
    // Detached right after their copy: nothing of the slices stays alive until a collection.
    expect(streamed.every((hu) => hu.buffer.byteLength === 0)).toBe(true);
    expect(cache.get(store.getState().series[0].id)!.hu).toEqual(ph.truth.volumeHu);
  });

  it('a slice whose pixels cannot be read later shows as air, is listed as skipped and warned about; the others load', async () => {
    const { store, cache, ingest } = setup();
    const { ph, inputs } = phantomBlobs(5);
    // This file's header reads fine; reading it whole fails (e.g. removed from the disk meanwhile).
    const victim = inputs[2];
    const blob = victim.source as Blob;
    victim.source = {
      size: blob.size,
      slice: (a?: number, b?: number) => blob.slice(a, b),
      arrayBuffer: () => Promise.reject(new Error('NotFoundError: file was removed')),
    } as unknown as Blob;
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));
    const s = store.getState();
    expect(s.load.phase).toBe('done');
    const series = s.series[0];
    const z = series.files.indexOf(victim.path);
    expect(z).toBeGreaterThanOrEqual(0);
    expect(s.skipped).toEqual([{ file: victim.path, reason: 'could not read the file: NotFoundError: file was removed' }]);
    expect(series.warnings).toContain('1 slice could not be read (see the skipped files) and show as air.');
    const vol = cache.get(series.id)!;
    const per = vol.nx * vol.ny;
    const truth = ph.truth.volumeHu!;
    for (let k = 0; k < vol.nz; k++) {
      const got = vol.hu.subarray(k * per, (k + 1) * per);
      if (k === z) expect(got.every((v) => v === PENDING_SLICE_HU)).toBe(true);
      else expect(got).toEqual(truth.subarray(k * per, (k + 1) * per));
    }
  });

  it('refuses a series over the memory budget before allocating it, with a clear error', async () => {
    const { ph, inputs } = phantomBlobs(6);
    const bytes = 200 * 200 * 6 * 2;
    const { store, cache, parser, ingest } = setup(inProcessParser(), { maxSeriesBytes: bytes - 1, maxTotalBytes: 10 * bytes });
    await ingest.run('phantom', () => ({ inputs, skipped: [] }));
    const s = store.getState();
    expect(s.series).toEqual([]);
    expect(cache.byteLength()).toBe(0);
    expect(s.errors).toHaveLength(1);
    expect(s.errors[0]).toMatch(/^Series ".*" \(200 × 200 × 6, 0\.00 GB as HU\) was not loaded: it is larger than the 0\.00 GB one series may use here\.$/);
    // Only the header pass ran: no pixels were read.
    expect(parser.calls.map((c) => c.mode)).toEqual(['headers']);
    void ph;
  });

  it('the budget keeps the series shown first and refuses those that would exceed the total', () => {
    const plan = (id: string, nz: number) => ({ summary: { id, description: id, seriesInstanceUid: id, dimsZyx: [nz, 10, 10] } }) as never;
    const { accepted, refused } = applyMemoryBudget([plan('a', 50), plan('b', 30), plan('c', 10)], { maxSeriesBytes: 20_000, maxTotalBytes: 15_000 });
    expect(accepted.map((p: { summary: { id: string } }) => p.summary.id)).toEqual(['a', 'c']);
    expect(refused).toEqual([expect.stringMatching(/^Series "b" \(10 × 10 × 30, .*\) was not loaded: with the series before it, this load would exceed/)]);
  });

  it('retry runs a failed load again on the same files', async () => {
    const parser = inProcessParser();
    const { store, cache, ingest } = setup(parser);
    const { ph, inputs } = phantomBlobs(4);
    parser.failNext = new Error('the DICOM workers stopped 4 times in a row (last: out of memory)');
    let collections = 0;
    await ingest.run('phantom', () => {
      collections++;
      return { inputs, skipped: [] };
    });
    expect(store.getState().load.phase).toBe('error');
    expect(store.getState().errors).toEqual(['Loading failed: the DICOM workers stopped 4 times in a row (last: out of memory)']);
    await ingest.retry();
    const s = store.getState();
    expect(s.load.phase).toBe('done');
    expect(s.errors).toEqual([]);
    expect(cache.get(s.selectedSeriesId)!.hu).toEqual(ph.truth.volumeHu);
    // The dropped files were kept, not collected again.
    expect(collections).toBe(1);
  });
});
