import { describe, expect, it } from 'vitest';
import { writeGlb } from '../../../src/core/io/glb';
import { tetrahedron } from './meshFixtures';

interface Accessor {
  bufferView: number;
  componentType: number;
  count: number;
  type: string;
  min?: number[];
  max?: number[];
}
interface BufferView {
  buffer: number;
  byteOffset: number;
  byteLength: number;
  target?: number;
}

/** Independent GLB parser: header, both chunks, JSON and typed views on the BIN chunk. */
function parseGlb(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  const version = v.getUint32(4, true);
  const length = v.getUint32(8, true);
  const jsonLength = v.getUint32(12, true);
  const jsonType = v.getUint32(16, true);
  const jsonBytes = bytes.subarray(20, 20 + jsonLength);
  const jsonText = new TextDecoder().decode(jsonBytes);
  const gltf = JSON.parse(jsonText);
  const binStart = 20 + jsonLength;
  const hasBin = binStart < bytes.length;
  const binLength = hasBin ? v.getUint32(binStart, true) : 0;
  const binType = hasBin ? v.getUint32(binStart + 4, true) : 0;
  const bin = bytes.slice(binStart + 8, binStart + 8 + binLength);
  const read = (accessorIndex: number) => {
    const a: Accessor = gltf.accessors[accessorIndex];
    const view: BufferView = gltf.bufferViews[a.bufferView];
    const comps = { SCALAR: 1, VEC3: 3, VEC4: 4 }[a.type]!;
    const Ctor = a.componentType === 5126 ? Float32Array : Uint32Array;
    return new Ctor(bin.buffer, view.byteOffset, a.count * comps);
  };
  return { magic, version, length, jsonLength, jsonType, jsonBytes, jsonText, gltf, binLength, binType, bin, read };
}

describe('writeGlb', () => {
  it('writes a GLB header and two 4-byte aligned chunks whose lengths add up', () => {
    const bytes = writeGlb(tetrahedron());
    const g = parseGlb(bytes);
    expect(g.magic).toBe(0x46546c67);
    expect(g.version).toBe(2);
    expect(g.length).toBe(bytes.length);
    expect(g.jsonType).toBe(0x4e4f534a);
    expect(g.binType).toBe(0x004e4942);
    expect(g.jsonLength % 4).toBe(0);
    expect(g.binLength % 4).toBe(0);
    expect(12 + 8 + g.jsonLength + 8 + g.binLength).toBe(bytes.length);
    expect(g.gltf.asset.version).toBe('2.0');
    expect(g.gltf.buffers[0].byteLength).toBe(g.binLength);
  });

  it('stores POSITION in metres in the Y-up frame, NORMAL rotated the same way, and the indices', () => {
    const mesh = tetrahedron();
    const g = parseGlb(writeGlb(mesh));
    const prim = g.gltf.meshes[0].primitives[0];
    expect(prim.mode).toBe(4);
    const pos = g.read(prim.attributes.POSITION);
    const nrm = g.read(prim.attributes.NORMAL);
    const idx = g.read(prim.indices);
    expect(Array.from(idx)).toEqual(Array.from(mesh.indices));
    for (let i = 0; i < 4; i++) {
      const [x, y, z] = mesh.positionsMm.subarray(3 * i, 3 * i + 3);
      expect(pos[3 * i]).toBeCloseTo(x / 1000, 7);
      expect(pos[3 * i + 1]).toBeCloseTo(z / 1000, 7); // head is up
      expect(pos[3 * i + 2]).toBeCloseTo(-y / 1000, 7); // anterior is +Z
      const [nx, ny, nz] = mesh.normals.subarray(3 * i, 3 * i + 3);
      expect([nrm[3 * i], nrm[3 * i + 1], nrm[3 * i + 2]]).toEqual([nx, nz, -ny]);
    }
  });

  it('gives POSITION the exact min and max of the stored values, and every view lies inside the BIN chunk', () => {
    const g = parseGlb(writeGlb(tetrahedron()));
    const posAcc: Accessor = g.gltf.accessors[g.gltf.meshes[0].primitives[0].attributes.POSITION];
    const pos = g.read(g.gltf.meshes[0].primitives[0].attributes.POSITION);
    for (let k = 0; k < 3; k++) {
      const comp = Array.from({ length: posAcc.count }, (_, i) => pos[3 * i + k]);
      expect(posAcc.min![k]).toBe(Math.min(...comp));
      expect(posAcc.max![k]).toBe(Math.max(...comp));
    }
    for (const view of g.gltf.bufferViews as BufferView[]) {
      expect(view.byteOffset % 4).toBe(0);
      expect(view.byteOffset + view.byteLength).toBeLessThanOrEqual(g.binLength);
    }
  });

  it('adds COLOR_0 from per-vertex colours and can keep millimetres and LPS axes', () => {
    const mesh = tetrahedron();
    const colors = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5]);
    const g = parseGlb(writeGlb(mesh, { colors, units: 'mm', axes: 'lps', name: 'höhe' }));
    const prim = g.gltf.meshes[0].primitives[0];
    expect(g.gltf.accessors[prim.attributes.COLOR_0].type).toBe('VEC3');
    expect(Array.from(g.read(prim.attributes.COLOR_0))).toEqual(Array.from(colors));
    expect(Array.from(g.read(prim.attributes.POSITION))).toEqual(Array.from(mesh.positionsMm));
    expect(g.gltf.nodes[0].name).toBe('höhe');
    expect(g.gltf.materials[0].pbrMetallicRoughness.baseColorFactor).toEqual([1, 1, 1, 1]);
  });

  it('pads the JSON chunk with spaces to a multiple of 4 bytes', () => {
    // red components of 3, 4, 5 and 6 characters change the JSON length by one each
    const paddings = [0.5, 0.25, 0.125, 0.0625].map((red) => {
      const g = parseGlb(writeGlb(tetrahedron(), { baseColor: [red, 1, 1, 1] }));
      const text = g.jsonText;
      const pad = text.length - text.trimEnd().length;
      expect(text.slice(text.length - pad)).toBe(' '.repeat(pad));
      expect(g.jsonLength % 4).toBe(0);
      return pad;
    });
    expect(new Set(paddings).size).toBe(4); // 0, 1, 2 and 3 spaces in some order
  });

  it('omits NORMAL when the mesh has none and packs the views back to back', () => {
    const { positionsMm, indices } = tetrahedron();
    const g = parseGlb(writeGlb({ positionsMm, indices }));
    const prim = g.gltf.meshes[0].primitives[0];
    expect(prim.attributes.NORMAL).toBeUndefined();
    const views = g.gltf.bufferViews as BufferView[];
    expect(views.map((v) => [v.byteOffset, v.byteLength, v.target])).toEqual([
      [0, 48, 34962],
      [48, 48, 34963],
    ]);
    expect(g.binLength).toBe(96);
  });

  it('writes an empty scene for an empty mesh', () => {
    const g = parseGlb(writeGlb({ positionsMm: new Float32Array(0), indices: new Uint32Array(0) }));
    expect(g.gltf.meshes).toBeUndefined();
    expect(g.binLength).toBe(0);
    expect(g.length).toBe(12 + 8 + g.jsonLength);
  });
});
