/**
 * Connects a lung scene to the store and the mesh cache, outside React:
 * when a mesh of one of `kinds` is replaced the scene gets the new buffers
 * (the old geometry is disposed there), when the 3D settings change only
 * the styles are updated, and the picked point moves the marker. A new mesh
 * of the `frameKind` (a new series or a new crop) re-frames the camera.
 * With `makeLod`, meshes above LOD_MIN_TRIANGLES also get a coarse copy
 * (LOD_TRIANGLES) for the scene to draw while it is dragged.
 */
import type { Mesh } from '../../core/mesh/mesh';
import type { Vec3 } from '../../core/volume/volume';
import type { MeshCache, MeshKind, MeshMeta } from '../../state/meshCache';
import type { AppState, AppStore, View3dSettings } from '../../state/store';
import type { LungScene } from '../../viewer3d/lungScene';
import type { MeshInput, MeshStyle } from '../../viewer3d/sceneContent';

/** Meshes with more triangles than this get a coarse copy for dragging. */
export const LOD_MIN_TRIANGLES = 60_000;
/** Triangles of that coarse copy. */
export const LOD_TRIANGLES = 40_000;

export interface BindLungSceneOptions {
  kinds: readonly MeshKind[];
  /** Mesh kind whose replacement resets the camera (default: the first of `kinds`). */
  frameKind?: MeshKind;
  /** Style of a kind from the settings (default: styleFromSettings). */
  styleFor?: (kind: MeshKind, settings: View3dSettings) => MeshStyle;
  /** Show the picked point (default true). */
  showMarker?: boolean;
  /** Makes the coarse copy of a large mesh (in a worker); without it there is none. */
  makeLod?: (mesh: Mesh, maxTriangles: number) => Promise<MeshInput>;
  /** RGB per vertex of a mesh (or its coarse copy) of a series for the 'density' colour mode, or null when it cannot be made. */
  densityColors?: (mesh: Mesh, seriesId: string) => Float32Array | null;
  /** RGB per vertex by lung label (right / left / airway) for the 'labels' colour mode, or null while there are no labels. */
  labelColors?: (mesh: Mesh, seriesId: string) => Float32Array | null;
}

/** The style of one mesh kind as the shared 3D settings describe it. */
export function styleFromSettings(kind: MeshKind, v: View3dSettings): MeshStyle {
  return {
    visible: v.visible[kind],
    color: v.colors[kind],
    opacity: v.opacity[kind],
    colorMode: v.colorMode,
    showEdges: v.showEdges,
  };
}

/** The mesh of `kind` that belongs to the selected series, or null. */
export function currentMeta(state: Pick<AppState, 'meshes' | 'selectedSeriesId'>, kind: MeshKind): MeshMeta | null {
  const m = state.meshes[kind];
  return m && m.seriesId === state.selectedSeriesId ? m : null;
}

export interface LungSceneBinding {
  /** Re-applies the styles (after something `styleFor` reads changed outside the store). */
  refresh(): void;
  unbind(): void;
}

export function bindLungScene(scene: LungScene, store: AppStore, cache: MeshCache, options: BindLungSceneOptions): LungSceneBinding {
  const { kinds } = options;
  const frameKind = options.frameKind ?? kinds[0];
  const styleFor = options.styleFor ?? styleFromSettings;
  const showMarker = options.showMarker ?? true;
  const shownIds = new Map<MeshKind, string | null>();
  let shownMarker: Vec3 | null = null;
  let bound = true;

  /** The lazy density and label colours of `mesh` of `seriesId`, when the options can make them. */
  function lazyColours(mesh: Mesh, seriesId: string): Pick<MeshInput, 'densityColors' | 'labelColors'> {
    const density = options.densityColors;
    const labels = options.labelColors;
    return {
      densityColors: density ? () => density(mesh, seriesId) : undefined,
      labelColors: labels ? () => labels(mesh, seriesId) : undefined,
    };
  }

  function requestLod(kind: MeshKind, id: string, mesh: Mesh, seriesId: string): void {
    const make = options.makeLod;
    if (!make || mesh.indices.length / 3 <= LOD_MIN_TRIANGLES) return;
    make(mesh, LOD_TRIANGLES).then(
      (lod) => {
        if (bound && shownIds.get(kind) === id) scene.setLod(kind, mesh, { ...lod, ...lazyColours(lod.mesh, seriesId) });
      },
      // Without a coarse copy the full mesh is drawn while dragging too.
      (e: unknown) => console.warn('lungview: no coarse copy of the mesh for dragging:', e),
    );
  }

  function sync(state: AppState, force: boolean): void {
    let reframe = false;
    for (const kind of kinds) {
      const meta = currentMeta(state, kind);
      const cached = meta ? cache.get(meta.id) : undefined;
      const id = cached && meta ? meta.id : null;
      const style = styleFor(kind, state.view3d);
      if (force || shownIds.get(kind) !== id) {
        const input = cached && meta ? { mesh: cached.mesh, heightColors: cached.heightColors, ...lazyColours(cached.mesh, meta.seriesId) } : null;
        scene.setMesh(kind, input, style);
        if (kind === frameKind && id !== null) reframe = true;
        shownIds.set(kind, id);
        if (cached && meta && id !== null) requestLod(kind, id, cached.mesh, meta.seriesId);
      } else {
        scene.setStyle(kind, style);
      }
    }
    if (reframe) scene.resetCamera();
    const p = showMarker ? state.pickedPoint?.patientMm ?? null : null;
    if (force || p !== shownMarker) {
      scene.setMarker(p);
      shownMarker = p;
    }
  }

  sync(store.getState(), true);
  const unsubscribe = store.subscribe((state, prev) => {
    if (
      state.meshes !== prev.meshes ||
      state.view3d !== prev.view3d ||
      state.pickedPoint !== prev.pickedPoint ||
      state.selectedSeriesId !== prev.selectedSeriesId ||
      // New masks (the split's labels after the surface): the 'labels' colours can now be made.
      state.analysisResults?.maskIds !== prev.analysisResults?.maskIds
    ) {
      sync(state, false);
    }
  });
  return {
    refresh: () => sync(store.getState(), false),
    unbind() {
      bound = false;
      unsubscribe();
    },
  };
}
