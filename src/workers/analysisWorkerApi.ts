/**
 * The functions the analysis worker exposes: each stage of the analysis
 * calls the core (segmentLungs, clustering, mesh, split) on the volume kept
 * under an id, and hands its masks and meshes back as transferred buffers.
 * Kept apart from analysis.worker.ts so tests call it directly, or expose it
 * on any message port.
 *
 * Memory in the worker: the volume (2 B/voxel) while a stage needs it; every
 * mask as runs only (O(runs): 8 bytes per row segment, a few MB even for a
 * 512 x 512 x 1000 volume), since the voxel masks themselves go to the
 * caller without a copy. Surfaces are made from the runs two voxel planes at
 * a time (marchingCubesOfRuns), into output arrays sized from the runs; a
 * surface decimated for display is dropped here once decimated (only the
 * drawn mesh goes to the caller). The split works on the runs and makes its
 * labels as runs per label (1 B/voxel only while it erodes touching lungs
 * apart, freed before it returns); densitometry reads those runs and the HU
 * (no label volume, no second split); whole-volume
 * GK paints a voxel mask (1 B/voxel) for as long as it runs. Temporaries this file
 * allocates are freed when the stage ends (ArrayBuffer transfer(0)), not at
 * the next GC.
 */
import * as Comlink from 'comlink';
import { lungLabelsFromRuns } from '../core/analysis/internalMask';
import { densitometryStage, gkMaskRuns, gkStage, inclusiveStage, internalStage, segmentStage, splitStage, trustStage } from '../core/analysis/stages';
import { compactRuns, runBuffers, runVoxelCount } from '../core/segmentation/runs';
import type { SplitLabelRuns } from '../core/segmentation/splitAirwayAndLungs';
import type { DensitometryParams } from '../core/analysis/densitometry';
import { surfaceStage } from '../core/analysis/surfaceStage';
import { freeNow } from '../core/memory/freeNow';
import type { Mesh } from '../core/mesh/mesh';
import type { RunSet } from '../core/segmentation/runs';
import { geometryOf, voxelVolumeMm3, type VolumeGeometry } from '../core/volume/volume';
import type {
  AnalysisMasksState,
  AnalysisMeshKind,
  AnalysisWorkerApi,
  DensitometryOutput,
  GkOutput,
  GkRunParams,
  InternalOutput,
  MeasureOutput,
  MeasureParams,
  MeshOutput,
  MeshRunParams,
  SegmentOutput,
  SegmentParams,
  SplitOutput,
  StageProgressCallback,
} from './analysisApi';
import { masksStateBuffers } from './analysisMasks';
import { runsHuHistogram } from '../core/segmentation/huHistogram';

/** A mask kept as runs, on its own grid (the GK mask covers only some slices). */
interface RunMask {
  geometry: VolumeGeometry;
  runs: RunSet;
}

interface Session {
  id: string;
  geometry: VolumeGeometry;
  /** The HU values (owned by the worker), null when the masks were imported without them. */
  hu: Int16Array | null;
  fill?: RunSet;
  noFill?: RunSet;
  internal?: RunSet;
  gk?: RunMask;
  /** The segment stage's parameters (the trust check judges its mask with them). */
  segment?: SegmentParams;
  /** The mask the split, densitometry and lung surface use (the `measure` stage's choice); the filled mask until then. */
  measured?: RunSet;
  /** The split's labels as runs per label (null: it failed, `splitReason` says why); undefined until the split ran. */
  sides?: SplitLabelRuns | null;
  splitReason?: string;
}

const now: () => number = () => performance.now();

/** Progress at most every 1 % (or when the step changes): each report is a message. */
function throttled(cb: StageProgressCallback | undefined): StageProgressCallback {
  if (!cb) return () => undefined;
  let lastF = -1;
  let lastStep: string | undefined;
  return (f, step) => {
    if (f >= 1 || f - lastF >= 0.01 || step !== lastStep) {
      lastF = f;
      lastStep = step;
      void cb(Math.min(1, Math.max(0, f)), step);
    }
  };
}

/** Closes a progress proxy's channel, when called through Comlink. */
function releaseCallback(cb: StageProgressCallback | undefined): void {
  (cb as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy]?.();
}

function meshBuffers(m: Mesh): ArrayBuffer[] {
  return [m.positionsMm.buffer as ArrayBuffer, m.indices.buffer as ArrayBuffer, m.normals.buffer as ArrayBuffer];
}

