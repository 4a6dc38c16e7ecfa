/**
 * The functions the crop worker exposes: the surface of a crop window
 * (core cropMask / marchingCubes), its measures and its height colours; and
 * the full-resolution surface of a whole mask for an export (marching cubes
 * and Taubin smoothing, as the analysis worker makes it). Results are
 * returned as transferred buffers.
 */
import * as Comlink from 'comlink';
import { cropMask } from '../core/mesh/cropMask';
import { heightColors } from '../core/mesh/heightColors';
import { meshAreaMm2, meshVolumeMl, type Mesh } from '../core/mesh/mesh';
import { fullMesh, surface } from '../core/mesh/surface';
import type { Mask, Vec3 } from '../core/volume/volume';
import type { CropSurfaceRequest, CropSurfaceResult, CropWorkerApi, MaskSurfaceRequest } from './cropApi';

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

/**
 * The surface of a whole mask as the analysis worker makes it (marching
 * cubes, then Taubin smoothing when asked), with arrays that own their
 * buffers (pure; also called directly in tests).
 */
export function maskSurface(req: MaskSurfaceRequest): Mesh {
  return fullMesh(surface(req.mask, { stepSize: req.stepSize, smoothIterations: req.smoothIterations, trim: true, volume: false }));
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

export const cropWorkerApi: CropWorkerApi = {
  async cropSurface(req) {
    const r = cropSurface(req);
    return Comlink.transfer(r, transferables(r));
  },
  async maskSurface(req) {
    const m = maskSurface(req);
    return Comlink.transfer(m, [m.positionsMm.buffer as ArrayBuffer, m.indices.buffer as ArrayBuffer, m.normals.buffer as ArrayBuffer]);
  },
};
