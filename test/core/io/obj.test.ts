import { describe, expect, it } from 'vitest';
import { writeObj } from '../../../src/core/io/obj';
import { tetrahedron } from './meshFixtures';

function parseObj(bytes: Uint8Array) {
  const text = new TextDecoder().decode(bytes);
  const v: number[][] = [];
  const vn: number[][] = [];
  const f: string[][] = [];
  let name = '';
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[0] === 'v') v.push(parts.slice(1).map(Number));
    else if (parts[0] === 'vn') vn.push(parts.slice(1).map(Number));
    else if (parts[0] === 'f') f.push(parts.slice(1));
    else if (parts[0] === 'o') name = parts[1];
  }
  return { text, v, vn, f, name };
}

describe('writeObj', () => {
  it('writes vertices, normals and 1-based faces that reference both', () => {
    const mesh = tetrahedron();
    const obj = parseObj(writeObj(mesh, { name: 'lung fill' }));
    expect(obj.name).toBe('lung_fill');
    expect(obj.v.length).toBe(4);
    expect(obj.vn.length).toBe(4);
    expect(obj.f.length).toBe(4);
    obj.v.forEach((p, i) => p.forEach((x, k) => expect(x).toBeCloseTo(mesh.positionsMm[3 * i + k], 4)));
    obj.vn.forEach((n, i) => n.forEach((x, k) => expect(x).toBeCloseTo(mesh.normals[3 * i + k], 5)));
    obj.f.forEach((face, t) => {
      face.forEach((corner, j) => {
        const [vi, ti, ni] = corner.split('/');
        expect(ti).toBe('');
        expect(Number(vi)).toBe(mesh.indices[3 * t + j] + 1);
        expect(Number(ni)).toBe(Number(vi));
      });
    });
    expect(obj.text).toMatch(/units: millimetres/);
  });

  it('writes plain "f a b c" faces without normals', () => {
    const { positionsMm, indices } = tetrahedron();
    const obj = parseObj(writeObj({ positionsMm, indices }));
    expect(obj.vn.length).toBe(0);
    expect(obj.f.map((face) => face.map(Number))).toEqual([
      [1, 3, 2],
      [1, 2, 4],
      [1, 4, 3],
      [2, 3, 4],
    ]);
  });

  it('keeps all lines when the mesh spans several internal blocks', () => {
    const n = 10000;
    const positionsMm = Float32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 0 ? i / 3 : i % 3 === 1 ? -0.5 : 1234.5678));
    const indices = Uint32Array.from({ length: 3 * (n - 2) }, (_, i) => Math.floor(i / 3) + (i % 3));
    const obj = parseObj(writeObj({ positionsMm, indices }));
    expect(obj.v.length).toBe(n);
    expect(obj.f.length).toBe(n - 2);
    expect(obj.v[n - 1]).toEqual([n - 1, -0.5, 1234.5677]); // float32 1234.5678 is 1234.5677490234375
    expect(obj.f[n - 3].map(Number)).toEqual([n - 2, n - 1, n]);
  });
});
