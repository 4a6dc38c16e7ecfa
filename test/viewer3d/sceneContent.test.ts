import { describe, expect, it } from 'vitest';
import type { BufferGeometry, Material, Mesh as ThreeMesh, Object3D } from 'three';
import { heightColors } from '../../src/core/mesh/heightColors';
import type { Mesh } from '../../src/core/mesh/mesh';
import { EDGE_TRIANGLE_LIMIT, SceneContent, type MeshStyle } from '../../src/viewer3d/sceneContent';
import { lpsToWorld } from '../../src/viewer3d/patientFrame';
import { ballMesh } from './meshFixtures';

const STYLE: MeshStyle = { visible: true, color: '#e8a87c', opacity: 1, colorMode: 'single', showEdges: false };

interface Tracked {
  geometries: Set<BufferGeometry>;
  materials: Set<Material>;
  disposed: Set<object>;
}

/** Every geometry and material under `root`, with a listener that records their dispose(). */
function track(root: Object3D, t: Tracked = { geometries: new Set(), materials: new Set(), disposed: new Set() }): Tracked {
  root.traverse((o) => {
    const m = o as ThreeMesh;
    if (!m.isMesh) return;
    if (!t.geometries.has(m.geometry)) {
      t.geometries.add(m.geometry);
      m.geometry.addEventListener('dispose', () => t.disposed.add(m.geometry));
    }
    for (const mat of Array.isArray(m.material) ? m.material : [m.material]) {
      if (t.materials.has(mat)) continue;
      t.materials.add(mat);
      mat.addEventListener('dispose', () => t.disposed.add(mat));
    }
  });
  return t;
}

function surfaceOf(content: SceneContent, kind: string): ThreeMesh<BufferGeometry, Material & { transparent: boolean; depthWrite: boolean; vertexColors: boolean }> {
  const found = content.root.getObjectByName(`${kind}-surface`);
  if (!found) throw new Error(`no ${kind} surface`);
  return found as never;
}

describe('SceneContent: geometry from worker buffers', () => {
  it('uses the mesh arrays as attribute arrays without copying them', () => {
    const mesh = ballMesh();
    const c = new SceneContent();
    c.setMesh('lung', { mesh }, STYLE);
    const g = surfaceOf(c, 'lung').geometry;
    expect(g.getAttribute('position').array).toBe(mesh.positionsMm);
    expect(g.getAttribute('normal').array).toBe(mesh.normals);
    expect(g.getIndex()!.array).toBe(mesh.indices);
    expect(c.meshTriangles('lung')).toBe(mesh.indices.length / 3);
    c.dispose();
  });

  it('puts the bounding sphere of a mesh at its LPS centre mapped to world', () => {
    const mesh = ballMesh(12, 4, [10, 20, 30]);
    const c = new SceneContent();
    c.setMesh('lung', { mesh }, STYLE);
    const b = c.bounds()!;
    const expected = lpsToWorld([10 + 5.5, 20 + 5.5, 30 + 5.5]);
    for (let k = 0; k < 3; k++) expect(b.centre[k]).toBeCloseTo(expected[k], 3);
    expect(b.radius).toBeGreaterThan(4);
    expect(b.radius).toBeLessThan(6);
    c.dispose();
  });

  it('has no bounds without meshes', () => {
    const c = new SceneContent();
    expect(c.bounds()).toBeNull();
    c.dispose();
  });
});

describe('SceneContent: disposal', () => {
  it('replacing a mesh disposes the old geometry and material and keeps the counts constant', () => {
    const c = new SceneContent();
    c.setMesh('lung', { mesh: ballMesh() }, STYLE);
    const before = c.resourceCounts();
    const t = track(c.root);
    const oldGeometry = surfaceOf(c, 'lung').geometry;
    const oldMaterial = surfaceOf(c, 'lung').material;
    for (let i = 0; i < 5; i++) c.setMesh('lung', { mesh: ballMesh(12, 3 + (i % 2)) }, STYLE);
    expect(t.disposed.has(oldGeometry)).toBe(true);
    expect(t.disposed.has(oldMaterial)).toBe(true);
    expect(c.resourceCounts()).toEqual(before);
    // Exactly one lung surface is in the scene graph.
    let surfaces = 0;
    c.root.traverse((o) => (surfaces += o.name === 'lung-surface' ? 1 : 0));
    expect(surfaces).toBe(1);
    c.dispose();
  });

  it('setting the same buffers again keeps the geometry', () => {
    const mesh = ballMesh();
    const c = new SceneContent();
    c.setMesh('lung', { mesh }, STYLE);
    const g = surfaceOf(c, 'lung').geometry;
    c.setMesh('lung', { mesh }, { ...STYLE, color: '#00ff00' });
    expect(surfaceOf(c, 'lung').geometry).toBe(g);
    c.dispose();
  });

  it('removing a mesh (null) disposes its geometry, surface material and edge material', () => {
    const c = new SceneContent();
    c.setMesh('crop', { mesh: ballMesh() }, { ...STYLE, showEdges: true });
    const t = track(c.root);
    expect(t.geometries.size).toBe(2); // crop + marker
    expect(t.materials.size).toBe(3); // surface, edges, marker
    c.setMesh('crop', null, STYLE);
    expect(c.hasMesh('crop')).toBe(false);
    expect(t.disposed.size).toBe(3); // geometry (shared by surface and edges) + 2 materials
    c.dispose();
  });

  it('dispose() disposes every geometry and material it made, the marker included', () => {
    const c = new SceneContent();
    c.setMesh('lung', { mesh: ballMesh() }, { ...STYLE, opacity: 0.35 });
    c.setMesh('internal', { mesh: ballMesh(10, 3) }, { ...STYLE, showEdges: true });
    c.setMesh('gk', { mesh: ballMesh(10, 2) }, { ...STYLE, colorMode: 'height' });
    c.setMarker([1, 2, 3]);
    const t = track(c.root);
    expect(t.geometries.size).toBe(4);
    expect(t.materials.size).toBe(5);
    c.dispose();
    for (const g of t.geometries) expect(t.disposed.has(g)).toBe(true);
    for (const m of t.materials) expect(t.disposed.has(m)).toBe(true);
    expect(() => c.setMarker(null)).toThrow(/after dispose/);
  });
});