/** A fresh API with its own state (one per worker; tests make their own). */
export function createAnalysisWorkerApi(): AnalysisWorkerApi {
  const sessions = new Map<string, Session>();

  function session(id: string): Session {
    const s = sessions.get(id);
    if (!s) throw new Error(`no volume loaded under id "${id}"`);
    return s;
  }

  function need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`${what} is not computed yet`);
    return value;
  }

  /** The split of the measured mask with runs per label, kept in the session (or why it failed). */
  function splitInto(s: Session, report: StageProgressCallback): ReturnType<typeof splitStage> {
    const lungs = s.measured ?? need(s.fill, 'the lung mask');
    s.sides = undefined;
    const r = splitStage(s.geometry, lungs, { withRuns: true, onProgress: report });
    s.sides = r.ok ? r.runs : null;
    s.splitReason = r.ok ? undefined : r.reason;
    return r;
  }

  function needHu(s: Session): Int16Array {
    if (!s.hu) throw new Error(`the HU values of "${s.id}" are not here (masks only); send the volume again`);
    return s.hu;
  }

  return {
    loadVolume(id, volume, keepResults = false) {
      const held = sessions.get(id);
      if (keepResults && held) {
        if (held.hu) freeNow(held.hu);
        held.hu = volume.hu;
        return;
      }
      for (const s of sessions.values()) if (s.hu) freeNow(s.hu);
      sessions.clear();
      sessions.set(id, { id, geometry: geometryOf(volume), hu: volume.hu });
    },

    release(id) {
      const s = sessions.get(id);
      if (s?.hu) freeNow(s.hu);
      sessions.delete(id);
    },

    exportMasks(id) {
      const s = session(id);
      const out: AnalysisMasksState = {
        geometry: s.geometry, fill: s.fill, noFill: s.noFill, internal: s.internal, gk: s.gk, segment: s.segment, measured: s.measured, sides: s.sides, splitReason: s.splitReason,
      };
      if (s.hu) freeNow(s.hu);
      sessions.delete(id);
      return Comlink.transfer(out, masksStateBuffers(out));
    },

    importMasks(id, masks) {
      for (const s of sessions.values()) if (s.hu) freeNow(s.hu);
      sessions.clear();
      sessions.set(id, {
        id, geometry: masks.geometry, hu: null, fill: masks.fill, noFill: masks.noFill, internal: masks.internal, gk: masks.gk, segment: masks.segment, measured: masks.measured,
        sides: masks.sides, splitReason: masks.splitReason,
      });
    },

    segment(id: string, params: SegmentParams, onProgress?: StageProgressCallback): SegmentOutput {
      const s = session(id);
      const hu = needHu(s);
      const t0 = now();
      const report = throttled(onProgress);
      s.fill = s.noFill = s.internal = s.gk = s.measured = s.sides = s.splitReason = undefined;
      // Runs only (sagittal and coronal stacks segmented in axial order, the runs back on this grid).
      const { runs } = segmentStage({ ...s.geometry, hu }, params, { onProgress: report });
      s.fill = runs.fill;
      s.noFill = runs.noFill;
      s.segment = params;
      const ml = voxelVolumeMm3(s.geometry) / 1000;
      const fillVoxels = runs.voxels.fill;
      const noFillVoxels = runs.voxels.noFill;
      // Both masks as one label array for the caller, painted from the runs (no voxel mask of either is made); the worker keeps the runs.
      const { nx, ny, nz } = s.geometry;
      const labels = lungLabelsFromRuns(runs, new Uint8Array(nx * ny * nz));
      report(1);
      releaseCallback(onProgress);
      const out: SegmentOutput = {
        labels,
        voxels: { fill: fillVoxels, noFill: noFillVoxels },
        ml: { fill: fillVoxels * ml, noFill: noFillVoxels * ml },
        ms: now() - t0,
      };
      return Comlink.transfer(out, [out.labels.buffer as ArrayBuffer]);
    },

    internal(id: string, onProgress?: StageProgressCallback): InternalOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const noFill = need(s.noFill, 'the lung mask');
      const hu = needHu(s);
      const report = throttled(onProgress);
      report(0, 'internal structures');
      // fill − noFill as runs (the caller has it in the label array); voxels in noFill but not in fill would be −1.
      const inner = internalStage(s.geometry, { fill, noFill });
      s.internal = inner.internal.runs;
      const voxels = inner.voxels.internal;
      const minusOneVoxels = inner.internal.minusOneVoxels;
      report(0.5, 'lung HU histogram');
      const histogram = runsHuHistogram(hu, fill);
      report(0.75, 'trust check');
      const segment = need(s.segment, 'the segment parameters');
      const trust = trustStage({ ...s.geometry, hu }, fill, segment.thresholdHu, segment);
      report(1);
      releaseCallback(onProgress);
      const out: InternalOutput = {
        voxels,
        ml: (voxels * voxelVolumeMm3(s.geometry)) / 1000,
        minusOneVoxels,
        histogram,
        trust,
        ms: now() - t0,
      };
      return out;
    },

    gk(id: string, params: GkRunParams, onProgress?: StageProgressCallback): GkOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const hu = needHu(s);
      const g = s.geometry;
      const report = throttled(onProgress);
      const r = gkStage({ ...g, hu }, fill, params, { onProgress: report });
      const out: GkOutput = { ...r, ms: 0 };
      s.gk = gkMaskRuns(g, r);
      report(1);
      releaseCallback(onProgress);
      out.ms = now() - t0;
      return Comlink.transfer(out, [out.mask.buffer as ArrayBuffer]);
    },

    mesh(id: string, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): MeshOutput {
      const s = session(id);
      const t0 = now();
      const source: RunMask =
        kind === 'lung'
          ? { geometry: s.geometry, runs: s.measured ?? need(s.fill, 'the lung mask') }
          : kind === 'internal'
            ? { geometry: s.geometry, runs: need(s.internal, 'the internal-structures mask') }
            : need(s.gk, 'the GK mask');
      const report = throttled(onProgress);
      // Straight from the runs, two voxel planes at a time: no voxel mask of the whole grid. A decimated
      // surface's full mesh is dropped in the stage: nobody keeps it (exports make it again from the mask).
      const m = surfaceStage(source, params, { colours: true, keepFull: false, onProgress: report });
      const drawn = (m.display ?? m.full) as Mesh;
      const colours = m.heightColors as Float32Array;
      const out: MeshOutput = {
        kind,
        full: m.full,
        display: m.display,
        heightColors: colours,
        triangles: m.triangles,
        vertices: m.vertices,
        displayTriangles: m.displayTriangles,
        areaMm2: m.areaMm2,
        volumeMl: m.volumeMl,
        ms: now() - t0,
      };
      report(1);
      releaseCallback(onProgress);
      return Comlink.transfer(out, [...meshBuffers(drawn), colours.buffer as ArrayBuffer]);
    },

    split(id: string, onProgress?: StageProgressCallback): SplitOutput {
      const s = session(id);
      const t0 = now();
      const report = throttled(onProgress);
      const r = splitInto(s, report);
      report(1);
      releaseCallback(onProgress);
      const ms = now() - t0;
      if (!r.ok || !r.runs) return { ok: false, reason: r.ok ? 'the split made no labels' : r.reason, airwayMl: r.airwayMl, ms };
      // Copies for the page (it ORs them into its lung label array); the worker keeps its own for densitometry.
      const runs = { right: compactRuns(r.runs.right), left: compactRuns(r.runs.left), airway: compactRuns(r.runs.airway) };
      const out: SplitOutput = {
        ok: true,
        airwayMl: r.airwayMl,
        rightLungMl: r.rightLungMl,
        leftLungMl: r.leftLungMl,
        erosionMm: r.erosionMm,
        airwaySlices: r.airwaySlices,
        notes: r.notes,
        runs,
        ms,
      };
      return Comlink.transfer(out, [...runBuffers(runs.right), ...runBuffers(runs.left), ...runBuffers(runs.airway)]);
    },

    densitometry(id: string, params: DensitometryParams, onProgress?: StageProgressCallback): DensitometryOutput {
      const s = session(id);
      const t0 = now();
      const hu = needHu(s);
      const report = throttled(onProgress);
      // The split's runs per label, kept since the split stage (made now only if it did not run): no label volume.
      if (s.sides === undefined) splitInto(s, (f, step) => report(f * 0.5, step));
      report(0.5, 'densitometry');
      const sides = s.sides ?? null;
      const result = sides ? densitometryStage({ ...s.geometry, hu }, { ok: true, runs: sides }, params) : null;
      report(1);
      releaseCallback(onProgress);
      return { result, reason: sides ? null : s.splitReason ?? 'the split failed', ms: now() - t0 };
    },

    measure(id: string, params: MeasureParams, onProgress?: StageProgressCallback): MeasureOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const noFill = need(s.noFill, 'the lung mask');
      const report = throttled(onProgress);
      let inclusive: MeasureOutput['inclusive'] = null;
      // A new mask measured: the split of the old one goes.
      s.sides = s.splitReason = undefined;
      if (params.lungMask === 'inclusive') {
        const r = inclusiveStage({ ...s.geometry, hu: needHu(s) }, fill, params.inclusive, { onProgress: report });
        inclusive = { voxels: r.voxels, notes: r.notes, fieldOfView: { cut: r.fieldOfView.cut, reason: r.fieldOfView.reason } };
        s.measured = r.runs;
      } else {
        s.measured = params.lungMask === 'fill' ? fill : noFill;
      }
      report(1);
      releaseCallback(onProgress);
      const voxels = inclusive ? inclusive.voxels.inclusive : runVoxelCount(s.measured);
      const runs = compactRuns(s.measured);
      const out: MeasureOutput = { lungMask: params.lungMask, runs, voxels, ml: (voxels * voxelVolumeMm3(s.geometry)) / 1000, inclusive, ms: now() - t0 };
      return Comlink.transfer(out, runBuffers(runs));
    },
  };
}
