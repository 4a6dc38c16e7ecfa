/**
 * glTF 2.0 binary (.glb) writer for one triangle mesh.
 *
 * Variant: the GLB container of the glTF 2.0 specification (Khronos): a
 * 12-byte header ("glTF", version 2, total length), a JSON chunk padded with
 * spaces to 4 bytes, and a BIN chunk padded with zeros to 4 bytes. One scene,
 * one node, one mesh with one triangle primitive: POSITION (float32 VEC3 with
 * min/max), NORMAL (float32 VEC3, when the mesh has normals), COLOR_0
 * (float32 VEC3 or VEC4, when colours are given) and uint32 indices; one
 * material (metallic 0, roughness 0.8; base colour white when vertex colours
 * are present, since glTF multiplies the two).
 *
 * Units and axes: glTF uses metres and a right-handed Y-up frame whose +Z is
 * the model's front. By default positions are converted from patient LPS mm
 * to metres (x 0.001) and rotated so that glTF +X = patient left (LPS +x),
 * +Y = head (LPS +z) and +Z = anterior (LPS -y): the patient stands up and
 * faces the viewer of a glTF viewer. The rotation keeps the winding, so
 * front faces stay counter-clockwise. `units: 'mm'` and `axes: 'lps'` keep the
 * input numbers.
 *
 * Cost: O(vertices + triangles) time; output about 24-40 bytes per vertex
 * and 12 per triangle plus the JSON (under 2 kB).
 */
import { checkExportMesh, type ExportMesh } from './exportMesh';

export interface GlbOptions {
  /** Per-vertex colours in [0, 1]: 3 (RGB) or 4 (RGBA) numbers per vertex. */
  colors?: Float32Array;
  /** Material base colour RGBA in [0, 1] (default light grey, or white with vertex colours). */
  baseColor?: [number, number, number, number];
  /** Draw both faces of each triangle (default false). */
  doubleSided?: boolean;
  /** Node and mesh name (default "lungview"). */
  name?: string;
  /** 'm' (default): millimetres scaled to metres, as glTF expects; 'mm': numbers kept. */
  units?: 'm' | 'mm';
  /** 'gltf' (default): LPS rotated into glTF's Y-up frame; 'lps': axes kept. */
  axes?: 'gltf' | 'lps';
}

