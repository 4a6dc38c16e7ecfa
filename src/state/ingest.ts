/**
 * The ingest job, streaming: collect files -> read every header in the
 * worker pool (only the first bytes of each file) -> group, sort and plan
 * the series (core), refuse what exceeds the memory budget, allocate the
 * volumes -> read the pixels of the slice that will open first (briefly,
 * see FIRST_SLICE_WAIT_MS), so that the series appear with their slice
 * drawn -> show the series while the other pixels arrive, outward from the
 * slice on screen -> done. One job at a time; starting a new one or cancel()
 * stops the running one; retry() runs the last one again.
 *
 * A session: once a load is done, the next one adds its series to those
 * open (they stay on screen, and their volumes in the cache, while it
 * runs; the largest new CT opens). A load that yields nothing to add
 * (no files, nothing readable, only series already open) leaves the
 * session as it was and says why. clear() empties the session.
 */
import { MAX_LOAD_HU_BYTES, MAX_SERIES_HU_BYTES } from '../core/volume/memoryBudget';
import type { DecodedSlice, SeriesSummary, SkippedFile } from '../core/dicom/types';
import { assembleVolume, compareSeriesForDisplay, groupSeries, planSeries, type SeriesPlan } from '../core/dicom/buildSeries';
import type { ParseBatchResult, ParseInput } from '../workers/dicomApi';
import { isCancelled } from '../shared/cancel';
import type { ParseAllOptions, ProgressCallback } from '../workers/dicomPool';
import { freeNow } from '../core/memory/freeNow';
import { SEGMENTATION_FILE_REASON } from '../core/dicom/parseDicomFile';
import { loadRunning, sessionOpen, type AppStore } from './store';
import { pickDefaultSeries } from './slices/common';
import { seriesOpened } from './slices/selection';
import type { VolumeCache } from './volumeCache';

/** What a drop, a picker or the demo generator hands to the ingest job. */
export interface CollectedInputs {
  inputs: ParseInput[];
  /** Entries that could not even be read (e.g. a folder that failed to list). */
  skipped: SkippedFile[];
}

/** The parsing service (the worker pool in the app, an in-process parser in tests). */
export interface ParseService {
  parseAll(inputs: readonly ParseInput[], onProgress?: ProgressCallback, options?: ParseAllOptions): Promise<ParseBatchResult>;
  cancel(): void;
  /** Called when a load has finished: drop what the parsers hold (optional). */
  refresh?(): void;
}

/** Bytes of HU (2 per voxel) the viewer accepts, checked before any volume is allocated. */
export interface MemoryBudget {
  /** One series' volume. */
  maxSeriesBytes: number;
  /** All volumes of one load together. */
  maxTotalBytes: number;
}

/**
 * 1 GiB of HU per series (512 × 512 × 2048 slices) and 2 GiB per load: the
 * analysis holds about three more bytes per voxel on top (masks in the page
 * and a copy in its worker), which keeps a full analysis within a few GiB.
 */
const DEFAULT_MEMORY_BUDGET: MemoryBudget = { maxSeriesBytes: MAX_SERIES_HU_BYTES, maxTotalBytes: MAX_LOAD_HU_BYTES };

export interface IngestDeps {
  store: AppStore;
  cache: VolumeCache;
  parser: ParseService;
  now?: () => number;
  /** Lets the UI paint between phases (a macrotask in the browser). */
  yieldToUi?: () => Promise<void>;
  /**
   * Resolves once the page has shown the frame drawn after the series
   * appeared (default: yieldToUi). The other slices are read after it, so
   * that their decoding does not take the CPU from the display while it
   * draws the first slice.
   */
  frameShown?: () => Promise<void>;
  /** Minimum time between two progress updates of the store, in ms. */
  progressIntervalMs?: number;
  /**
   * For this long after a load starts (ms; default 0), its progress and
   * phase changes are held back and written to the store together when it
   * ends or the series are shown, whichever comes first. A short load then
   * draws no frames between the drop and its first slice: each frame costs
   * the display (tens of ms with a software GPU), and a frame in flight
   * when the slice is drawn delays it by that much. A longer load shows its
   * progress from then on.
   */
  progressQuietMs?: number;
  memoryBudget?: MemoryBudget;
  /** Called when a load's series are about to join those already open (the app stops their analysis). */
  onAdd?: () => void;
  /**
   * Segmentation files of a load (DICOM SEG, told by the header pass, and
   * .nii / .nii.gz files, by name, which are not parsed as DICOM): not
   * series or skipped files, but handed here once the load is done, to be
   * read onto the open series.
   */
  onMaskFiles?: (files: ParseInput[]) => void;
}

