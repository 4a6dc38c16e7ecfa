import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { buildSeries } from '../../src/core/dicom/buildSeries';
import { SCT, writeDicomSeg } from '../../src/core/io/dicomSeg';
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

function phantomInputs(slices = 12, seed = 3, folder = 'scan') {
  const ph = makePhantomSeries({ size: 48, slices, thicknessMm: 3, withVolume: true, seed });
  const inputs: ParseInput[] = ph.files.map((f) => ({ path: `${folder}/${f.name}`, source: f.bytes.slice().buffer }));
  inputs.push({ path: `${folder}/readme.txt`, source: new TextEncoder().encode('not an image').buffer });
  return { ph, inputs };
}

function collected(slices: number) {
  return { inputs: phantomInputs(slices).inputs, skipped: [] };
}

describe('segmentation files in a load', () => {
  /** A small SEG of the phantom (one segment, a box) and a NIfTI, as files of a drop. */
  function withMasks() {
    const { ph, inputs } = phantomInputs();
    const slices = ph.files.map((f) => parseDicomFile(f.bytes, f.name)).flatMap((r) => (r.ok ? r.slices : []));
    const [series] = buildSeries(slices);
    const g = series.volume;
    const mask = new Uint8Array(g.nx * g.ny * g.nz);
    mask[g.nx * g.ny * 2 + 10] = 1;
    const seg = writeDicomSeg({ source: { geometry: g, summary: series.summary }, segments: [{ name: 'Right lung', category: SCT.anatomicalStructure, type: SCT.rightLung, mask }] });
    inputs.push({ path: 'scan/seg.dcm', source: seg.slice().buffer });
    inputs.push({ path: 'scan/labels.nii.gz', source: new Uint8Array([0x1f, 0x8b, 1, 2]).buffer });
    return inputs;
  }

  it('a SEG (told by its header) and a .nii.gz (by name) of a dropped folder are offered as segmentations, not series or skipped files', async () => {
    const store = createAppStore();
    const offered: string[] = [];
    const ingest = createIngestController({ store, cache: new VolumeCache(), parser: inProcessParser(), yieldToUi: async () => undefined, onMaskFiles: (f) => offered.push(...f.map((x) => x.path)) });
    await ingest.run('scan', () => ({ inputs: withMasks(), skipped: [] }));
    const s = store.getState();
    expect(s.series).toHaveLength(1);
    expect(s.skipped.map((f) => f.file)).toEqual(['scan/readme.txt']);
    expect(offered).toEqual(['scan/labels.nii.gz', 'scan/seg.dcm']);
  });

  it('segmentation files alone dropped onto an open series keep the session without an error and are offered', async () => {
    const store = createAppStore();
    const offered: string[] = [];
    const ingest = createIngestController({ store, cache: new VolumeCache(), parser: inProcessParser(), yieldToUi: async () => undefined, onMaskFiles: (f) => offered.push(...f.map((x) => x.path)) });
    await ingest.run('scan', () => collected(12));
    const id = store.getState().selectedSeriesId;
    const masks = withMasks().filter((i) => /seg\.dcm|nii/.test(i.path));
    await ingest.run('masks', () => ({ inputs: masks, skipped: [] }));
    const s = store.getState();
    expect(s.errors).toEqual([]);
    expect(s.adding).toBeNull();
    expect(s.selectedSeriesId).toBe(id);
    expect(offered).toEqual(['scan/labels.nii.gz', 'scan/seg.dcm']);
  });
});

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

  it('a load after a cancelled one replaces it and clears its volumes', async () => {
    const store = createAppStore();
    const cache = new VolumeCache();
    const parser = inProcessParser({ pauseAfter: 2 });
    const ingest = createIngestController({ store, cache, parser, yieldToUi: async () => undefined });
    const first = ingest.run('first', () => collected(4));
    await parser.paused;
    ingest.cancel();
    await first;
    await ingest.run('second', () => ({ inputs: [{ path: 'x.txt', source: new ArrayBuffer(10) }], skipped: [] }));
    expect(cache.byteLength()).toBe(0);
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

describe('ingest job: a session of several loads', () => {
  async function sessionWithOne(opts: { onAdd?: () => void; memoryBudget?: { maxSeriesBytes: number; maxTotalBytes: number } } = {}) {
    const store = createAppStore();
    const cache = new VolumeCache();
    const ingest = createIngestController({ store, cache, parser: inProcessParser(), yieldToUi: async () => undefined, progressIntervalMs: 0, ...opts });
    const first = phantomInputs(12, 3, 'a');
    await ingest.run('a', () => ({ inputs: first.inputs, skipped: [] }));
    const id = store.getState().series[0].id;
    // Stands for a finished analysis of the open series (the analysis job clears it when a load starts).
    const runId = store.getState().beginAnalysis(id, 1);
    store.getState().finishAnalysis(2);
    store.getState().setSlice(4);
    return { store, cache, ingest, first, id, runId };
  }

  /** Phases the session's load passes through while `work` runs. */
  async function phasesDuring(store: ReturnType<typeof createAppStore>, work: () => Promise<void>): Promise<string[]> {
    const phases: string[] = [];
    const off = store.subscribe((st, prev) => {
      if (st.load.phase !== prev.load.phase) phases.push(st.load.phase);
    });
    await work();
    off();
    return phases;
  }

  function expectKept(s: ReturnType<typeof sessionWithOne> extends Promise<infer T> ? T : never) {
    const st = s.store.getState();
    expect(st.load.phase).toBe('done');
    expect(st.adding).toBeNull();
    expect(st.series.map((x) => x.id)).toEqual([s.id]);
    expect(st.selectedSeriesId).toBe(s.id);
    expect(st.sliceZ).toBe(4);
    expect(s.cache.get(s.id)!.hu).toEqual(s.first.ph.truth.volumeHu);
    expect(st.analysis).toMatchObject({ phase: 'done', seriesId: s.id, runId: s.runId });
    expect(st.analysisResults?.runId).toBe(s.runId);
  }

  it('an empty drop keeps the open series, its volume and analysis, and says why it was ignored', async () => {
    const s = await sessionWithOne();
    const phases = await phasesDuring(s.store, () => s.ingest.run('empty', () => ({ inputs: [], skipped: [] })));
    expect(phases).toEqual([]);
    expectKept(s);
    expect(s.store.getState().errors).toEqual(['Nothing was added from “empty”: no files were found in it. The loaded series is kept.']);
  });

  it('a drop with nothing readable keeps the session and adds its skipped files to the list', async () => {
    const s = await sessionWithOne();
    const before = s.store.getState().skipped;
    const junk = { path: 'notes/todo.txt', source: new TextEncoder().encode('buy milk').buffer };
    await s.ingest.run('notes', () => ({ inputs: [junk], skipped: [{ file: 'notes/locked/', reason: 'could not list the folder' }] }));
    expectKept(s);
    const st = s.store.getState();
    expect(st.errors[0]).toMatch(/^Nothing was added from “notes”: none of its files is a readable image series \(2 skipped/);
    expect(st.skipped.map((f) => f.file)).toEqual([...before.map((f) => f.file), 'notes/locked/', 'notes/todo.txt']);
  });

  it('dropping the open series again adds nothing and says it is already open', async () => {
    const s = await sessionWithOne();
    await s.ingest.run('a again', () => ({ inputs: phantomInputs(12, 3, 'copy').inputs, skipped: [] }));
    expectKept(s);
    expect(s.store.getState().errors[0]).toMatch(/Nothing was added from “a again”: its series is already open/);
  });

  it('a parser failure during an added load keeps the session', async () => {
    const s = await sessionWithOne();
    const failing: ParseService = {
      parseAll: async () => {
        throw new Error('DICOM worker failed: out of memory');
      },
      cancel: () => undefined,
    };
    const other = createIngestController({ store: s.store, cache: s.cache, parser: failing });
    await other.run('b', () => collected(3));
    expectKept(s);
    expect(s.store.getState().errors).toEqual(['Loading failed: DICOM worker failed: out of memory']);
  });

  it('a good drop adds its series: both listed, both volumes kept, the new one opens', async () => {
    let added = 0;
    const s = await sessionWithOne({ onAdd: () => added++ });
    await s.ingest.run('empty', () => ({ inputs: [], skipped: [] }));
    expect(added).toBe(0);
    const second = phantomInputs(20, 9, 'b');
    const phases = await phasesDuring(s.store, () => s.ingest.run('b', () => ({ inputs: second.inputs, skipped: [] })));
    // The open series stay viewable throughout: no 'collecting' phase clears them.
    expect(phases).toEqual(['streaming', 'done']);
    expect(added).toBe(1);
    const st = s.store.getState();
    expect(st.series).toHaveLength(2);
    expect(st.series[0].id).toBe(s.id);
    const newId = st.series[1].id;
    expect(newId).not.toBe(s.id);
    expect(st.selectedSeriesId).toBe(newId);
    expect(st.series[1].dimsZyx).toEqual(second.ph.truth.dimsZyx);
    expect(s.cache.get(s.id)!.hu).toEqual(s.first.ph.truth.volumeHu);
    expect(s.cache.get(newId)!.hu).toEqual(second.ph.truth.volumeHu);
    expect(st.skipped.map((f) => f.file)).toEqual(['a/readme.txt', 'b/readme.txt']);
    expect(st.load).toMatchObject({ phase: 'done', source: 'b', filesTotal: 21 });
    // The open series changed: the new one is not analysed yet.
    expect(st.analysis.phase).toBe('idle');
    expect(st.errors).toEqual([]);
  });

  it('counts the open volumes against the memory budget of an added load', async () => {
    const oneVolume = 48 * 48 * 12 * 2;
    const s = await sessionWithOne({ memoryBudget: { maxSeriesBytes: 2 ** 30, maxTotalBytes: oneVolume + 1000 } });
    await s.ingest.run('b', () => ({ inputs: phantomInputs(12, 9, 'b').inputs, skipped: [] }));
    expectKept(s);
    const errors = s.store.getState().errors;
    expect(errors[0]).toMatch(/with the series already open, this load would exceed/);
    expect(errors[1]).toMatch(/Nothing was added from “b”: its series could not be loaded \(see above\)/);
  });

  it('a load run with replace (the demo scan) replaces the session instead of adding to it', async () => {
    const s = await sessionWithOne();
    const second = phantomInputs(20, 9, 'b');
    await s.ingest.run('demo scan', () => ({ inputs: second.inputs, skipped: [] }), { replace: true });
    const st = s.store.getState();
    expect(st.series).toHaveLength(1);
    expect(st.series[0].dimsZyx).toEqual(second.ph.truth.dimsZyx);
    expect(s.cache.has(s.id)).toBe(false);
    expect(st.skipped.map((f) => f.file)).toEqual(['b/readme.txt']);
  });

  it('clear empties the session: no series, no volumes, idle', async () => {
    const s = await sessionWithOne();
    s.ingest.clear();
    const st = s.store.getState();
    expect(st.series).toEqual([]);
    expect(st.skipped).toEqual([]);
    expect(st.selectedSeriesId).toBeNull();
    expect(st.load.phase).toBe('idle');
    expect(st.analysisResults).toBeNull();
    expect(s.cache.byteLength()).toBe(0);
    // The next load starts a new session (replaces, nothing to keep).
    await s.ingest.run('b', () => collected(3));
    expect(s.store.getState().series).toHaveLength(1);
  });
});