const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a; // "JSON"
const CHUNK_BIN = 0x004e4942; // "BIN\0"
const FLOAT = 5126;
const UNSIGNED_INT = 5125;
const ARRAY_BUFFER = 34962;
const ELEMENT_ARRAY_BUFFER = 34963;
const TRIANGLES = 4;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export function writeGlb(mesh: ExportMesh, opts: GlbOptions = {}): Uint8Array {
  const { vertices, triangles } = checkExportMesh(mesh);
  const colors = opts.colors;
  let colorSize = 0;
  if (colors) {
    colorSize = vertices > 0 ? colors.length / vertices : 3;
    if (colorSize !== 3 && colorSize !== 4) throw new RangeError('glb: colors must hold 3 or 4 numbers per vertex');
  }
  const name = opts.name ?? 'lungview';
  const scale = (opts.units ?? 'm') === 'm' ? 0.001 : 1;
  const yUp = (opts.axes ?? 'gltf') === 'gltf';

  // Converted attributes (float32) and their ranges.
  const pos = new Float32Array(vertices * 3);
  const src = mesh.positionsMm;
  for (let i = 0; i < vertices; i++) {
    const x = src[3 * i], y = src[3 * i + 1], z = src[3 * i + 2];
    if (yUp) {
      pos[3 * i] = x * scale;
      pos[3 * i + 1] = z * scale;
      pos[3 * i + 2] = y === 0 ? 0 : -y * scale;
    } else {
      pos[3 * i] = x * scale;
      pos[3 * i + 1] = y * scale;
      pos[3 * i + 2] = z * scale;
    }
  }
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < pos.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      const v = pos[i + c];
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
  }
  let nrm: Float32Array | null = null;
  if (mesh.normals) {
    const n = mesh.normals;
    nrm = new Float32Array(vertices * 3);
    for (let i = 0; i < vertices; i++) {
      const x = n[3 * i], y = n[3 * i + 1], z = n[3 * i + 2];
      nrm[3 * i] = x;
      nrm[3 * i + 1] = yUp ? z : y;
      nrm[3 * i + 2] = yUp ? (y === 0 ? 0 : -y) : z;
    }
  }

  // Layout of the BIN chunk: every view starts on a 4-byte boundary.
  interface View {
    bytes: Uint8Array;
    target: number;
  }
  const views: View[] = [];
  const accessors: Record<string, unknown>[] = [];
  const attributes: Record<string, number> = {};
  const bytesOf = (a: Float32Array | Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const hasGeometry = vertices > 0 && triangles > 0;
  if (hasGeometry) {
    views.push({ bytes: bytesOf(pos), target: ARRAY_BUFFER });
    attributes.POSITION = accessors.length;
    accessors.push({ bufferView: views.length - 1, componentType: FLOAT, count: vertices, type: 'VEC3', min, max });
    if (nrm) {
      views.push({ bytes: bytesOf(nrm), target: ARRAY_BUFFER });
      attributes.NORMAL = accessors.length;
      accessors.push({ bufferView: views.length - 1, componentType: FLOAT, count: vertices, type: 'VEC3' });
    }
    if (colors) {
      views.push({ bytes: bytesOf(Float32Array.from(colors, (c) => (c < 0 ? 0 : c > 1 ? 1 : c))), target: ARRAY_BUFFER });
      attributes.COLOR_0 = accessors.length;
      accessors.push({ bufferView: views.length - 1, componentType: FLOAT, count: vertices, type: colorSize === 4 ? 'VEC4' : 'VEC3' });
    }
    views.push({ bytes: bytesOf(Uint32Array.from(mesh.indices)), target: ELEMENT_ARRAY_BUFFER });
    accessors.push({ bufferView: views.length - 1, componentType: UNSIGNED_INT, count: triangles * 3, type: 'SCALAR' });
  }
  let binLength = 0;
  const bufferViews = views.map((view) => {
    const entry = { buffer: 0, byteOffset: binLength, byteLength: view.bytes.length, target: view.target };
    binLength = pad4(binLength + view.bytes.length);
    return entry;
  });

  const baseColor = opts.baseColor ?? (colors ? [1, 1, 1, 1] : [0.8, 0.8, 0.8, 1]);
  const gltf: Record<string, unknown> = {
    asset: { version: '2.0', generator: 'lungview' },
    scene: 0,
    // An empty mesh gives an empty scene (glTF allows no accessor of count 0).
    scenes: hasGeometry ? [{ name, nodes: [0] }] : [{ name }],
  };
  if (hasGeometry) {
    gltf.nodes = [{ name, mesh: 0 }];
    gltf.meshes = [{ name, primitives: [{ attributes, indices: accessors.length - 1, material: 0, mode: TRIANGLES }] }];
    gltf.materials = [
      {
        name: `${name} material`,
        pbrMetallicRoughness: { baseColorFactor: baseColor, metallicFactor: 0, roughnessFactor: 0.8 },
        doubleSided: opts.doubleSided ?? false,
      },
    ];
    gltf.accessors = accessors;
    gltf.bufferViews = bufferViews;
    gltf.buffers = [{ byteLength: binLength }];
  }

  // JSON.stringify escapes lone surrogates, so the text is well-formed UTF-16.
  const jsonBytes = utf8(JSON.stringify(gltf));
  const jsonBytesLength = jsonBytes.length;
  const jsonChunk = pad4(jsonBytesLength);
  const total = 12 + 8 + jsonChunk + (hasGeometry ? 8 + binLength : 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, GLB_MAGIC, true);
  dv.setUint32(4, 2, true);
  dv.setUint32(8, total, true);
  dv.setUint32(12, jsonChunk, true);
  dv.setUint32(16, CHUNK_JSON, true);
  out.set(jsonBytes, 20);
  out.fill(0x20, 20 + jsonBytesLength, 20 + jsonChunk);
  if (hasGeometry) {
    const binStart = 20 + jsonChunk;
    dv.setUint32(binStart, binLength, true);
    dv.setUint32(binStart + 4, CHUNK_BIN, true);
    views.forEach((view, i) => out.set(view.bytes, binStart + 8 + bufferViews[i].byteOffset));
    // padding bytes are already zero
  }
  return out;
}

/** UTF-8 bytes of a well-formed string (names may hold any character). */
function utf8(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) {
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    } else {
      out[o++] = 0xf0 | (c >> 18);
      out[o++] = 0x80 | ((c >> 12) & 63);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    }
  }
  return out.slice(0, o);
}