/** A NIfTI file, by name: offered as a segmentation, never parsed as DICOM. */
export const isNiftiPath = (p: string): boolean => /\.nii(\.gz)?$/i.test(p);

/** Gathers the inputs of one load; `signal` aborts when the load is cancelled or replaced. */
export type Collector = (signal: AbortSignal) => Promise<CollectedInputs> | CollectedInputs;

export interface RunOptions {
  /** Replace the session instead of adding to it (the demo scan). */
  replace?: boolean;
}

export interface IngestController {
  /**
   * Runs one load, added to the session when one is open (unless `replace`).
   * Resolves when it finished, failed or was cancelled (never rejects).
   */
  run(source: string, collect: Collector, options?: RunOptions): Promise<void>;
  /** Runs the last load again (after it failed or was cancelled); its files are read again. */
  retry(): Promise<void>;
  /** Stops the running load, if any. */
  cancel(): void;
  /** Stops the running load and empties the session: no series, no volumes. */
  clear(): void;
}

/**
 * performance.mark names of a load's milestones (for the benchmark): files
 * listed, headers read, series shown (with the first slice read), every
 * volume complete.
 */
const LOAD_MARKS = {
  collected: 'lungview:files-collected',
  headers: 'lungview:headers-read',
  shown: 'lungview:series-shown',
  volumes: 'lungview:volumes-ready',
} as const;

function mark(name: string): void {
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(name);
}

/** HU shown for slices whose pixels have not arrived yet (air: black in every window). */
export const PENDING_SLICE_HU = -1024;

/**
 * How long the series wait for the pixels of the slice that opens first
 * before they are shown without it (ms). Read first, that slice is in the
 * very first frame of the viewer: no frame of an empty canvas comes before
 * it (with a software GPU each frame costs tens of ms), and the viewer's
 * first render overlaps nothing. A file slower than this (a codec fetched
 * and compiled on first use) does not hold the series list back.
 */
export const FIRST_SLICE_WAIT_MS = 250;

