import { describe, expect, it } from 'vitest';
import { writeStlBinary } from '../../../src/core/io/stl';
import { tetrahedron } from './meshFixtures';

function parseStl(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = String.fromCharCode(...bytes.subarray(0, 80));
  const count = v.getUint32(80, true);
  const tris: { normal: number[]; corners: number[][]; attr: number }[] = [];
  for (let t = 0; t < count; t++) {
    const o = 84 + 50 * t;
    const f = (k: number) => v.getFloat32(o + 4 * k, true);
    tris.push({
      normal: [f(0), f(1), f(2)],
      corners: [
        [f(3), f(4), f(5)],
        [f(6), f(7), f(8)],
        [f(9), f(10), f(11)],
      ],
      attr: v.getUint16(o + 48, true),
    });
  }
  return { header, count, tris };
}

describe('writeStlBinary', () => {
  it('writes 84 + 50 bytes per triangle, a header not starting with "solid", and the triangle count', () => {
    const mesh = tetrahedron();
    const bytes = writeStlBinary(mesh);
    expect(bytes.length).toBe(84 + 50 * 4);
    const stl = parseStl(bytes);
    expect(stl.count).toBe(4);
    expect(stl.header.startsWith('solid')).toBe(false);
    expect(parseStl(writeStlBinary(mesh, { header: 'solid lung' })).header.startsWith('solid')).toBe(false);
  });

  it('stores the corners of every triangle in order and unit facet normals pointing outward', () => {
    const mesh = tetrahedron();
    const stl = parseStl(writeStlBinary(mesh));
    const centroid = [0, 1, 2].map((k) => (mesh.positionsMm[k] + mesh.positionsMm[3 + k] + mesh.positionsMm[6 + k] + mesh.positionsMm[9 + k]) / 4);
    stl.tris.forEach((tri, t) => {
      for (let j = 0; j < 3; j++) {
        const vi = mesh.indices[3 * t + j];
        expect(tri.corners[j]).toEqual(Array.from(mesh.positionsMm.subarray(3 * vi, 3 * vi + 3)));
      }
      expect(Math.hypot(...tri.normal)).toBeCloseTo(1, 6);
      const faceCentre = [0, 1, 2].map((k) => (tri.corners[0][k] + tri.corners[1][k] + tri.corners[2][k]) / 3);
      const outward = [0, 1, 2].reduce((s, k) => s + tri.normal[k] * (faceCentre[k] - centroid[k]), 0);
      expect(outward).toBeGreaterThan(0);
      expect(tri.attr).toBe(0);
    });
  });

  it('gives a zero normal to a degenerate triangle and handles an empty mesh', () => {
    const p = new Float32Array([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const stl = parseStl(writeStlBinary({ positionsMm: p, indices: new Uint32Array([0, 1, 2]) }));
    expect(stl.tris[0].normal).toEqual([0, 0, 0]);
    expect(writeStlBinary({ positionsMm: new Float32Array(0), indices: new Uint32Array(0) }).length).toBe(84);
  });

  it('rejects indices beyond the vertices', () => {
    expect(() => writeStlBinary({ positionsMm: new Float32Array(9), indices: new Uint32Array([0, 1, 3]) })).toThrow(RangeError);
  });
});
