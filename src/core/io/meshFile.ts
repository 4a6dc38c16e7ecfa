/**
 * A mesh export file (binary STL, OBJ, glTF binary) from a mesh or from the
 * mask it is the surface of: what the page asks its export worker for, so
 * that the page never builds a large file itself (a real lung surface has
 * millions of triangles, 50 bytes each in binary STL). The surface of a mask is made by mesh/surface.ts with
 * the analysis' step and smoothing, so an export is triangle for triangle
 * the surface the analysis made.
 *
 * Cost: the surface (when made from a mask) plus one pass over the mesh per
 * writer; memory: the mesh and the file bytes.
 */
import { heightColors } from '../mesh/heightColors';
import type { Mesh } from '../mesh/mesh';
import { fullMesh, surface } from '../mesh/surface';
import type { Mask } from '../volume/volume';
import { writeGlb } from './glb';
import { writeObj } from './obj';
import { writeStlBinary } from './stl';

export type MeshFormat = 'stl' | 'obj' | 'glb';
export const MESH_FORMATS: readonly MeshFormat[] = ['stl', 'obj', 'glb'];

export const MESH_MIME: Record<MeshFormat, string> = {
  stl: 'model/stl',
  obj: 'model/obj',
  glb: 'model/gltf-binary',
};

export interface MeshFileOptions {
  /** Name inside the file (OBJ object, GLB node, STL header). */
  name: string;
  /** GLB only: per-vertex RGB (e.g. height colours) or one colour (#rrggbb). */
  vertexColors?: Float32Array;
  color?: string;
}

/** sRGB #rrggbb to linear RGBA (glTF base colours are linear). */
export function cssToLinearRgba(css: string): [number, number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(css.trim());
  const n = m ? parseInt(m[1], 16) : 0xcccccc;
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return [lin((n >> 16) & 255), lin((n >> 8) & 255), lin(n & 255), 1];
}

/** The bytes of `mesh` in `format`. */
export function meshFileBytes(mesh: Mesh, format: MeshFormat, opts: MeshFileOptions): Uint8Array {
  switch (format) {
    case 'stl':
      return writeStlBinary(mesh, { header: `lungview ${opts.name}, binary STL, mm, patient LPS` });
    case 'obj':
      return writeObj(mesh, { name: opts.name.replace(/\s+/g, '_') });
    case 'glb':
      return writeGlb(mesh, {
        name: opts.name,
        colors: opts.vertexColors,
        baseColor: opts.vertexColors ? undefined : cssToLinearRgba(opts.color ?? '#cccccc'),
      });
  }
}

/** A mesh to write: as it is, or the surface of a mask made with the analysis' step and smoothing. */
export type MeshFileSource = { mesh: Mesh } | { mask: Mask; stepSize: number; smoothIterations: number };

export interface MeshFileRequest {
  source: MeshFileSource;
  format: MeshFormat;
  name: string;
  /** GLB: 'height' for per-vertex colours by patient z, else one #rrggbb colour. */
  colour: 'height' | string;
}

/** The file of a request (see MeshFileRequest). */
export function meshFile(req: MeshFileRequest): Uint8Array {
  const src = req.source;
  const mesh = 'mesh' in src
    ? src.mesh
    : fullMesh(surface(src.mask, { stepSize: src.stepSize, smoothIterations: src.smoothIterations, volume: false }));
  const byHeight = req.format === 'glb' && req.colour === 'height';
  return meshFileBytes(mesh, req.format, {
    name: req.name,
    vertexColors: byHeight ? heightColors(mesh, 'z') : undefined,
    color: byHeight ? undefined : req.colour,
  });
}
