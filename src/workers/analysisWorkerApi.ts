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
 * drawn mesh goes to the caller). The split works on the runs and makes no
 * labels (1 B/voxel only while it erodes touching lungs apart); whole-volume
 * GK paints a voxel mask (1 B/voxel) for as long as it runs. Temporaries this file
 * allocates are freed when the stage ends (ArrayBuffer transfer(0)), not at
 * the next GC.
 */
import * as Comlink from 'comlink';
import { gkSliceRange } from '../core/analysis/analysisParams';
import { internalStructuresFromRuns, lungLabelsFromRuns, lungOnlyHuOfRuns } from '../core/analysis/internalMask';
import { gkSegmentSlices, gkSegmentVolume } from '../core/clustering/gkSegment';
import { decimateForDisplay } from '../core/mesh/decimateForDisplay';
import { heightColors } from '../core/mesh/heightColors';
import { marchingCubesOfRuns } from '../core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl, type Mesh } from '../core/mesh/mesh';
import { taubinSmooth } from '../core/mesh/taubinSmooth';
import { maskOfRuns, runsFromMask, runVoxelCount, type RunSet } from '../core/segmentation/runs';
import { axialRunsOf, segmentLungVariantRunsAnyOrientation } from '../core/segmentation/anyOrientation';
import { splitAirwayAndLungsOfRuns } from '../core/segmentation/splitAirwayAndLungs';
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type VolumeGeometry } from '../core/volume/volume';
import type {
  AnalysisMasksState,
  AnalysisMeshKind,
  AnalysisWorkerApi,
  GkOutput,
  GkRunParams,
  InternalOutput,
  MeshOutput,
  MeshRunParams,
  SegmentOutput,
  SegmentParams,
  SplitOutput,
  StageProgressCallback,
} from './analysisApi';
import { masksStateBuffers } from './analysisMasks';
import { freeNow } from './freeNow';
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

/**
 * The mesh with arrays that own exactly their bytes: marching cubes returns
 * views of generously sized buffers (their untouched tails hold no memory
 * pages, but the whole buffer would move to the caller and be counted, and
 * kept, there). Oversized buffers are copied to size and freed here.
 */
