/**
 * Session slice of the store: the load (its phase and progress, or that of
 * a load adding to the open series), the series it made, the files it
 * skipped, its warnings and the errors shown until dismissed. A load that
 * replaces the session, and Clear, also drop the selection and the analysis;
 * a load that shows its series opens one (`seriesOpened`).
 */
import type { StateCreator } from 'zustand/vanilla';
import type { SeriesSummary, SkippedFile } from '../../core/dicom/types';
import type { AppData, AppState } from '../store';
import { analysisCleared } from './analysis';
import { pickDefaultSeries } from './common';
import { selectionDefaults, seriesOpened } from './selection';

/**
 * collecting: listing what was dropped; parsing: reading the headers (and
 * the pixels of files that cannot be streamed); assembling: grouping and
 * allocating the volumes; streaming: the series are known and shown while
 * their slices' pixels arrive; done: every volume is complete.
 */
export type LoadPhase = 'idle' | 'collecting' | 'parsing' | 'assembling' | 'streaming' | 'done' | 'cancelled' | 'error';

/** The load is still running (it can be cancelled). */
export function loadRunning(phase: LoadPhase): boolean {
  return phase === 'collecting' || phase === 'parsing' || phase === 'assembling' || phase === 'streaming';
}

/** The series' volumes can be shown: complete, or being filled slice by slice. */
export function volumesViewable(phase: LoadPhase): boolean {
  return phase === 'streaming' || phase === 'done';
}

