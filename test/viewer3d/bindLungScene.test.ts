import { describe, expect, it } from 'vitest';
import type { Mesh } from '../../src/core/mesh/mesh';
import type { Vec3 } from '../../src/core/volume/volume';
import { MeshCache, type MeshKind, type MeshMeta } from '../../src/state/meshCache';
import { createAppStore } from '../../src/state/store';
import { LOD_MIN_TRIANGLES, LOD_TRIANGLES, bindLungScene, styleFromSettings } from '../../src/ui/view3d/bindLungScene';
import type { LungScene } from '../../src/viewer3d/lungScene';
import type { MeshInput, MeshStyle } from '../../src/viewer3d/sceneContent';
import { summary } from '../state/fixtures';
import { ballMesh } from './meshFixtures';

type Call =
  | ['setMesh', string, MeshInput | null, MeshStyle]
  | ['setStyle', string, MeshStyle]
  | ['setMarker', Vec3 | null]
  | ['resetCamera']
  | ['setLod', string, Mesh, MeshInput | null];

/** A scene that records what it is asked to do. */
function fakeScene(): { scene: LungScene; calls: Call[] } {
  const calls: Call[] = [];
  const scene = {
    setMesh: (k: string, i: MeshInput | null, s: MeshStyle) => calls.push(['setMesh', k, i, s]),
    setStyle: (k: string, s: MeshStyle) => calls.push(['setStyle', k, s]),
    setMarker: (p: Vec3 | null) => calls.push(['setMarker', p]),
    resetCamera: () => calls.push(['resetCamera']),
    setLod: (k: string, m: Mesh, i: MeshInput | null) => calls.push(['setLod', k, m, i]),
  } as unknown as LungScene;
  return { scene, calls };
}

function meta(kind: MeshKind, id: string, seriesId: string): MeshMeta {
  return { id, kind, seriesId, triangles: 10, vertices: 7, displayTriangles: 10, decimated: false, areaMm2: 1, volumeMl: 1 };
}

function loadedStore() {
  const store = createAppStore();
  store.getState().beginLoad('t', 0);
  store.getState().finishLoad([summary('s1', 20), summary('s2', 30)], [], [], 1);
  store.getState().selectSeries('s1');
  return store;
}

describe('bindLungScene', () => {
  it('hands a new mesh to the scene once, re-frames on the frame kind, and only restyles on settings changes', () => {
    const store = loadedStore();
    const cache = new MeshCache();
    const { scene, calls } = fakeScene();
    const b = bindLungScene(scene, store, cache, { kinds: ['lung', 'internal'], frameKind: 'lung' });
    calls.length = 0;
    const mesh = ballMesh();
    cache.set('m1', { mesh });
    store.getState().setMesh('lung', meta('lung', 'm1', 's1'));
    const sets = calls.filter((c) => c[0] === 'setMesh');
    expect(sets).toHaveLength(1);
    expect(sets[0][1]).toBe('lung');
    expect((sets[0][2] as MeshInput).mesh).toBe(mesh);
    expect(calls.some((c) => c[0] === 'resetCamera')).toBe(true);

    calls.length = 0;
    store.getState().setView3d({ colorMode: 'height' });
    expect(calls.filter((c) => c[0] === 'setMesh')).toHaveLength(0);
    const restyled = calls.find((c) => c[0] === 'setStyle' && c[1] === 'lung') as ['setStyle', string, MeshStyle];
    expect(restyled[2].colorMode).toBe('height');
    expect(calls.some((c) => c[0] === 'resetCamera')).toBe(false);

    // A new internal mesh does not move the camera.
    calls.length = 0;
    cache.set('m2', { mesh: ballMesh(10, 3) });
    store.getState().setMesh('internal', meta('internal', 'm2', 's1'));
    expect(calls.filter((c) => c[0] === 'setMesh').map((c) => c[1])).toEqual(['internal']);
    expect(calls.some((c) => c[0] === 'resetCamera')).toBe(false);
    b.unbind();
  });

  it('ignores a mesh of another series and removes the shown mesh when the series changes', () => {
    const store = loadedStore();
    const cache = new MeshCache();
    cache.set('m1', { mesh: ballMesh() });
    store.getState().setMesh('lung', meta('lung', 'm1', 's2'));
    const { scene, calls } = fakeScene();
    const b = bindLungScene(scene, store, cache, { kinds: ['lung'] });
    expect(calls.find((c) => c[0] === 'setMesh')![2]).toBeNull();
    store.getState().setMesh('lung', meta('lung', 'm1', 's1'));
    expect((calls.filter((c) => c[0] === 'setMesh').at(-1)![2] as MeshInput).mesh).toBe(cache.get('m1')!.mesh);
    calls.length = 0;
    store.getState().selectSeries('s2');
    expect(calls.filter((c) => c[0] === 'setMesh').map((c) => c[2])).toEqual([null]);
    b.unbind();
  });

  it('shows nothing for a mesh id that is not in the cache', () => {
    const store = loadedStore();
    const { scene, calls } = fakeScene();
    const b = bindLungScene(scene, store, new MeshCache(), { kinds: ['lung'] });
    calls.length = 0;
    store.getState().setMesh('lung', meta('lung', 'missing', 's1'));
    expect(calls.filter((c) => c[0] === 'setMesh')).toHaveLength(0);
    b.unbind();
  });

  it('moves the marker with the picked point and stops listening after unbind', () => {
    const store = loadedStore();
    const { scene, calls } = fakeScene();
    const b = bindLungScene(scene, store, new MeshCache(), { kinds: ['lung'] });
    calls.length = 0;
    store.getState().setPickedPoint({ voxel: [1, 2, 3], patientMm: [10, 20, 30] });
    expect(calls).toContainEqual(['setMarker', [10, 20, 30]]);
    b.unbind();
    calls.length = 0;
    store.getState().setPickedPoint(null);
    store.getState().setView3d({ showEdges: true });
    expect(calls).toEqual([]);
  });

  it('reads each kind\'s style from the shared settings', () => {
    const v = createAppStore().getState().view3d;
    expect(styleFromSettings('lung', v)).toEqual({
      visible: v.visible.lung, color: v.colors.lung, opacity: v.opacity.lung, colorMode: v.colorMode, showEdges: v.showEdges,
    });
    expect(styleFromSettings('lung', v).opacity).toBeLessThan(1);
    expect(styleFromSettings('internal', v).opacity).toBe(1);
  });
});

