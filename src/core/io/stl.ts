/**
 * Binary STL writer.
 *
 * Variant: the binary STL layout (3D Systems, 1989): an 80-byte header
 * (ours starts with "lungview", never with "solid", which some readers take
 * for ASCII STL), a little-endian uint32 triangle count, then 50 bytes per
 * triangle: the facet normal, the three corners (float32 x, y, z each) and a
 * zero uint16 attribute. STL has no units; positions are written in
 * millimetres (patient LPS), the usual convention for STL. Facet normals are
 * computed from the corners (right-hand rule on the stored winding, unit
 * length; degenerate triangles get 0, 0, 0): STL stores no vertex normals.
 *
 * Cost: O(triangles) time; output 84 + 50 * triangles bytes.
 */
import { checkExportMesh, type ExportMesh } from './exportMesh';

export interface StlOptions {
  /** Text for the 80-byte header (ASCII, cut to 80 bytes). */
  header?: string;
}

export function writeStlBinary(mesh: ExportMesh, opts: StlOptions = {}): Uint8Array {
  const { triangles } = checkExportMesh(mesh);
  const out = new Uint8Array(84 + 50 * triangles);
  const v = new DataView(out.buffer);
  const header = opts.header ?? 'lungview binary STL, units mm (patient LPS)';
  const text = header.startsWith('solid') ? `lungview ${header}` : header;
  for (let i = 0; i < Math.min(80, text.length); i++) {
    const c = text.charCodeAt(i);
    out[i] = c >= 32 && c < 127 ? c : 63;
  }
  for (let i = text.length; i < 80; i++) out[i] = 32;
  v.setUint32(80, triangles, true);
  const p = mesh.positionsMm;
  const idx = mesh.indices;
  let o = 84;
  for (let t = 0; t < triangles; t++) {
    const a = idx[3 * t] * 3;
    const b = idx[3 * t + 1] * 3;
    const c = idx[3 * t + 2] * 3;
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const wx = p[c] - p[a], wy = p[c + 1] - p[a + 1], wz = p[c + 2] - p[a + 2];
    let nx = uy * wz - uz * wy;
    let ny = uz * wx - ux * wz;
    let nz = ux * wy - uy * wx;
    const len = Math.sqrt(nx * nx + ny * ny + nz * nz);
    if (len > 0) {
      nx /= len;
      ny /= len;
      nz /= len;
    } else {
      nx = ny = nz = 0;
    }
    v.setFloat32(o, nx, true);
    v.setFloat32(o + 4, ny, true);
    v.setFloat32(o + 8, nz, true);
    v.setFloat32(o + 12, p[a], true);
    v.setFloat32(o + 16, p[a + 1], true);
    v.setFloat32(o + 20, p[a + 2], true);
    v.setFloat32(o + 24, p[b], true);
    v.setFloat32(o + 28, p[b + 1], true);
    v.setFloat32(o + 32, p[b + 2], true);
    v.setFloat32(o + 36, p[c], true);
    v.setFloat32(o + 40, p[c + 1], true);
    v.setFloat32(o + 44, p[c + 2], true);
    // attribute byte count: 0 (already zero)
    o += 50;
  }
  return out;
}