export interface LoadStatus {
  phase: LoadPhase;
  /** What is being loaded, for the progress line ("2 folders", "demo scan"). */
  source: string;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  /** Slices of all volumes, and those whose pixels are in place (streaming). */
  slicesTotal: number;
  slicesDone: number;
  /** performance.now() when the load started and ended (null while unknown). */
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

export interface SessionData {
  /** The load that made the open series (or the one running in their place). */
  load: LoadStatus;
  /**
   * A load adding to the series already open (while `load` stays done and
   * they stay on screen): its progress until its series are known, when it
   * becomes `load`; null otherwise. A drop that yields nothing usable ends
   * here and leaves the session as it was.
   */
  adding: LoadStatus | null;
  /** Errors shown in the error banner until dismissed. */
  errors: string[];
  /** Warnings about the load as a whole (per-series warnings live in each summary). */
  warnings: string[];
  series: SeriesSummary[];
  skipped: SkippedFile[];
  /** The list of skipped files is unfolded (the load line's link opens it). */
  skippedOpen: boolean;
}

export interface SessionActions {
  /**
   * A load starts. By default it replaces the session (series, skipped files,
   * analysis); with `add` (only when a load is done and has series) the open
   * series stay on screen while it runs and its series join them (`adding`).
   */
  beginLoad(source: string, nowMs: number, add?: boolean): void;
  setCollected(filesTotal: number, bytesTotal: number): void;
  setProgress(filesDone: number, bytesDone: number): void;
  setPhase(phase: LoadPhase): void;
  /**
   * The series are known and their volumes allocated (in the cache), with
   * `slicesDone` of `slicesTotal` slices in place: show them, open the
   * default one; the rest of the pixels stream in (setSlicesDone).
   */
  beginStreaming(
    series: SeriesSummary[],
    skipped: SkippedFile[],
    warnings: string[],
    slicesTotal: number,
    slicesDone: number,
    /** The series to pick the one to open from (default: all; an added load opens one of its own). */
    openFrom?: readonly SeriesSummary[],
  ): void;
  setSlicesDone(slicesDone: number): void;
  /**
   * Every volume is complete. After beginStreaming, keeps the open series and
   * view (series, skipped and warnings replace the streaming ones); without
   * it, shows the series and opens the default one.
   */
  finishLoad(series: SeriesSummary[], skipped: SkippedFile[], warnings: string[], nowMs: number): void;
  /**
   * An added load yielded nothing to add: the session stays as it was, the
   * reason is shown as an error and the load's skipped files and warnings
   * join the session's.
   */
  ignoreLoad(reason: string, skipped: SkippedFile[], warnings: string[]): void;
  cancelLoad(nowMs: number): void;
  failLoad(message: string, nowMs: number): void;
  /** Empties the session: no series, no load, no analysis (the caches are cleared by the caller). */
  clearSession(): void;
  setSkippedOpen(open: boolean): void;
  addError(message: string): void;
  dismissError(index: number): void;
}

export type SessionSlice = SessionData & SessionActions;

const IDLE_LOAD: LoadStatus = {
  phase: 'idle',
  source: '',
  filesTotal: 0,
  filesDone: 0,
  bytesTotal: 0,
  bytesDone: 0,
  slicesTotal: 0,
  slicesDone: 0,
  startedAtMs: null,
  finishedAtMs: null,
};

/** What the session holds before the first load and after Clear. */
export function sessionDefaults(): SessionData {
  return { load: IDLE_LOAD, adding: null, errors: [], warnings: [], series: [], skipped: [], skippedOpen: false };
}

/** Whether a new load can add to the open series instead of replacing them. */
export function sessionOpen(state: Pick<SessionData, 'load' | 'series'>): boolean {
  return state.load.phase === 'done' && state.series.length > 0;
}

/** The default series of `from` opened, or none selected when `from` is empty. */
function openDefault(from: readonly SeriesSummary[], state: AppState): Partial<AppData> {
  const best = pickDefaultSeries(from);
  return best ? seriesOpened(best, state.analysis) : { selectedSeriesId: null };
}

function noSeriesMessage(skippedCount: number): string {
  return skippedCount > 0
    ? `No readable image series found: all ${skippedCount} file${skippedCount === 1 ? ' was' : 's were'} skipped (see the list of skipped files).`
    : 'No files found in what was dropped.';
}

export const createSessionSlice: StateCreator<AppState, [], [], SessionSlice> = (set, get) => {
  /** Progress of the running load: the added one if any, else the session's. */
  function patchRunning(patch: Partial<LoadStatus>): void {
    const { adding, load } = get();
    if (adding) set({ adding: { ...adding, ...patch } });
    else set({ load: { ...load, ...patch } });
  }

  return {
    ...sessionDefaults(),

    beginLoad(source, nowMs, add = false) {
      const fresh: LoadStatus = { ...IDLE_LOAD, phase: 'collecting', source, startedAtMs: nowMs };
      if (add && sessionOpen(get())) {
        set({ adding: fresh, errors: [] });
        return;
      }
      // The crosshair stays where it was until a series opens.
      set({
        ...sessionDefaults(),
        load: fresh,
        selectedSeriesId: null,
        sliceZ: 0,
        cursor: null,
        ...analysisCleared(get().analysis),
      });
    },
    setCollected(filesTotal, bytesTotal) {
      patchRunning({ phase: 'parsing', filesTotal, bytesTotal, filesDone: 0, bytesDone: 0 });
    },
    setProgress(filesDone, bytesDone) {
      const load = get().adding ?? get().load;
      patchRunning({ filesDone: Math.min(load.filesTotal, filesDone), bytesDone: Math.min(load.bytesTotal, bytesDone) });
    },
    setPhase(phase) {
      patchRunning({ phase });
    },
    beginStreaming(series, skipped, warnings, slicesTotal, slicesDone, openFrom = series) {
      set({
        load: { ...(get().adding ?? get().load), phase: 'streaming', slicesTotal, slicesDone },
        adding: null,
        series,
        skipped,
        warnings,
        ...openDefault(openFrom, get()),
      });
    },
    setSlicesDone(slicesDone) {
      const load = get().load;
      if (load.slicesDone !== slicesDone) set({ load: { ...load, slicesDone: Math.min(load.slicesTotal, slicesDone) } });
    },
    finishLoad(series, skipped, warnings, nowMs) {
      const current = get();
      // Errors raised during the load (e.g. a series refused for its size) say more than the generic one.
      const errors = series.length === 0 && current.errors.length === 0 ? [noSeriesMessage(skipped.length)] : current.errors;
      if (current.load.phase === 'streaming') {
        const keep = series.some((x) => x.id === current.selectedSeriesId);
        set({
          load: { ...current.load, phase: 'done', slicesDone: current.load.slicesTotal, finishedAtMs: nowMs },
          series,
          skipped,
          warnings,
          errors,
          ...(keep ? {} : openDefault(series, current)),
        });
        return;
      }
      set({
        load: { ...current.load, phase: 'done', finishedAtMs: nowMs },
        series,
        skipped,
        warnings,
        errors,
        ...openDefault(series, current),
      });
    },
    ignoreLoad(reason, skipped, warnings) {
      const cur = get();
      set({
        adding: null,
        errors: [...cur.errors, reason],
        skipped: skipped.length ? [...cur.skipped, ...skipped] : cur.skipped,
        warnings: warnings.length ? [...cur.warnings, ...warnings] : cur.warnings,
      });
    },
    cancelLoad(nowMs) {
      // An added load that is stopped leaves the session as it was.
      if (get().adding) set({ adding: null });
      else set({ load: { ...get().load, phase: 'cancelled', finishedAtMs: nowMs } });
    },
    failLoad(message, nowMs) {
      if (get().adding) set({ adding: null, errors: [...get().errors, message] });
      else set({ load: { ...get().load, phase: 'error', finishedAtMs: nowMs }, errors: [...get().errors, message] });
    },
    clearSession() {
      set({ ...sessionDefaults(), ...selectionDefaults(), cursor: null, ...analysisCleared(get().analysis) });
    },
    setSkippedOpen(open) {
      if (get().skippedOpen !== open) set({ skippedOpen: open });
    },
    addError(message) {
      set({ errors: [...get().errors, message] });
    },
    dismissError(index) {
      set({ errors: get().errors.filter((_, i) => i !== index) });
    },
  };
};
