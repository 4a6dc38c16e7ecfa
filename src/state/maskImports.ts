/**
 * Segmentations from elsewhere (a DICOM SEG or a NIfTI label map, from
 * lungview or another tool) read onto an open series, and their comparison
 * with lungview's analysis. A store of its own (small, apart from the app
 * store), the voxels in a cache beside it (eight segments per byte, see
 * MaskImportOutput), and the jobs: read files in the mask worker (refused
 * files keep their reason), compare once the analysis of the series is
 * done (again after every new run).
 *
 * lungview's masks for a SEG or a comparison are copies, on the whole grid,
 * of the lungs measured, the internal and the GK structures; the worker
 * splits the lungs as the CLI's analysis does (core/io/analysisSeg.ts).
 */
import { createStore } from 'zustand/vanilla';
import type { SegmentationComparison } from '../core/analysis/compareSegmentations';
import type { SegSource } from '../core/io/dicomSeg';
import { geometryOf } from '../core/volume/volume';
import { maskCache, type CachedMask, type MaskKind } from './maskCache';
import { maskCompareClient, maskFileClient, type AnalysisMasksForSeg, type ImportedSegmentInfo } from './services';
import { appStore, type AppState } from './store';
import { volumeCache } from './volumeCache';

/** Colours of imported segments, in order (apart from lungview's overlay colours). */
export const IMPORT_COLORS = ['#ff8c1a', '#2ee6a8', '#ff4fa0', '#b48cff', '#f5e142', '#33b5ff', '#9acd32', '#ff6347'];

export interface ImportedSegmentView extends ImportedSegmentInfo {
  color: string;
  visible: boolean;
}

export interface MaskImport {
  id: string;
  seriesId: string;
  fileName: string;
  format: string;
  note: string;
  segments: ImportedSegmentView[];
  opacity: number;
  /** The comparison with the analysis run `runId` of the series, or why there is none. */
  comparison: { runId: number; result: SegmentationComparison } | { runId: number; error: string } | null;
  comparing: boolean;
}

export interface MaskImportState {
  imports: MaskImport[];
  /** Files that were refused, with the reason. */
  refused: { fileName: string; reason: string }[];
  /** Files being read. */
  reading: number;
}

export const maskImportStore = createStore<MaskImportState>(() => ({ imports: [], refused: [], reading: 0 }));

/** Voxels of each import (planes of eight segments a byte), by import id. */
export const importPlanes = new Map<string, Uint8Array[]>();

let nextId = 1;

function update(id: string, change: (m: MaskImport) => MaskImport): void {
  maskImportStore.setState((s) => ({ imports: s.imports.map((m) => (m.id === id ? change(m) : m)) }));
}

export function setSegmentVisible(id: string, k: number, visible: boolean): void {
  update(id, (m) => ({ ...m, segments: m.segments.map((s, j) => (j === k ? { ...s, visible } : s)) }));
}

export function setImportOpacity(id: string, opacity: number): void {
  update(id, (m) => ({ ...m, opacity }));
}

export function removeImport(id: string): void {
  importPlanes.delete(id);
  maskImportStore.setState((s) => ({ imports: s.imports.filter((m) => m.id !== id) }));
}

/** Forgets every import and refusal (Clear). */
export function clearImports(): void {
  importPlanes.clear();
  maskImportStore.setState({ imports: [], refused: [], reading: 0 });
}

/** The CT of series `id`: its grid and summary. */
export function segSourceOf(state: Pick<AppState, 'series'>, id: string | null): SegSource | null {
  const volume = volumeCache.get(id);
  const summary = state.series.find((s) => s.id === id);
  return volume && summary ? { geometry: geometryOf(volume), summary } : null;
}

/** The analysis mask of `kind` of the selected series, when the analysis of that series made it. */
function analysisMaskOf(state: AppState, kind: MaskKind): CachedMask | undefined {
  const r = state.analysisResults;
  if (!r || r.seriesId !== state.selectedSeriesId) return undefined;
  const m = maskCache.get(r.maskIds[kind]);
  return m && m.seriesId === state.selectedSeriesId ? m : undefined;
}

/** A cached mask as a 0/1 array of its own on the whole grid (slices it does not cover are 0). */
function wholeGrid(m: CachedMask, nz: number): Uint8Array {
  const plane = m.nx * m.ny;
  const out = new Uint8Array(plane * nz);
  const base = m.zOffset * plane;
  const src = m.data;
  const bits = m.bits;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (bits ? (v & bits.select) === bits.equals : v !== 0) out[base + i] = 1;
  }
  return out;
}

/** Whether the selected series' analysis has the masks a SEG or a comparison needs. */
export function analysisMasksReady(state: AppState): boolean {
  return analysisMaskOf(state, 'measured') !== undefined && analysisMaskOf(state, 'internal') !== undefined && analysisMaskOf(state, 'gk') !== undefined;
}