describe('SceneContent: styles', () => {
  it('draws translucent meshes without depth writes and opaque ones with them', () => {
    const c = new SceneContent();
    c.setMesh('lung', { mesh: ballMesh() }, { ...STYLE, opacity: 0.35 });
    const m = surfaceOf(c, 'lung').material;
    expect(m.transparent).toBe(true);
    expect(m.depthWrite).toBe(false);
    expect(m.opacity).toBeCloseTo(0.35);
    c.setStyle('lung', { ...STYLE, opacity: 1 });
    expect(m.transparent).toBe(false);
    expect(m.depthWrite).toBe(true);
    c.dispose();
  });

  it('colours by density class from the mesh input, made once, and in its single colour without them', () => {
    const mesh = ballMesh();
    const density = new Float32Array(mesh.positionsMm.length).fill(0.25);
    let asked = 0;
    const c = new SceneContent();
    c.setMesh('lung', { mesh, densityColors: () => (asked++, density) }, STYLE);
    expect(asked).toBe(0);
    c.setStyle('lung', { ...STYLE, colorMode: 'density' });
    expect(surfaceOf(c, 'lung').geometry.getAttribute('color').array).toBe(density);
    expect(surfaceOf(c, 'lung').material.vertexColors).toBe(true);
    c.setStyle('lung', { ...STYLE, colorMode: 'height' });
    expect(Array.from(surfaceOf(c, 'lung').geometry.getAttribute('color').array as Float32Array)).toEqual(Array.from(heightColors(mesh, 'z')));
    c.setStyle('lung', { ...STYLE, colorMode: 'density' });
    expect(surfaceOf(c, 'lung').geometry.getAttribute('color').array).toBe(density);
    expect(asked).toBe(2);
    // No density colours (no volume): the single colour.
    c.setMesh('internal', { mesh: ballMesh(10, 3), densityColors: () => null }, { ...STYLE, colorMode: 'density' });
    expect(surfaceOf(c, 'internal').material.vertexColors).toBe(false);
    c.dispose();
  });

  it('colours by height from the cached colours when given, else from the core heightColors', () => {
    const mesh = ballMesh();
    const cached = new Float32Array(mesh.positionsMm.length).fill(0.5);
    const c = new SceneContent();
    c.setMesh('lung', { mesh, heightColors: cached }, { ...STYLE, colorMode: 'height' });
    expect(surfaceOf(c, 'lung').geometry.getAttribute('color').array).toBe(cached);
    expect(surfaceOf(c, 'lung').material.vertexColors).toBe(true);
    c.setMesh('internal', { mesh: ballMesh(10, 3) }, STYLE);
    expect(surfaceOf(c, 'internal').geometry.getAttribute('color')).toBeUndefined();
    c.setStyle('internal', { ...STYLE, colorMode: 'height' });
    const got = surfaceOf(c, 'internal').geometry.getAttribute('color').array as Float32Array;
    expect(Array.from(got)).toEqual(Array.from(heightColors(ballMesh(10, 3), 'z')));
    c.setStyle('internal', STYLE);
    expect(surfaceOf(c, 'internal').material.vertexColors).toBe(false);
    c.dispose();
  });

  it('hides a mesh that is switched off and leaves it out of the bounds and triangle count', () => {
    const c = new SceneContent();
    const a = ballMesh(12, 4, [0, 0, 0]);
    const b = ballMesh(12, 4, [200, 0, 0]);
    c.setMesh('lung', { mesh: a }, STYLE);
    c.setMesh('gk', { mesh: b }, STYLE);
    const both = c.bounds()!;
    c.setStyle('gk', { ...STYLE, visible: false });
    expect(surfaceOf(c, 'gk').visible).toBe(false);
    expect(c.visibleTriangles()).toBe(a.indices.length / 3);
    expect(c.bounds()!.radius).toBeLessThan(both.radius / 5);
    c.dispose();
  });

  it('draws triangle edges up to the triangle limit, and on the coarse copy above it', () => {
    const c = new SceneContent();
    c.setMesh('crop', { mesh: ballMesh() }, { ...STYLE, showEdges: true });
    expect(c.edgeState('crop')).toBe('on');
    expect(c.root.getObjectByName('crop-surface-edges')!.visible).toBe(true);
    // A mesh over the limit: one real triangle repeated (only the count matters here).
    const big: Mesh = {
      positionsMm: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]),
      normals: new Float32Array([0, 0, 1, 0, 0, 1, 0, 0, 1]),
      indices: new Uint32Array((EDGE_TRIANGLE_LIMIT + 1) * 3).map((_, i) => i % 3),
    };
    c.setMesh('lung', { mesh: big }, { ...STYLE, showEdges: true });
    expect(c.edgeState('lung')).toBe('too-large');
    expect(c.root.getObjectByName('lung-surface-edges')).toBeUndefined();
    // Once its coarse copy arrives, the large mesh shows that copy's edges; they go with the copy.
    const coarse = ballMesh();
    c.setLod('lung', big, { mesh: coarse });
    expect(c.edgeState('lung')).toBe('coarse');
    const edges = c.root.getObjectByName('lung-surface-edges') as unknown as { visible: boolean; geometry: { index: { count: number } } };
    expect(edges.visible).toBe(true);
    expect(edges.geometry.index.count).toBe(coarse.indices.length);
    c.setLod('lung', big, null);
    expect(c.edgeState('lung')).toBe('too-large');
    expect(c.root.getObjectByName('lung-surface-edges')).toBeUndefined();
    c.setStyle('crop', { ...STYLE, showEdges: false });
    expect(c.edgeState('crop')).toBe('off');
    expect(c.root.getObjectByName('crop-surface-edges')!.visible).toBe(false);
    c.dispose();
  });

  it('shows the picked point marker at the LPS point, sized to the scene', () => {
    const c = new SceneContent();
    c.setMesh('lung', { mesh: ballMesh(40, 15) }, STYLE);
    c.setMarker([3, 4, 5]);
    const marker = c.root.getObjectByName('picked-point')!;
    expect(marker.visible).toBe(true);
    expect(marker.position.toArray()).toEqual([3, 4, 5]);
    expect(marker.scale.x).toBeGreaterThan(0);
    expect(marker.scale.x).toBeLessThan(c.bounds()!.radius / 10);
    c.setMarker(null);
    expect(c.markerVisible()).toBe(false);
    c.dispose();
  });
});

