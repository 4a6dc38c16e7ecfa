/**
 * Colour per vertex by height, through the diverging red-white-blue map the
 * tutorial's plotly surface uses (matplotlib `RdBu`: the 11-class ColorBrewer
 * RdBu scheme of Brewer, Harrower et al., interpolated linearly): the lowest
 * vertex is dark red, the middle near white, the highest dark blue. The
 * tutorial colours each face by the mean height of its corners; per-vertex
 * colours interpolated by the renderer give the same picture without
 * duplicating vertices. A single colour (the tutorial's `single_color`) is
 * the viewer's business.
 *
 * Cost: two passes over the vertices; output 3 Float32 per vertex.
 */
import type { Mesh } from './mesh';

/** ColorBrewer RdBu, 11 classes, as RGB in [0, 1], from t = 0 (red) to t = 1 (blue). */
const RDBU: ReadonlyArray<readonly [number, number, number]> = [
  [0x67, 0x00, 0x1f], [0xb2, 0x18, 0x2b], [0xd6, 0x60, 0x4d], [0xf4, 0xa5, 0x82], [0xfd, 0xdb, 0xc7],
  [0xf7, 0xf7, 0xf7], [0xd1, 0xe5, 0xf0], [0x92, 0xc5, 0xde], [0x43, 0x93, 0xc3], [0x21, 0x66, 0xac],
  [0x05, 0x30, 0x61],
].map(([r, g, b]) => [r / 255, g / 255, b / 255] as const);

/** The RdBu colour at t in [0, 1] (clamped), written into out[o..o+2]. */
export function rdBu(t: number, out: Float32Array | number[] = [0, 0, 0], o = 0): Float32Array | number[] {
  const u = (t < 0 ? 0 : t > 1 ? 1 : t) * (RDBU.length - 1);
  const i = Math.min(Math.floor(u), RDBU.length - 2);
  const f = u - i;
  const a = RDBU[i], b = RDBU[i + 1];
  out[o] = a[0] + (b[0] - a[0]) * f;
  out[o + 1] = a[1] + (b[1] - a[1]) * f;
  out[o + 2] = a[2] + (b[2] - a[2]) * f;
  return out;
}

export type HeightAxis = 'x' | 'y' | 'z';

/**
 * RGB per vertex (Float32Array, 3 per vertex, in [0, 1]) from the vertex
 * coordinate along `axis` (patient mm; 'z' is head-ward in LPS), scaled from
 * the mesh's minimum (red) to maximum (blue). A flat mesh gets the middle colour.
 */
export function heightColors(mesh: Pick<Mesh, 'positionsMm'>, axis: HeightAxis = 'z'): Float32Array {
  const p = mesh.positionsMm;
  const k = axis === 'x' ? 0 : axis === 'y' ? 1 : 2;
  const n = p.length / 3;
  const out = new Float32Array(n * 3);
  let lo = Infinity, hi = -Infinity;
  for (let i = k; i < p.length; i += 3) {
    if (p[i] < lo) lo = p[i];
    if (p[i] > hi) hi = p[i];
  }
  const range = hi - lo;
  const scale = range > 0 ? 1 / range : 0;
  for (let v = 0; v < n; v++) rdBu(range > 0 ? (p[v * 3 + k] - lo) * scale : 0.5, out, v * 3);
  return out;
}
