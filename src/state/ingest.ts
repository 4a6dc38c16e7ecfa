/**
 * The ingest job: collect files -> parse them in the worker pool -> group,
 * sort and assemble series (core) -> volumes into the cache, metadata into
 * the store. One job at a time; starting a new one or cancel() stops the
 * running one.
 */
import type { SeriesSummary, SkippedFile } from '../core/dicom/types';
import { assembleVolume, compareSeriesForDisplay, groupSeries, planSeries } from '../core/dicom/buildSeries';
import type { ParseBatchResult, ParseInput } from '../workers/dicomApi';
import { isCancelled, type ProgressCallback } from '../workers/dicomPool';
import type { AppStore } from './store';
import type { VolumeCache } from './volumeCache';

/** What a drop, a picker or the demo generator hands to the ingest job. */
export interface CollectedInputs {
  inputs: ParseInput[];
  /** Entries that could not even be read (e.g. a folder that failed to list). */
  skipped: SkippedFile[];
}

/** The parsing service (the worker pool in the app, an in-process parser in tests). */
export interface ParseService {
  parseAll(inputs: readonly ParseInput[], onProgress?: ProgressCallback): Promise<ParseBatchResult>;
  cancel(): void;
}

export interface IngestDeps {
  store: AppStore;
  cache: VolumeCache;
  parser: ParseService;
  now?: () => number;
  /** Lets the UI paint between phases (a macrotask in the browser). */
  yieldToUi?: () => Promise<void>;
  /** Minimum time between two progress updates of the store, in ms. */
  progressIntervalMs?: number;
}

/** Gathers the inputs of one load; `signal` aborts when the load is cancelled or replaced. */
export type Collector = (signal: AbortSignal) => Promise<CollectedInputs> | CollectedInputs;

export interface IngestController {
  /** Runs one load. Resolves when it finished, failed or was cancelled (never rejects). */
  run(source: string, collect: Collector): Promise<void>;
  /** Stops the running load, if any. */
  cancel(): void;
}

function inputSize(input: ParseInput): number {
  return input.source instanceof ArrayBuffer ? input.source.byteLength : input.source.size;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Series summaries with their volumes, largest CT first. A series whose
 * pixels cannot be assembled is left out with a warning.
 */
export function assembleAll(
  slices: ParseBatchResult['slices'],
  cache: VolumeCache,
): { series: SeriesSummary[]; warnings: string[] } {
  const plans = groupSeries(slices).map((g) => planSeries(g));
  plans.sort((a, b) => compareSeriesForDisplay(a.summary, b.summary));
  const series: SeriesSummary[] = [];
  const warnings: string[] = [];
  for (const plan of plans) {
    try {
      // releaseSlices: each slice's pixels are dropped once copied, so the
      // decoded slices and the volume are not both held in full.
      cache.set(plan.summary.id, assembleVolume(plan, { releaseSlices: true }));
      series.push(plan.summary);
    } catch (e) {
      const name = plan.summary.description || plan.summary.seriesInstanceUid || plan.summary.id;
      warnings.push(`series "${name}" could not be assembled: ${message(e)}`);
    }
  }
  return { series, warnings };
}

export function createIngestController(deps: IngestDeps): IngestController {
  const { store, cache, parser } = deps;
  const now = deps.now ?? (() => performance.now());
  const yieldToUi = deps.yieldToUi ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  const interval = deps.progressIntervalMs ?? 50;
  let job = 0;
  let abort: AbortController | null = null;

  function cancel(): void {
    const phase = store.getState().load.phase;
    if (phase === 'collecting' || phase === 'parsing' || phase === 'assembling') {
      job++;
      abort?.abort();
      abort = null;
      parser.cancel();
      store.getState().cancelLoad(now());
    }
  }

  async function run(source: string, collect: Collector): Promise<void> {
    cancel();
    const my = ++job;
    const controller = new AbortController();
    abort = controller;
    const act = () => store.getState();
    cache.clear();
    act().beginLoad(source, now());
    try {
      const collected = await collect(controller.signal);
      if (my !== job) return;
      const bytesTotal = collected.inputs.reduce((n, i) => n + inputSize(i), 0);
      act().setCollected(collected.inputs.length, bytesTotal);
      let lastUpdate = -Infinity;
      const parsed = await parser.parseAll(collected.inputs, (p) => {
        if (my !== job) return;
        const t = now();
        if (t - lastUpdate >= interval || p.filesDone === collected.inputs.length) {
          lastUpdate = t;
          act().setProgress(p.filesDone, p.bytesDone);
        }
      });
      if (my !== job) return;
      act().setProgress(collected.inputs.length, bytesTotal);
      act().setPhase('assembling');
      await yieldToUi();
      if (my !== job) return;
      const { series, warnings } = assembleAll(parsed.slices, cache);
      const skipped = [...collected.skipped, ...parsed.skipped].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      act().finishLoad(series, skipped, warnings, now());
    } catch (e) {
      if (my !== job || isCancelled(e)) return;
      act().failLoad(`Loading failed: ${message(e)}`, now());
    } finally {
      if (abort === controller) abort = null;
    }
  }

  return { run, cancel };
}