describe('SceneContent: coarse copies for dragging', () => {
  it('draws the coarse copy instead of the mesh while interacting, with the same material', () => {
    const mesh = ballMesh(20, 8);
    const coarse = ballMesh(12, 4);
    const c = new SceneContent();
    c.setMesh('lung', { mesh }, { ...STYLE, showEdges: true });
    c.setLod('lung', mesh, { mesh: coarse });
    const full = surfaceOf(c, 'lung');
    const lod = c.root.getObjectByName('lung-surface-coarse') as ThreeMesh;
    const edges = c.root.getObjectByName('lung-surface-edges')!;
    expect(lod.material).toBe(full.material);
    expect([full.visible, lod.visible, edges.visible]).toEqual([true, false, true]);
    c.setInteracting(true);
    expect([full.visible, lod.visible, edges.visible]).toEqual([false, true, false]);
    expect(c.visibleTriangles()).toBe(coarse.indices.length / 3);
    c.setInteracting(false);
    expect([full.visible, lod.visible, edges.visible]).toEqual([true, false, true]);
    // Hidden meshes stay hidden in both states.
    c.setStyle('lung', { ...STYLE, visible: false });
    c.setInteracting(true);
    expect([full.visible, lod.visible]).toEqual([false, false]);
    c.dispose();
  });

  it('ignores a coarse copy that arrives after its mesh was replaced', () => {
    const first = ballMesh(20, 8);
    const second = ballMesh(20, 7);
    const c = new SceneContent();
    c.setMesh('lung', { mesh: first }, STYLE);
    c.setMesh('lung', { mesh: second }, STYLE);
    c.setLod('lung', first, { mesh: ballMesh(12, 4) });
    expect(c.hasLod('lung')).toBe(false);
    c.dispose();
  });

  it('disposes the coarse geometry with its mesh and colours it by height like the mesh', () => {
    const mesh = ballMesh(20, 8);
    const coarse = ballMesh(12, 4);
    const c = new SceneContent();
    c.setMesh('lung', { mesh }, { ...STYLE, colorMode: 'height' });
    const before = c.resourceCounts();
    c.setLod('lung', mesh, { mesh: coarse });
    expect(c.resourceCounts().geometries).toBe(before.geometries + 1);
    const lod = c.root.getObjectByName('lung-surface-coarse') as ThreeMesh;
    expect(lod.geometry.getAttribute('color')).toBeDefined();
    const t = track(c.root);
    c.setMesh('lung', { mesh: ballMesh(20, 7) }, STYLE);
    expect(t.disposed.has(lod.geometry)).toBe(true);
    expect(c.resourceCounts()).toEqual(before);
    c.dispose();
  });
});
