/**
 * The functions the analysis worker exposes: each stage of the analysis
 * calls the core (segmentLungs, clustering, mesh, split) on the volume kept
 * under an id, and hands its masks and meshes back as transferred buffers.
 * Kept apart from analysis.worker.ts so tests call it directly, or expose it
 * on any message port.
 *
 * Memory in the worker: the volume (2 B/voxel), the masks later stages need
 * (filled, unfilled, internal: 1 B/voxel each; GK: its planes), and a copy of
 * each mask while it is being transferred out.
 */
import * as Comlink from 'comlink';
import { gkSliceRange } from '../core/analysis/analysisParams';
import { gkSegmentSlices, gkSegmentVolume } from '../core/clustering/gkSegment';
import { decimateForDisplay } from '../core/mesh/decimateForDisplay';
import { heightColors } from '../core/mesh/heightColors';
import { marchingCubes } from '../core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl, type Mesh } from '../core/mesh/mesh';
import { taubinSmooth } from '../core/mesh/taubinSmooth';
import { internalStructures, maskVoxelCount, segmentLungVariants } from '../core/segmentation/segmentLungs';
import { splitAirwayAndLungs } from '../core/segmentation/splitAirwayAndLungs';
import { geometryOf, voxelToPatientMm, voxelVolumeMm3, type Mask, type Volume } from '../core/volume/volume';
import type {
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
import { maskedHuHistogram } from './analysisStats';

interface Session {
  id: string;
  volume: Volume;
  fill?: Mask;
  noFill?: Mask;
  internal?: Mask;
  gk?: Mask;
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

  return {
    loadVolume(id, volume) {
      sessions.clear();
      sessions.set(id, { id, volume });
    },

    release(id) {
      sessions.delete(id);
    },

    segment(id: string, params: SegmentParams, onProgress?: StageProgressCallback): SegmentOutput {
      const s = session(id);
      const t0 = now();
      const report = throttled(onProgress);
      s.fill = s.noFill = s.internal = s.gk = undefined;
      const masks = segmentLungVariants(s.volume, {
        thresholdHu: params.thresholdHu,
        background: params.background,
        onProgress: (f, step) => report(f, step),
      });
      s.fill = masks.fill;
      s.noFill = masks.noFill;
      const ml = voxelVolumeMm3(s.volume) / 1000;
      const fillVoxels = maskVoxelCount(masks.fill);
      const noFillVoxels = maskVoxelCount(masks.noFill);
      report(1);
      releaseCallback(onProgress);
      // The worker keeps its masks for the later stages; the caller gets copies.
      const out: SegmentOutput = {
        fill: masks.fill.data.slice(),
        noFill: masks.noFill.data.slice(),
        voxels: { fill: fillVoxels, noFill: noFillVoxels },
        ml: { fill: fillVoxels * ml, noFill: noFillVoxels * ml },
        ms: now() - t0,
      };
      return Comlink.transfer(out, [out.fill.buffer as ArrayBuffer, out.noFill.buffer as ArrayBuffer]);
    },

    internal(id: string, onProgress?: StageProgressCallback): InternalOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const noFill = need(s.noFill, 'the lung mask');
      const report = throttled(onProgress);
      report(0, 'internal structures');
      const internal = internalStructures(fill, noFill);
      s.internal = internal;
      report(0.5, 'lung HU histogram');
      const histogram = maskedHuHistogram(s.volume.hu, fill.data);
      const voxels = maskVoxelCount(internal);
      report(1);
      releaseCallback(onProgress);
      const out: InternalOutput = {
        internal: internal.data.slice(),
        voxels,
        ml: (voxels * voxelVolumeMm3(s.volume)) / 1000,
        minusOneVoxels: internal.minusOneVoxels,
        histogram,
        ms: now() - t0,
      };
      return Comlink.transfer(out, [out.internal.buffer as ArrayBuffer]);
    },

    gk(id: string, params: GkRunParams, onProgress?: StageProgressCallback): GkOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const vol = s.volume;
      const report = throttled(onProgress);
      const gkParams = { clusters: params.clusters, m: params.m, maxIter: params.maxIter, error: params.error, seed: params.seed };
      const plane = vol.nx * vol.ny;
      let out: GkOutput;
      let gkMask: Mask;
      if (params.scope === 'volume') {
        report(0, 'clustering all lung voxels');
        const r = gkSegmentVolume(vol.hu, fill.data, gkParams);
        gkMask = { ...geometryOf(vol), data: r.mask };
        out = {
          scope: 'volume',
          zFrom: 0,
          planes: vol.nz,
          mask: r.mask.slice(),
          perSlice: [{ z: -1, centersHu: r.centers, keptValue: r.keptValue, keptPixels: r.keptPixels, iterations: r.iterations }],
          keptVoxels: r.keptPixels,
          ml: (r.keptPixels * voxelVolumeMm3(vol)) / 1000,
          ms: 0,
        };
      } else {
        const slices = gkSliceRange(vol, params.centreSlice, params.halfSlices);
        const zFrom = slices[0];
        const planes = slices.length;
        // The lung-only HU (HU inside the filled mask, 0 elsewhere) of the clustered slices only.
        const lungHu = new Int16Array(planes * plane);
        const hu = vol.hu;
        const f = fill.data;
        for (let k = 0, src = zFrom * plane; k < lungHu.length; k++, src++) if (f[src] !== 0) lungHu[k] = hu[src];
        report(0, `clustering ${planes} slices`);
        const r = gkSegmentSlices(lungHu, vol.nx, vol.ny, 0, planes, gkParams, (done, total) => report(done / total, `slice ${done} of ${total}`));
        let kept = 0;
        for (const sl of r.slices) kept += sl.keptPixels;
        gkMask = { ...geometryOf(vol), nz: planes, originMm: voxelToPatientMm(vol, 0, 0, zFrom), data: r.mask };
        out = {
          scope: 'slices',
          zFrom,
          planes,
          mask: r.mask.slice(),
          perSlice: r.slices.map((sl) => ({
            z: sl.z + zFrom,
            centersHu: sl.centers,
            keptValue: sl.keptValue,
            keptPixels: sl.keptPixels,
            iterations: sl.iterations,
          })),
          keptVoxels: kept,
          ml: (kept * voxelVolumeMm3(vol)) / 1000,
          ms: 0,
        };
      }
      s.gk = gkMask;
      report(1);
      releaseCallback(onProgress);
      out.ms = now() - t0;
      return Comlink.transfer(out, [out.mask.buffer as ArrayBuffer]);
    },

    mesh(id: string, kind: AnalysisMeshKind, params: MeshRunParams, onProgress?: StageProgressCallback): MeshOutput {
      const s = session(id);
      const t0 = now();
      const mask =
        kind === 'lung' ? need(s.fill, 'the lung mask') : kind === 'internal' ? need(s.internal, 'the internal-structures mask') : need(s.gk, 'the GK mask');
      const report = throttled(onProgress);
      const smooth = params.smoothIterations > 0;
      const mcShare = smooth ? 0.75 : 0.9;
      const mc = marchingCubes(mask, { stepSize: params.stepSize, onProgress: (f) => report(f * mcShare, 'marching cubes') });
      let full: Mesh = { positionsMm: mc.positionsMm, indices: mc.indices, normals: mc.normals };
      if (smooth) {
        full = taubinSmooth(full, {
          iterations: params.smoothIterations,
          onProgress: (f) => report(mcShare + f * (0.9 - mcShare), 'smoothing'),
        });
      }
      const triangles = full.indices.length / 3;
      let display: Mesh | null = null;
      if (triangles > params.maxDisplayTriangles) {
        report(0.9, 'decimating for display');
        display = decimateForDisplay(full, params.maxDisplayTriangles).mesh;
      }
      const drawn = display ?? full;
      const colours = heightColors(drawn);
      const out: MeshOutput = {
        kind,
        full,
        display,
        heightColors: colours,
        triangles,
        vertices: full.positionsMm.length / 3,
        displayTriangles: drawn.indices.length / 3,
        areaMm2: meshAreaMm2(full),
        volumeMl: meshVolumeMl(full),
        ms: now() - t0,
      };
      report(1);
      releaseCallback(onProgress);
      const buffers = [...meshBuffers(full), colours.buffer as ArrayBuffer];
      if (display) buffers.push(...meshBuffers(display));
      return Comlink.transfer(out, buffers);
    },

    split(id: string, onProgress?: StageProgressCallback): SplitOutput {
      const s = session(id);
      const t0 = now();
      const fill = need(s.fill, 'the lung mask');
      const report = throttled(onProgress);
      const r = splitAirwayAndLungs(fill, { onProgress: (f, step) => report(f, step) });
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
