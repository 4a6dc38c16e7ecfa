import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { createIngestController, type ParseService } from '../../src/state/ingest';
import { createAppStore } from '../../src/state/store';
import { VolumeCache } from '../../src/state/volumeCache';
import type { ParseBatchResult, ParseInput } from '../../src/workers/dicomApi';
import { CancelledError } from '../../src/shared/cancel';

/** The worker pool's contract, run in-process with the core parser. */
function inProcessParser(opts: { pauseAfter?: number } = {}): ParseService & { cancelled: boolean; paused: Promise<void> } {
  let release: () => void = () => undefined;
  let cancelled = false;
  let rejectRun: (e: Error) => void = () => undefined;
  let pausedResolve: () => void = () => undefined;
  const paused = new Promise<void>((r) => (pausedResolve = r));
  return {
    get cancelled() {
      return cancelled;
    },
    paused,
    async parseAll(inputs: readonly ParseInput[], onProgress) {
      const out: ParseBatchResult = { slices: [], skipped: [] };
      let files = 0;
      let bytes = 0;
      for (const input of inputs) {
        if (opts.pauseAfter !== undefined && files === opts.pauseAfter) {
          pausedResolve();
          await new Promise<void>((resolve, reject) => {
            release = resolve;
            rejectRun = reject;
          });
        }
        const buf = input.source instanceof ArrayBuffer ? input.source : await input.source.arrayBuffer();
        const r = parseDicomFile(new Uint8Array(buf), input.path);
        if (r.ok) out.slices.push(...r.slices);
        else out.skipped.push(r.skipped);
        files++;
        bytes += buf.byteLength;
        onProgress?.({ filesDone: files, bytesDone: bytes });
      }
      return out;
    },
    cancel() {
      cancelled = true;
      release();
      rejectRun(new CancelledError());
    },
  };
}

function phantomInputs(slices = 12) {
  const ph = makePhantomSeries({ size: 48, slices, thicknessMm: 3, withVolume: true, seed: 3 });
  const inputs: ParseInput[] = ph.files.map((f) => ({ path: `scan/${f.name}`, source: f.bytes.slice().buffer }));
  inputs.push({ path: 'scan/readme.txt', source: new TextEncoder().encode('not an image').buffer });
  return { ph, inputs };
}

function collected(slices: number) {
  return { inputs: phantomInputs(slices).inputs, skipped: [] };
}

describe('ingest job', () => {
  it('parses, groups and assembles a series into the cache and opens it', async () => {
    const store = createAppStore();
    const cache = new VolumeCache();
    const ingest = createIngestController({ store, cache, parser: inProcessParser(), yieldToUi: async () => undefined, progressIntervalMs: 0 });
    const { ph, inputs } = phantomInputs();
    const bytesTotal = inputs.reduce((n, i) => n + (i.source as ArrayBuffer).byteLength, 0);
    await ingest.run('phantom', () => ({ inputs, skipped: [{ file: 'broken/', reason: 'could not list the folder' }] }));

    const s = store.getState();
    expect(s.load).toMatchObject({ phase: 'done', filesDone: 13, filesTotal: 13, bytesDone: bytesTotal, bytesTotal });
    expect(s.series).toHaveLength(1);
    const series = s.series[0];
    expect(series.dimsZyx).toEqual(ph.truth.dimsZyx);
    expect(s.selectedSeriesId).toBe(series.id);
    expect(s.skipped.map((f) => f.file)).toEqual(['broken/', 'scan/readme.txt']);
    const vol = cache.get(series.id)!;
    expect(vol.hu).toEqual(ph.truth.volumeHu);
    expect(series.slicePositionsMm).toEqual(ph.truth.slicePositionsMm);
  });

  it('reports progress while parsing', async () => {
    const store = createAppStore();
    const seen: number[] = [];
    store.subscribe((st, prev) => {
      if (st.load.filesDone !== prev.load.filesDone) seen.push(st.load.filesDone);
    });
    const ingest = createIngestController({ store, cache: new VolumeCache(), parser: inProcessParser(), yieldToUi: async () => undefined, progressIntervalMs: 0 });
    await ingest.run('phantom', () => collected(5));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(store.getState().load.phase).toBe('done');
  });

  it('cancel stops the running job: no series, phase cancelled, parser cancelled, collector aborted', async () => {
    const store = createAppStore();
    const cache = new VolumeCache();
    const parser = inProcessParser({ pauseAfter: 3 });
    const ingest = createIngestController({ store, cache, parser, yieldToUi: async () => undefined, progressIntervalMs: 0 });
    let signal: AbortSignal | null = null;
    const done = ingest.run('phantom', (sig) => {
      signal = sig;
      return collected(8);
    });
    await parser.paused;
    expect(store.getState().load.phase).toBe('parsing');
    ingest.cancel();
    await done;
    expect(parser.cancelled).toBe(true);
    expect(signal!.aborted).toBe(true);
    expect(store.getState().load.phase).toBe('cancelled');
    expect(store.getState().series).toEqual([]);
    expect(cache.byteLength()).toBe(0);
  });

  it('a second load replaces the first and clears its volumes', async () => {
    const store = createAppStore();
    const cache = new VolumeCache();
    const ingest = createIngestController({ store, cache, parser: inProcessParser(), yieldToUi: async () => undefined });
    await ingest.run('first', () => collected(4));
    expect(store.getState().errors).toEqual([]);
    const firstId = store.getState().series[0].id;
    await ingest.run('second', () => ({ inputs: [{ path: 'x.txt', source: new ArrayBuffer(10) }], skipped: [] }));
    expect(cache.has(firstId)).toBe(false);
    expect(store.getState().series).toEqual([]);
    expect(store.getState().errors[0]).toMatch(/No readable image series/);
  });

  it('turns a parser failure into a visible error', async () => {
    const store = createAppStore();
    const parser: ParseService = {
      parseAll: async () => {
        throw new Error('DICOM worker failed: out of memory');
      },
      cancel: () => undefined,
    };
    const ingest = createIngestController({ store, cache: new VolumeCache(), parser });
    await ingest.run('x', () => collected(2));
    expect(store.getState().load.phase).toBe('error');
    expect(store.getState().errors).toEqual(['Loading failed: DICOM worker failed: out of memory']);
  });
});