function trimmedMesh(m: Mesh): Mesh {
  const trim = <T extends Float32Array | Uint32Array>(a: T): T => {
    if (a.buffer.byteLength <= a.byteLength + (a.byteLength >> 3) + 65536) return a;
    const copy = a.slice() as T;
    freeNow(a);
    return copy;
  };
  return { positionsMm: trim(m.positionsMm), indices: trim(m.indices), normals: trim(m.normals) };
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
      const out: AnalysisMasksState = { geometry: s.geometry, fill: s.fill, noFill: s.noFill, internal: s.internal, gk: s.gk };
      if (s.hu) freeNow(s.hu);
      sessions.delete(id);
      return Comlink.transfer(out, masksStateBuffers(out));
    },

    importMasks(id, masks) {
      for (const s of sessions.values()) if (s.hu) freeNow(s.hu);
      sessions.clear();
      sessions.set(id, { id, geometry: masks.geometry, hu: null, fill: masks.fill, noFill: masks.noFill, internal: masks.internal, gk: masks.gk });
    },

    segment(id: string, params: SegmentParams, onProgress?: StageProgressCallback): SegmentOutput {
      const s = session(id);
      const hu = needHu(s);
      const t0 = now();
      const report = throttled(onProgress);
      s.fill = s.noFill = s.internal = s.gk = undefined;
      // Sagittal and coronal stacks are segmented in axial order; the runs come back on this grid.
      const runs = segmentLungVariantRunsAnyOrientation(
        { ...s.geometry, hu },
        { thresholdHu: params.thresholdHu, background: params.background, onProgress: (f, step) => report(f, step) },
      );
      s.fill = runs.fill;
      s.noFill = runs.noFill;
      const ml = voxelVolumeMm3(s.geometry) / 1000;
      const fillVoxels = runs.voxels?.fill ?? runVoxelCount(runs.fill);
      const noFillVoxels = runs.voxels?.noFill ?? runVoxelCount(runs.noFill);
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
      const inner = internalStructuresFromRuns(s.geometry, { fill, noFill });
      s.internal = inner.internal.runs;
      const voxels = inner.voxels.internal;
      const minusOneVoxels = inner.internal.minusOneVoxels;
      report(0.5, 'lung HU histogram');
      const histogram = runsHuHistogram(hu, fill);
      report(1);
      releaseCallback(onProgress);
      const out: InternalOutput = {
        voxels,
        ml: (voxels * voxelVolumeMm3(s.geometry)) / 1000,
        minusOneVoxels,
        histogram,
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
      const gkParams = { clusters: params.clusters, m: params.m, maxIter: params.maxIter, error: params.error, seed: params.seed };
      let out: GkOutput;
      let gkGeometry: VolumeGeometry;
      if (params.scope === 'volume') {
        report(0, 'clustering all lung voxels');
        const lung = maskOfRuns(fill, g);
        const r = gkSegmentVolume(hu, lung.data, gkParams);
        freeNow(lung.data);
        gkGeometry = geometryOf(g);
        out = {
          scope: 'volume',
          zFrom: 0,
          planes: g.nz,
          mask: r.mask,
          perSlice: [{ z: -1, centersHu: r.centers, keptValue: r.keptValue, keptPixels: r.keptPixels, iterations: r.iterations }],
          keptVoxels: r.keptPixels,
          ml: (r.keptPixels * voxelVolumeMm3(g)) / 1000,
          ms: 0,
        };
      } else {
        const slices = gkSliceRange(g, params.centreSlice, params.halfSlices);
        const zFrom = slices[0];
        const planes = slices.length;
        // The lung-only HU (HU inside the filled mask, 0 elsewhere) of the clustered slices only, from the runs.
        const lungHu = lungOnlyHuOfRuns(hu, fill, zFrom, planes);
        report(0, `clustering ${planes} slices`);
        const r = gkSegmentSlices(lungHu, g.nx, g.ny, 0, planes, gkParams, (done, total) => report(done / total, `slice ${done} of ${total}`));
        freeNow(lungHu);
        let kept = 0;
        for (const sl of r.slices) kept += sl.keptPixels;
        gkGeometry = { ...geometryOf(g), nz: planes, originMm: voxelToPatientMm(g, 0, 0, zFrom) };
        out = {
          scope: 'slices',
          zFrom,
          planes,
          mask: r.mask,
          perSlice: r.slices.map((sl) => ({
            z: sl.z + zFrom,
            centersHu: sl.centers,
            keptValue: sl.keptValue,
            keptPixels: sl.keptPixels,
            iterations: sl.iterations,
          })),
          keptVoxels: kept,
          ml: (kept * voxelVolumeMm3(g)) / 1000,
          ms: 0,
        };
      }
      s.gk = { geometry: gkGeometry, runs: runsFromMask(out.mask, gkGeometry) };
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
          ? { geometry: s.geometry, runs: need(s.fill, 'the lung mask') }
          : kind === 'internal'
            ? { geometry: s.geometry, runs: need(s.internal, 'the internal-structures mask') }
            : need(s.gk, 'the GK mask');
      const report = throttled(onProgress);
      const smooth = params.smoothIterations > 0;
      const mcShare = smooth ? 0.75 : 0.9;
      // Straight from the runs, two voxel planes at a time: no voxel mask of the whole grid.
      const mc = marchingCubesOfRuns(source.runs, source.geometry, {
        stepSize: params.stepSize,
        trim: false,
        onProgress: (f) => report(f * mcShare, 'marching cubes'),
      });
      let full: Mesh = { positionsMm: mc.positionsMm, indices: mc.indices, normals: mc.normals };
      if (smooth) {
        full = taubinSmooth(full, {
          iterations: params.smoothIterations,
          onProgress: (f) => report(mcShare + f * (0.9 - mcShare), 'smoothing'),
        });
      }
      // Trimmed before decimating (a copy only where an output buffer is much larger than its surface).
      full = trimmedMesh(full);
      const triangles = full.indices.length / 3;
      let display: Mesh | null = null;
      if (triangles > params.maxDisplayTriangles) {
        report(0.9, 'decimating for display');
        display = decimateForDisplay(full, params.maxDisplayTriangles).mesh;
      }
      const drawn = display ?? full;
      const colours = heightColors(drawn);
      const vertices = full.positionsMm.length / 3;
      const areaMm2 = meshAreaMm2(full);
      const volumeMl = meshVolumeMl(full);
      // A decimated surface's full mesh goes now: nobody keeps it (exports make it again from the mask).
      if (display) for (const a of [full.positionsMm, full.indices, full.normals]) freeNow(a);
      const out: MeshOutput = {
        kind,
        full: display ? null : full,
        display,
        heightColors: colours,
        triangles,
        vertices,
        displayTriangles: drawn.indices.length / 3,
        areaMm2,
        volumeMl,
        ms: now() - t0,
      };
      report(1);
      releaseCallback(onProgress);
      return Comlink.transfer(out, [...meshBuffers(drawn), colours.buffer as ArrayBuffer]);
    },

    split(id: string, onProgress?: StageProgressCallback): SplitOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const report = throttled(onProgress);
      // In axial order (the split follows the airway down the slices), from the runs; only its numbers are used, so no labels are made.
      const axial = axialRunsOf(fill, s.geometry);
      const r = splitAirwayAndLungsOfRuns(axial.runs, axial.geometry, { withLabels: false, onProgress: (f, step) => report(f, step) });
      report(1);
      releaseCallback(onProgress);
      const ms = now() - t0;
      if (!r.ok) return { ok: false, reason: r.reason, airwayMl: r.airwayMl, ms };
      return {
        ok: true,
        airwayMl: r.airwayMl,
        rightLungMl: r.rightLungMl,
        leftLungMl: r.leftLungMl,
        erosionMm: r.erosionMm,
        airwaySlices: r.airwaySlices,
        notes: r.notes,
        ms,
      };
    },
  };
}
