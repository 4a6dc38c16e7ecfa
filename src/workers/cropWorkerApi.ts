/**
 * The functions the crop worker exposes: the surface of a crop window
 * (core cropMask / surface), its measures and its height colours; and the
 * export files (core/io/meshFile.ts: a mesh, or the full-resolution surface
 * of a mask made as the analysis makes it; NIfTI of a mask), so the page
 * never builds a large file itself. Results are returned as transferred
 * buffers.
 */
import * as Comlink from 'comlink';
import { compareSegmentations } from '../core/analysis/compareSegmentations';
import { segmentMasks, segmentsOfMeasured } from '../core/io/analysisSeg';
import { writeDicomSeg, type SegSegmentInput } from '../core/io/dicomSeg';
import { importMaskFile } from '../core/io/maskImport';
import { meshFile } from '../core/io/meshFile';
import { writeNiftiGz } from '../core/io/nifti';
import { cropMask } from '../core/mesh/cropMask';
import { heightColors } from '../core/mesh/heightColors';
import { meshAreaMm2, meshVolumeMl, type Mesh } from '../core/mesh/mesh';
import { fullMesh, surface } from '../core/mesh/surface';
import type { Mask, Vec3 } from '../core/volume/volume';
import type { AnalysisMasksForSeg, CropSurfaceRequest, CropSurfaceResult, CropWorkerApi, MaskImportOutput } from './cropApi';

/** The surface of a crop request (pure; also called directly in tests). */
export function cropSurface(req: CropSurfaceRequest): CropSurfaceResult {
  const t0 = performance.now();
  let mesh: Mesh;
  let offsetXyz: Vec3;
  let cropped: Mask;
  if (req.kind === 'hu') {
    const w = req.window;
    const data = new Uint8Array(w.hu.length);
    for (let i = 0; i < data.length; i++) data[i] = w.hu[i] >= req.thresholdHu ? 1 : 0;
    cropped = { nx: w.nx, ny: w.ny, nz: w.nz, spacingMmXyz: w.spacingMmXyz, originMm: w.originMm, directionXyz: w.directionXyz, data };
    mesh = fullMesh(surface(cropped, { stepSize: 1, trim: true, volume: false }));
    offsetXyz = req.offsetXyz;
  } else {
    const r = cropMask(req.mask, req.params);
    mesh = r.mesh;
    offsetXyz = r.offsetXyz;
    cropped = r.cropped;
  }
  let inside = 0;
  for (let i = 0; i < cropped.data.length; i++) inside += cropped.data[i] ? 1 : 0;
  return {
    mesh,
    heightColors: heightColors(mesh, 'z'),
    areaMm2: meshAreaMm2(mesh),
    volumeMl: meshVolumeMl(mesh),
    offsetXyz,
    windowDims: [cropped.nx, cropped.ny, cropped.nz],
    insideVoxels: inside,
    computeMs: performance.now() - t0,
  };
}

/** Buffers of a result that can be transferred (each owns its whole ArrayBuffer). */
function transferables(r: CropSurfaceResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of [r.mesh.positionsMm, r.mesh.indices, r.mesh.normals, r.heightColors]) {
    const b = a.buffer as ArrayBuffer;
    if (a.byteOffset === 0 && a.byteLength === b.byteLength && !out.includes(b)) out.push(b);
  }
  return out;
}

/** Segment k as bit k % 8 of planes[k >> 3]. */
export function packSegmentBits(masks: readonly Uint8Array[], voxels: number): Uint8Array[] {
  const planes: Uint8Array[] = [];
  masks.forEach((m, k) => {
    if (k % 8 === 0) planes.push(new Uint8Array(voxels));
    const plane = planes[k >> 3];
    const bit = 1 << (k & 7);
    for (let i = 0; i < voxels; i++) if (m[i]) plane[i] |= bit;
  });
  return planes;
}

/** Segment k of packed planes as a 0/1 mask. */
export function unpackSegmentBits(planes: readonly Uint8Array[], k: number): Uint8Array {
  const plane = planes[k >> 3];
  const bit = 1 << (k & 7);
  return Uint8Array.from(plane, (v) => ((v & bit) !== 0 ? 1 : 0));
}

function lungviewSegments(g: Parameters<typeof segmentsOfMeasured>[0], m: AnalysisMasksForSeg): SegSegmentInput[] {
  return segmentsOfMeasured(g, m.measured, { internal: m.internal, gk: m.gk, gkScope: m.gkScope });
}

export const cropWorkerApi: CropWorkerApi = {
  async cropSurface(req) {
    const r = cropSurface(req);
    return Comlink.transfer(r, transferables(r));
  },
  async meshFile(req) {
    const bytes = meshFile(req);
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  async niftiFile(req) {
    const bytes = writeNiftiGz(req.image, { description: req.description.slice(0, 79), level: 6 });
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  async segFile(req) {
    const bytes = writeDicomSeg({ source: req.source, segments: lungviewSegments(req.source.geometry, req) });
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
  async importMasks(req) {
    const r = importMaskFile(req.bytes, req.fileName, req.source);
    if (!r.ok) return r;
    const g = req.source.geometry;
    const planes = packSegmentBits(r.segments.map((s) => s.mask), g.nx * g.ny * g.nz);
    const out: MaskImportOutput = { ok: true, format: r.format, note: r.note, segments: r.segments.map(({ name, code, voxels }) => ({ name, code, voxels })), planes };
    return Comlink.transfer(out, planes.map((p) => p.buffer as ArrayBuffer));
  },
  async compare(req) {
    const ours = segmentMasks(lungviewSegments(req.geometry, req.ours));
    const theirs = req.theirs.segments.map((s, k) => ({ name: s.name, code: s.code, mask: unpackSegmentBits(req.theirs.planes, k) }));
    return compareSegmentations(ours, theirs, req.geometry);
  },
};
