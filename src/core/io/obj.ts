/**
 * Wavefront OBJ writer (text).
 *
 * Variant: the plain geometry subset of the OBJ format (Wavefront Advanced
 * Visualizer): one object, `v x y z` per vertex, `vn x y z` per vertex
 * normal when the mesh has normals, and `f a//a b//b c//c` (or `f a b c`)
 * per triangle with 1-based indices, in the stored (outward,
 * counter-clockwise) winding. No materials. Units: millimetres, patient LPS
 * axes (stated in a comment line). Positions are written with 4 decimals
 * (0.1 µm), normals with 5.
 *
 * Cost: O(vertices + triangles) time; output about 30 bytes per vertex and
 * per normal and 30-40 per triangle.
 */
import { AsciiBuffer, checkExportMesh, formatDecimal, type ExportMesh } from './exportMesh';

export interface ObjOptions {
  /** Object name (`o` line); default "lungview". */
  name?: string;
  /** Extra comment lines at the top. */
  comments?: string[];
}

export function writeObj(mesh: ExportMesh, opts: ObjOptions = {}): Uint8Array {
  const { vertices, triangles } = checkExportMesh(mesh);
  const p = mesh.positionsMm;
  const n = mesh.normals;
  const out = new AsciiBuffer(64 + vertices * (n ? 60 : 30) + triangles * 30);
  out.write('# lungview OBJ export\n# units: millimetres, patient LPS axes (x to the left, y to the back, z to the head)\n');
  for (const c of opts.comments ?? []) out.write(`# ${c.replace(/[\r\n]+/g, ' ')}\n`);
  out.write(`# ${vertices} vertices, ${triangles} triangles\n`);
  out.write(`o ${(opts.name ?? 'lungview').replace(/\s+/g, '_')}\n`);
  const BLOCK = 4096; // lines per string handed to the buffer
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) out.write(lines.join('\n') + '\n');
    lines = [];
  };
  for (let i = 0; i < vertices; i++) {
    lines.push(`v ${formatDecimal(p[3 * i], 4)} ${formatDecimal(p[3 * i + 1], 4)} ${formatDecimal(p[3 * i + 2], 4)}`);
    if (lines.length === BLOCK) flush();
  }
  if (n) {
    for (let i = 0; i < vertices; i++) {
      lines.push(`vn ${formatDecimal(n[3 * i], 5)} ${formatDecimal(n[3 * i + 1], 5)} ${formatDecimal(n[3 * i + 2], 5)}`);
      if (lines.length === BLOCK) flush();
    }
  }
  const idx = mesh.indices;
  for (let t = 0; t < triangles; t++) {
    const a = idx[3 * t] + 1;
    const b = idx[3 * t + 1] + 1;
    const c = idx[3 * t + 2] + 1;
    lines.push(n ? `f ${a}//${a} ${b}//${b} ${c}//${c}` : `f ${a} ${b} ${c}`);
    if (lines.length === BLOCK) flush();
  }
  flush();
  return out.toBytes();
}