function inputSize(input: ParseInput): number {
  return input.source instanceof ArrayBuffer ? input.source.byteLength : input.source.size;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function seriesName(s: SeriesSummary): string {
  return s.description || s.seriesInstanceUid || s.id;
}

function formatGb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes >= 1e10 ? 0 : 2)} GB`;
}

function byFile(a: SkippedFile, b: SkippedFile): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function are(n: number): string {
  return n === 1 ? 'series is' : 'series are';
}

/** Why an added load brought nothing, and that the open series stay. */
function ignoredMessage(source: string, why: { files: number; skipped: number; duplicates: number; refused: number }, kept: number): string {
  let reason = 'no series could be loaded from it';
  if (why.duplicates > 0) reason = `its ${are(why.duplicates)} already open`;
  else if (why.refused > 0) reason = `its series could not be loaded (see above)`;
  else if (why.skipped > 0) reason = `none of its files is a readable image series (${why.skipped} skipped, see the skipped files)`;
  else if (why.files === 0) reason = 'no files were found in it';
  const stay = kept === 1 ? 'The loaded series is kept.' : `The ${kept} loaded series are kept.`;
  return `Nothing was added from “${source}”: ${reason}. ${stay}`;
}

/** Where the pixels of one deferred file go. */
interface SliceTarget {
  seriesId: string;
  z: number;
  out: Int16Array;
}

/** Volume z indices from `center` outward (center, center+1, center-1, ...). */
function outwardOrder(n: number, center: number): number[] {
  const out: number[] = [];
  const c = Math.min(n - 1, Math.max(0, center));
  for (let d = 0; out.length < n; d++) {
    if (c + d < n) out.push(c + d);
    if (d > 0 && c - d >= 0) out.push(c - d);
  }
  return out;
}

/**
 * Splits the plans into those that fit the budget (largest CT first, as
 * shown) and a message for each one refused, before anything is allocated.
 */
export function applyMemoryBudget<T extends { summary: SeriesSummary }>(
  plans: readonly T[],
  budget: MemoryBudget,
  /** HU bytes of the series already open (a load that adds to them). */
  usedBytes = 0,
): { accepted: T[]; refused: string[] } {
  const accepted: T[] = [];
  const refused: string[] = [];
  let total = usedBytes;
  for (const p of plans) {
    const [nz, ny, nx] = p.summary.dimsZyx;
    const bytes = nx * ny * nz * 2;
    const dims = `${nx} × ${ny} × ${nz}`;
    if (bytes > budget.maxSeriesBytes) {
      refused.push(`Series "${seriesName(p.summary)}" (${dims}, ${formatGb(bytes)} as HU) was not loaded: it is larger than the ${formatGb(budget.maxSeriesBytes)} one series may use here.`);
    } else if (total + bytes > budget.maxTotalBytes) {
      const before = usedBytes > 0 ? 'the series already open' : 'the series before it';
      const fix = usedBytes > 0 ? 'Clear the loaded series first, or load it on its own.' : 'Load it on its own.';
      refused.push(`Series "${seriesName(p.summary)}" (${dims}, ${formatGb(bytes)} as HU) was not loaded: with ${before}, this load would exceed ${formatGb(budget.maxTotalBytes)}. ${fix}`);
    } else {
      total += bytes;
      accepted.push(p);
    }
  }
  return { accepted, refused };
}

export function createIngestController(deps: IngestDeps): IngestController {
  const { store, cache, parser } = deps;
  const now = deps.now ?? (() => performance.now());
  const yieldToUi = deps.yieldToUi ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  const frameShown = deps.frameShown ?? yieldToUi;
  const interval = deps.progressIntervalMs ?? 50;
  const quietMs = deps.progressQuietMs ?? 0;
  const budget = deps.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  let job = 0;
  let abort: AbortController | null = null;
  let last: { source: string; collect: Collector; options: RunOptions } | null = null;

  function cancel(): void {
    const st = store.getState();
    if (st.adding !== null || loadRunning(st.load.phase)) {
      job++;
      abort?.abort();
      abort = null;
      parser.cancel();
      store.getState().cancelLoad(now());
    }
  }

  function clear(): void {
    cancel();
    job++;
    last = null;
    cache.clear();
    store.getState().clearSession();
  }

  async function run(source: string, collect: Collector, options: RunOptions = {}): Promise<void> {
    cancel();
    const my = ++job;
    const controller = new AbortController();
    abort = controller;
    const act = () => store.getState();
    const current = () => my === job;
    // Retrying reuses the collected files when they can be read again (File
    // objects); bytes handed to the workers are gone, so those are collected anew.
    let reusable: CollectedInputs | null = null;
    last = {
      source,
      collect: (signal) => reusable ?? collect(signal),
      options,
    };
    act().beginLoad(source, now(), !options.replace && sessionOpen(act()));
    // Progress and phase writes held back at the start of the load (see progressQuietMs).
    const quietUntil = now() + quietMs;
    const held: (() => void)[] = [];
    let heldTimer: ReturnType<typeof setTimeout> | undefined;
    const flushHeld = () => {
      clearTimeout(heldTimer);
      heldTimer = undefined;
      const writes = held.splice(0);
      if (current()) for (const w of writes) w();
    };
    const progressWrite = (w: () => void) => {
      const wait = quietUntil - now();
      held.push(w);
      if (wait <= 0) flushHeld();
      else heldTimer ??= setTimeout(flushHeld, wait);
    };
    // The session this load adds to (null: it replaces it).
    const kept = act().adding ? { series: act().series, skipped: act().skipped, warnings: act().warnings } : null;
    if (!kept) cache.clear();
    try {
      const all = await collect(controller.signal);
      if (!current()) return;
      // NIfTI files are segmentations to put on a series, not DICOM to parse.
      const niftiInputs = all.inputs.filter((i) => isNiftiPath(i.path));
      const collected = niftiInputs.length ? { ...all, inputs: all.inputs.filter((i) => !isNiftiPath(i.path)) } : all;
      if (all.inputs.every((i) => !(i.source instanceof ArrayBuffer))) reusable = all;
      mark(LOAD_MARKS.collected);
      const bytesTotal = collected.inputs.reduce((n, i) => n + inputSize(i), 0);
      progressWrite(() => act().setCollected(collected.inputs.length, bytesTotal));

      // 1. Headers (and the pixels of files that cannot be streamed).
      let lastUpdate = -Infinity;
      const headers = await parser.parseAll(collected.inputs, (p) => {
        if (!current()) return;
        const t = now();
        if (t - lastUpdate >= interval || p.filesDone === collected.inputs.length) {
          lastUpdate = t;
          progressWrite(() => act().setProgress(p.filesDone, p.bytesDone));
        }
      }, { mode: 'headers' });
      if (!current()) return;
      mark(LOAD_MARKS.headers);
      progressWrite(() => {
        act().setProgress(collected.inputs.length, bytesTotal);
        act().setPhase('assembling');
      });
      await yieldToUi();
      if (!current()) return;

      // 2. Plan, check the budget, allocate.
      const openIds = new Set(kept?.series.map((s) => s.id));
      const grouped = groupSeries(headers.slices).map((g) => planSeries(g));
      const plans = grouped.filter((p) => !openIds.has(p.summary.id));
      const duplicates = grouped.length - plans.length;
      plans.sort((a, b) => compareSeriesForDisplay(a.summary, b.summary));
      const { accepted, refused } = applyMemoryBudget(plans, budget, kept ? cache.byteLength() : 0);
      if (refused.length) flushHeld();
      for (const r of refused) act().addError(r);
      const warnings = [...refused, ...(headers.warnings ?? [])];
      const series: SeriesSummary[] = [];
      const targets = new Map<string, SliceTarget>();
      const deferredOf = new Map<string, number[]>();
      // Slices still to arrive are painted air after the first slice's read has started (below).
      const pendingFill: Int16Array[] = [];
      let slicesTotal = 0;
      let slicesDone = 0;
      for (const plan of accepted) {
        const id = plan.summary.id;
        const deferred = plan.ordered.flatMap((s, z) => (s.hu.length === 0 ? [z] : []));
        try {
          const volume = assembleVolume(plan as SeriesPlan<DecodedSlice>, {
            releaseSlices: true,
            fillSlice: (_, out) => void pendingFill.push(out),
          });
          const per = volume.nx * volume.ny;
          const filled = new Uint8Array(volume.nz).fill(1);
          for (const z of deferred) {
            filled[z] = 0;
            targets.set(plan.ordered[z].header.file, { seriesId: id, z, out: volume.hu.subarray(z * per, (z + 1) * per) });
          }
          cache.setStreaming(id, volume, filled);
          series.push(plan.summary);
          deferredOf.set(id, deferred);
          slicesTotal += volume.nz;
          slicesDone += volume.nz - deferred.length;
        } catch (e) {
          warnings.push(`Series "${seriesName(plan.summary)}" could not be assembled: ${message(e)}`);
        }
      }
      // A DICOM SEG is offered as a segmentation of the open series, not listed as skipped.
      const segPaths = new Set(headers.skipped.filter((k) => k.reason === SEGMENTATION_FILE_REASON).map((k) => k.file));
      const maskInputs = [...niftiInputs, ...collected.inputs.filter((i) => segPaths.has(i.path))];
      const offerMasks = () => {
        if (maskInputs.length && current()) deps.onMaskFiles?.(maskInputs);
      };
      const skipped = [...collected.skipped, ...headers.skipped.filter((k) => !segPaths.has(k.file))];
      if (duplicates > 0 && series.length > 0) {
        warnings.push(`${duplicates} ${are(duplicates)} already open; ${duplicates === 1 ? 'it was' : 'they were'} not loaded again.`);
      }
      if (series.length === 0) {
        flushHeld();
        if (kept && maskInputs.length) {
          // Only segmentations (and maybe junk) dropped onto an open session: they go onto its series.
          store.setState((st) => ({ adding: null, skipped: [...st.skipped, ...skipped.sort(byFile)], warnings: [...st.warnings, ...warnings] }));
        } else if (kept) {
          const why = { files: collected.inputs.length, skipped: skipped.length, duplicates: plans.length ? 0 : duplicates, refused: plans.length };
          act().ignoreLoad(ignoredMessage(source, why, kept.series.length), skipped.sort(byFile), warnings);
        } else {
          act().finishLoad([], skipped.sort(byFile), warnings, now());
        }
        offerMasks();
        return;
      }
      const inputOf = new Map(collected.inputs.map((i) => [i.path, i]));
      const pixelFailures = new Map<string, number>();
      let lastStream = -Infinity;
      const released = new Set<ArrayBufferLike>();
      // The store hears of arriving slices only once the series are shown.
      let shownInStore = false;
      const onBatch = (part: ParseBatchResult) => {
        if (!current()) return;
        let onScreen = false;
        const st = act();
        for (const slice of part.slices) {
          const t = targets.get(slice.header.file);
          if (!t) continue;
          if (slice.hu.length !== t.out.length) {
            skipped.push({ file: slice.header.file, reason: `the file changed while it was read: ${slice.hu.length} pixels instead of ${t.out.length}` });
            pixelFailures.set(t.seriesId, (pixelFailures.get(t.seriesId) ?? 0) + 1);
            continue;
          }
          // A copy: the worker's slice arrives in its own buffer, and the volume is one contiguous array.
          t.out.set(slice.hu);
          released.add(slice.hu.buffer);
          cache.markSliceFilled(t.seriesId, t.z);
          slicesDone++;
          if (t.seriesId === st.selectedSeriesId && t.z === st.sliceZ) onScreen = true;
        }
        for (const sk of part.skipped) {
          skipped.push(sk);
          const t = targets.get(sk.file);
          if (t) pixelFailures.set(t.seriesId, (pixelFailures.get(t.seriesId) ?? 0) + 1);
        }
        for (const w of part.warnings ?? []) warnings.push(w);
        // The copied slices' buffers (frames of one file may share one) are freed now, not at some later collection.
        for (const b of released) freeNow(b);
        released.clear();
        const tNow = now();
        if (shownInStore && (onScreen || tNow - lastStream >= interval)) {
          lastStream = tNow;
          act().setSlicesDone(slicesDone);
        }
      };

      // 3. The slice that opens first (the store's own choice: the largest
      // CT's middle slice), read before the series are shown; the slices
      // still to come are painted air meanwhile.
      const opening = pickDefaultSeries(series);
      const openingZ = (opening && seriesOpened(opening, act().analysis).sliceZ) ?? -1;
      const openingFile = opening && deferredOf.get(opening.id)?.includes(openingZ) ? inputOf.get(opening.files[openingZ]) : undefined;
      const firstRead = openingFile ? parser.parseAll([openingFile], undefined, { mode: 'full', onBatch }) : null;
      for (const out of pendingFill) out.fill(PENDING_SLICE_HU);
      pendingFill.length = 0;
      if (firstRead) {
        await Promise.race([firstRead.then(() => undefined), new Promise<void>((r) => setTimeout(r, FIRST_SLICE_WAIT_MS))]);
        if (!current()) return;
      }

      // 4. Show the series. The session's lists first, then this load's.
      const base = kept ?? { series: [], skipped: [], warnings: [] };
      if (kept) deps.onAdd?.();
      flushHeld();
      act().beginStreaming(
        [...base.series, ...series],
        [...base.skipped, ...[...skipped].sort(byFile)],
        [...base.warnings, ...warnings],
        slicesTotal,
        slicesDone,
        series,
      );
      shownInStore = true;
      mark(LOAD_MARKS.shown);
      // A slow first file is read to its end before the others start (one pass over the pool at a time).
      if (firstRead) await firstRead;
      if (!current()) return;
      await frameShown();
      if (!current()) return;

      // 5. Pixels, the slice on screen first, then outward from it; other series after.
      const { selectedSeriesId: shown, sliceZ } = act();
      const order: ParseInput[] = [];
      const seriesOrder = [...series].sort((a, b) => Number(b.id === shown) - Number(a.id === shown));
      for (const s of seriesOrder) {
        const deferred = new Set(deferredOf.get(s.id) ?? []);
        if (!deferred.size) continue;
        const center = s.id === shown ? sliceZ : Math.floor((s.dimsZyx[0] - 1) / 2);
        for (const z of outwardOrder(s.dimsZyx[0], center)) {
          if (!deferred.has(z)) continue;
          const input = inputOf.get(s.files[z]);
          if (input && input !== openingFile) order.push(input);
        }
      }
      if (firstRead) act().setSlicesDone(slicesDone);
      if (order.length) await parser.parseAll(order, undefined, { mode: 'full', onBatch });
      if (!current()) return;
      cache.completeStreaming();
      mark(LOAD_MARKS.volumes);
      const finalSeries = series.map((s) => {
        const failed = pixelFailures.get(s.id);
        return failed
          ? { ...s, warnings: [...s.warnings, `${failed} slice${failed === 1 ? '' : 's'} could not be read (see the skipped files) and show as air.`] }
          : s;
      });
      act().finishLoad([...base.series, ...finalSeries], [...base.skipped, ...skipped.sort(byFile)], [...base.warnings, ...warnings], now());
      parser.refresh?.();
      offerMasks();
    } catch (e) {
      if (!current() || isCancelled(e)) return;
      flushHeld();
      act().failLoad(`Loading failed: ${message(e)}`, now());
    } finally {
      clearTimeout(heldTimer);
      if (abort === controller) abort = null;
    }
  }

  async function retry(): Promise<void> {
    if (!last) return;
    const { source, collect, options } = last;
    await run(source, collect, options);
  }

  return { run, retry, cancel, clear };
}