/** Copies of lungview's masks of the selected series for a SEG or a comparison, or null until the analysis has made them. */
export function analysisMasksForSeg(state: AppState): AnalysisMasksForSeg | null {
  const volume = volumeCache.get(state.selectedSeriesId);
  const measured = analysisMaskOf(state, 'measured');
  const internal = analysisMaskOf(state, 'internal');
  const gk = analysisMaskOf(state, 'gk');
  if (!volume || !measured || !internal || !gk) return null;
  return {
    measured: wholeGrid(measured, volume.nz),
    internal: wholeGrid(internal, volume.nz),
    gk: wholeGrid(gk, volume.nz),
    gkScope: gk.nz === volume.nz ? 'whole lung' : `${gk.nz} slices`,
  };
}

/** A file to import: a File/Blob (read here) or bytes. */
export interface MaskFileInput {
  name: string;
  source: Blob | ArrayBuffer;
}

/**
 * Reads each file onto the selected series (or, when it is refused there,
 * onto another open series that takes it); a file no series takes is
 * listed with the selected series' reason. Then compares (when the
 * analysis is done).
 */
export function importMaskFiles(files: readonly MaskFileInput[]): Promise<void> {
  reading = reading.then(() => readNow(files), () => readNow(files));
  return reading;
}

/** One import at a time, for the same reason. */
let reading: Promise<void> = Promise.resolve();

async function readNow(files: readonly MaskFileInput[]): Promise<void> {
  for (const f of files) {
    maskImportStore.setState((s) => ({ reading: s.reading + 1 }));
    try {
      const state = appStore.getState();
      const ids = [state.selectedSeriesId, ...state.series.map((s) => s.id).filter((id) => id !== state.selectedSeriesId)];
      let reason = 'no series is open to put it on';
      let done = false;
      for (const [k, id] of ids.entries()) {
        const source = segSourceOf(state, id);
        if (!source || !id) continue;
        const buffer = f.source instanceof ArrayBuffer ? f.source.slice(0) : await f.source.arrayBuffer();
        const r = await maskFileClient.importMasks({ bytes: new Uint8Array(buffer), fileName: f.name, source });
        if (!r.ok) {
          if (k === 0) reason = r.reason;
          continue;
        }
        const id2 = `import-${nextId++}`;
        importPlanes.set(id2, r.planes);
        const m: MaskImport = {
          id: id2,
          seriesId: id,
          fileName: f.name,
          format: r.format,
          note: r.note,
          segments: r.segments.map((s, j) => ({ ...s, color: IMPORT_COLORS[j % IMPORT_COLORS.length], visible: true })),
          opacity: 0.45,
          comparison: null,
          comparing: false,
        };
        maskImportStore.setState((s) => ({ imports: [...s.imports, m] }));
        done = true;
        break;
      }
      if (!done) maskImportStore.setState((s) => ({ refused: [...s.refused, { fileName: f.name, reason }] }));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      maskImportStore.setState((s) => ({ refused: [...s.refused, { fileName: f.name, reason }] }));
    } finally {
      maskImportStore.setState((s) => ({ reading: s.reading - 1 }));
    }
  }
  await compareImports();
}

/** One comparison at a time (a new request would cancel the running one in the worker). */
let comparing: Promise<void> = Promise.resolve();

/** Compares every import of the selected series that has no comparison with its current analysis run (when that run is done). */
export function compareImports(): Promise<void> {
  comparing = comparing.then(compareNow, compareNow);
  return comparing;
}

async function compareNow(): Promise<void> {
  const state = appStore.getState();
  const r = state.analysisResults;
  if (!r || state.analysis.phase !== 'done' || r.seriesId !== state.selectedSeriesId) return;
  const volume = volumeCache.get(r.seriesId);
  if (!volume) return;
  for (const m of maskImportStore.getState().imports) {
    if (m.seriesId !== r.seriesId || m.comparing || m.comparison?.runId === r.runId) continue;
    const planes = importPlanes.get(m.id);
    const ours = analysisMasksForSeg(appStore.getState());
    if (!planes || !ours) continue;
    update(m.id, (x) => ({ ...x, comparing: true }));
    try {
      const result = await maskCompareClient.compare({
        geometry: geometryOf(volume),
        ours,
        theirs: { segments: m.segments.map(({ name, code, voxels }) => ({ name, code, voxels })), planes: planes.map((p) => p.slice()) },
      });
      update(m.id, (x) => ({ ...x, comparing: false, comparison: { runId: r.runId, result } }));
    } catch (e) {
      update(m.id, (x) => ({ ...x, comparing: false, comparison: { runId: r.runId, error: e instanceof Error ? e.message : String(e) } }));
    }
  }
}

/** The imports shown over the selected series. */
export function importsOfSeries(s: MaskImportState, seriesId: string | null): MaskImport[] {
  return s.imports.filter((m) => m.seriesId === seriesId);
}

/** Compares again whenever an analysis run of the selected series finishes. */
appStore.subscribe((s, prev) => {
  if (s.analysis.phase === 'done' && (prev.analysis.phase !== 'done' || s.analysisResults !== prev.analysisResults)) void compareImports();
});
