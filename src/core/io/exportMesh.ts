/**
 * What the mesh exporters (STL, OBJ, glTF binary) take, and the small
 * helpers they share: input checks, a growing ASCII byte buffer and a
 * compact decimal formatter.
 *
 * Cost: the checks are O(indices); the ASCII buffer doubles when full
 * (amortised O(1) per byte).
 */
import type { Mesh } from '../mesh/mesh';

/** An indexed triangle mesh in patient LPS millimetres; normals (unit, per vertex) are optional. */
export type ExportMesh = Pick<Mesh, 'positionsMm' | 'indices'> & { normals?: Float32Array };

/** Throws a RangeError when the arrays do not describe a triangle mesh. */
export function checkExportMesh(mesh: ExportMesh): { vertices: number; triangles: number } {
  const { positionsMm, indices, normals } = mesh;
  if (positionsMm.length % 3 !== 0) throw new RangeError('mesh export: positions are not x, y, z triples');
  if (indices.length % 3 !== 0) throw new RangeError('mesh export: indices are not triangles');
  const vertices = positionsMm.length / 3;
  if (normals && normals.length !== positionsMm.length) throw new RangeError('mesh export: one normal per vertex expected');
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >= vertices) throw new RangeError(`mesh export: index ${indices[i]} beyond ${vertices} vertices`);
  }
  return { vertices, triangles: indices.length / 3 };
}

/** Append-only ASCII text buffer (characters outside 0..127 become '?'). */
export class AsciiBuffer {
  private bytes: Uint8Array;
  private length = 0;

  constructor(initialBytes = 1 << 16) {
    this.bytes = new Uint8Array(Math.max(16, initialBytes));
  }

  write(text: string): void {
    const n = text.length;
    if (this.length + n > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < this.length + n) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    const b = this.bytes;
    let o = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      b[o++] = c < 128 ? c : 63;
    }
    this.length = o;
  }

  /** The text written so far (a copy trimmed to its length). */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Decimal text of x rounded to `digits` decimals, without trailing zeros or "-0" (e.g. 12.5, -0.0312, 0). */
export function formatDecimal(x: number, digits: number): string {
  const scale = 10 ** digits;
  const r = Math.round(x * scale) / scale;
  return r === 0 ? '0' : String(r);
}