describe('bindLungScene: coarse copies', () => {
  /** A mesh with `n` triangles (one triangle repeated: only the count matters here). */
  function meshWith(n: number): Mesh {
    return {
      positionsMm: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]),
      normals: new Float32Array(9),
      indices: new Uint32Array(n * 3).map((_, i) => i % 3),
    };
  }

  it('asks for a coarse copy of large meshes only, and hands it to the scene while the mesh is shown', async () => {
    const store = loadedStore();
    const cache = new MeshCache();
    const { scene, calls } = fakeScene();
    const asked: [Mesh, number][] = [];
    const coarse: MeshInput = { mesh: ballMesh(8, 2) };
    const b = bindLungScene(scene, store, cache, {
      kinds: ['lung', 'internal'],
      makeLod: (m, t) => {
        asked.push([m, t]);
        return Promise.resolve(coarse);
      },
    });
    const big = meshWith(LOD_MIN_TRIANGLES + 1);
    cache.set('big', { mesh: big });
    cache.set('small', { mesh: meshWith(LOD_MIN_TRIANGLES) });
    store.getState().setMesh('lung', meta('lung', 'big', 's1'));
    store.getState().setMesh('internal', meta('internal', 'small', 's1'));
    await Promise.resolve();
    expect(asked).toEqual([[big, LOD_TRIANGLES]]);
    expect(calls.filter((c) => c[0] === 'setLod')).toEqual([['setLod', 'lung', big, coarse]]);
    b.unbind();
  });

  it('drops a coarse copy that arrives after its mesh was replaced or the view closed', async () => {
    const store = loadedStore();
    const cache = new MeshCache();
    const { scene, calls } = fakeScene();
    let resolve: (v: MeshInput) => void = () => undefined;
    const b = bindLungScene(scene, store, cache, {
      kinds: ['lung'],
      makeLod: () => new Promise<MeshInput>((r) => (resolve = r)),
    });
    cache.set('a', { mesh: meshWith(LOD_MIN_TRIANGLES + 5) });
    cache.set('b', { mesh: ballMesh() });
    store.getState().setMesh('lung', meta('lung', 'a', 's1'));
    const late = resolve;
    store.getState().setMesh('lung', meta('lung', 'b', 's1'));
    late({ mesh: ballMesh(8, 2) });
    await Promise.resolve();
    expect(calls.some((c) => c[0] === 'setLod')).toBe(false);

    store.getState().setMesh('lung', meta('lung', 'a', 's1'));
    b.unbind();
    resolve({ mesh: ballMesh(8, 2) });
    await Promise.resolve();
    expect(calls.some((c) => c[0] === 'setLod')).toBe(false);
  });
});
