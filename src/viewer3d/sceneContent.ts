/**
 * What a lung scene shows, without the renderer: one layer per mesh kind
 * (geometry over the worker buffers, a shaded surface, an optional
 * triangle-edge overlay sharing the geometry) and the picked-point marker,
 * all inside a group that turns patient LPS into the world frame
 * (patientFrame.ts). Every geometry and material made here is disposed when
 * it is replaced and in dispose(); nothing here touches the DOM or WebGL, so
 * the bookkeeping is testable in Node.
 *
 * Level of detail: a layer may also hold a coarse copy of its mesh (made in
 * a worker); while the view is being rotated (setInteracting(true)) the
 * coarse copy is drawn instead, so large surfaces stay interactive on a
 * software rasteriser; the full display mesh is drawn again when it stops.
 *
 * Drawing choices: translucent surfaces draw their front faces only without
 * writing depth (one pass; the structures inside stay visible), opaque ones
 * write depth. Triangle edges are a wireframe over the same geometry for
 * meshes up to EDGE_TRIANGLE_LIMIT triangles (a wireframe costs about as
 * much as the surface again, and is unreadable on larger meshes); a larger
 * mesh shows the edges of its coarse copy (the decimated mesh drawn while
 * dragging) once that copy has arrived.
 */
import {
  Color,
  FrontSide,
  Group,
  Mesh as ThreeMesh,
  MeshBasicMaterial,
  MeshPhongMaterial,
  SphereGeometry,
  Vector3,
  type BufferGeometry,
  type Material,
} from 'three';
import { heightColors } from '../core/mesh/heightColors';
import type { Mesh } from '../core/mesh/mesh';
import type { Vec3 } from '../core/volume/volume';
import { geometryFromMesh, geometryTriangles, setVertexColors } from './meshGeometry';
import { PATIENT_ROTATION_X_RAD, lpsToWorld } from './patientFrame';

/** Triangle edges are drawn only for meshes with at most this many triangles. */
export const EDGE_TRIANGLE_LIMIT = 200_000;

/**
 * 'density': each vertex by the HU class just inside the surface (MeshInput.densityColors);
 * 'labels': by the lung label just inside it, right lung / left lung / airway (MeshInput.labelColors).
 */
export type ColorMode = 'single' | 'height' | 'density' | 'labels';

export interface MeshStyle {
  visible: boolean;
  /** CSS colour #rrggbb, used in 'single' mode. */
  color: string;
  /** 1 = opaque. */
  opacity: number;
  colorMode: ColorMode;
  showEdges: boolean;
}

/** Buffers of one mesh to show (positions in patient LPS mm). */
export interface MeshInput {
  mesh: Mesh;
  /** RGB per vertex for 'height' mode; computed from the mesh when absent. */
  heightColors?: Float32Array;
  /**
   * RGB per vertex for 'density' mode, asked for the first time that mode
   * is shown (null, or absent: the mesh is drawn in its single colour).
   */
  densityColors?: () => Float32Array | null;
  /** RGB per vertex for 'labels' mode, asked for whenever that mode is applied until it gives some (null until the split is done). */
  labelColors?: () => Float32Array | null;
}

/** Vertex colours a geometry holds. */
type ColorsHeld = ColorMode | null;

/** The vertex colours of `input` for `mode`, or null when it has none (single colour). */
function vertexColorsFor(input: MeshInput, mode: ColorMode): Float32Array | null {
  const n = input.mesh.positionsMm.length;
  if (mode === 'height') return input.heightColors && input.heightColors.length === n ? input.heightColors : heightColors(input.mesh, 'z');
  if (mode === 'density' || mode === 'labels') {
    const rgb = (mode === 'density' ? input.densityColors : input.labelColors)?.() ?? null;
    return rgb && rgb.length === n ? rgb : null;
  }
  return null;
}

/** Whether a layer's edges are on screen, and why not. 'coarse': a mesh above EDGE_TRIANGLE_LIMIT shows the edges of its coarse copy; 'too-large': it has none (yet). */
export type EdgeState = 'off' | 'on' | 'coarse' | 'too-large';

interface Lod {
  input: MeshInput;
  geometry: BufferGeometry;
  /** Shares the layer's surface material. */
  surface: ThreeMesh<BufferGeometry, MeshPhongMaterial>;
  colors: ColorsHeld;
  triangles: number;
}

interface Layer {
  input: MeshInput;
  geometry: BufferGeometry;
  surface: ThreeMesh<BufferGeometry, MeshPhongMaterial>;
  edges: ThreeMesh<BufferGeometry, MeshBasicMaterial> | null;
  lod: Lod | null;
  colors: ColorsHeld;
  style: MeshStyle;
  triangles: number;
}

export interface SceneBounds {
  centre: Vec3;
  radius: number;
}

const EDGE_COLOR = 0x1a1a1a;
const MARKER_COLOR = 0x39ff7a;

export class SceneContent {
  /** Add this to the scene. */
  readonly root = new Group();
  /** Children are in patient LPS mm. */
  private readonly patient = new Group();
  private readonly layers = new Map<string, Layer>();
  private readonly markerGeometry = new SphereGeometry(1, 16, 12);
  private readonly markerMaterial = new MeshBasicMaterial({ color: MARKER_COLOR });
  private readonly marker = new ThreeMesh(this.markerGeometry, this.markerMaterial);
  // Scratch objects, allocated once.
  private readonly tmp = new Vector3();
  private readonly white = new Color(1, 1, 1);
  private disposed = false;
  private interacting = false;

  constructor() {
    this.root.name = 'world';
    this.patient.name = 'patient-lps';
    this.patient.rotation.x = PATIENT_ROTATION_X_RAD;
    this.root.add(this.patient);
    this.marker.name = 'picked-point';
    this.marker.visible = false;
    this.marker.renderOrder = 10;
    this.patient.add(this.marker);
    this.root.updateMatrixWorld(true);
  }

  /** Shows `input` as the mesh of `kind` (null removes it); the previous geometry is disposed. */
  setMesh(kind: string, input: MeshInput | null, style: MeshStyle): void {
    this.assertLive();
    const old = this.layers.get(kind);
    if (old && input && old.input.mesh === input.mesh && old.input.heightColors === input.heightColors) {
      this.setStyle(kind, style);
      return;
    }
    if (old) this.removeLayer(kind, old);
    if (!input) return;
    const geometry = geometryFromMesh(input.mesh);
    const material = new MeshPhongMaterial({ side: FrontSide, shininess: 25, polygonOffset: true, polygonOffsetFactor: 1, polygonOffsetUnits: 1 });
    const surface = new ThreeMesh(geometry, material);
    surface.name = `${kind}-surface`;
    const layer: Layer = { input, geometry, surface, edges: null, lod: null, colors: null, style, triangles: geometryTriangles(geometry) };
    this.layers.set(kind, layer);
    this.patient.add(surface);
    this.applyStyle(layer, style, true);
  }

  setStyle(kind: string, style: MeshStyle): void {
    this.assertLive();
    const layer = this.layers.get(kind);
    if (layer) this.applyStyle(layer, style, false);
  }

  /**
   * A coarse copy of the mesh of `kind` to draw while interacting (null
   * removes it). Ignored when `forMesh` is no longer the mesh of that kind
   * (the copy arrived late).
   */
  setLod(kind: string, forMesh: Mesh, input: MeshInput | null): void {
    this.assertLive();
    const layer = this.layers.get(kind);
    if (!layer || layer.input.mesh !== forMesh) return;
    this.removeLod(layer);
    if (!input) return;
    const geometry = geometryFromMesh(input.mesh);
    const surface = new ThreeMesh(geometry, layer.surface.material);
    surface.name = `${kind}-surface-coarse`;
    layer.lod = { input, geometry, surface, colors: null, triangles: geometryTriangles(geometry) };
    this.patient.add(surface);
    this.applyStyle(layer, layer.style, false);
  }

  hasLod(kind: string): boolean {
    return this.layers.get(kind)?.lod != null;
  }

  /** While true, layers with a coarse copy draw it instead of the full mesh, without edges. */
  setInteracting(on: boolean): void {
    if (this.interacting === on) return;
    this.interacting = on;
    for (const l of this.layers.values()) this.applyVisibility(l);
  }

  hasMesh(kind: string): boolean {
    return this.layers.has(kind);
  }

  /** Triangles of the mesh of `kind` (0 when none). */
  meshTriangles(kind: string): number {
    return this.layers.get(kind)?.triangles ?? 0;
  }

  /** Triangles of the visible surfaces (edges not counted; the coarse copies while interacting). */
  visibleTriangles(): number {
    let n = 0;
    for (const l of this.layers.values()) if (l.style.visible) n += this.interacting && l.lod ? l.lod.triangles : l.triangles;
    return n;
  }

  edgeState(kind: string): EdgeState {
    const l = this.layers.get(kind);
    if (!l || !l.style.showEdges) return 'off';
    const g = this.edgeGeometry(l);
    return g === null ? 'too-large' : g === l.geometry ? 'on' : 'coarse';
  }

  /** Shows a small sphere at a patient point (LPS mm), or hides it. Its size follows the scene. */
  setMarker(pointMm: Readonly<Vec3> | null): void {
    this.assertLive();
    if (!pointMm) {
      this.marker.visible = false;
      return;
    }
    this.marker.position.set(pointMm[0], pointMm[1], pointMm[2]);
    this.marker.visible = true;
    this.updateMarkerSize();
  }

  markerVisible(): boolean {
    return this.marker.visible;
  }

  /**
   * World-space bounding sphere of the visible meshes (of all meshes when
   * none is visible), or null without meshes.
   */
  bounds(): SceneBounds | null {
    let layers = [...this.layers.values()].filter((l) => l.style.visible && l.triangles > 0);
    if (layers.length === 0) layers = [...this.layers.values()].filter((l) => l.triangles > 0);
    if (layers.length === 0) return null;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (const l of layers) {
      const s = l.geometry.boundingSphere;
      if (!s) continue;
      const c = lpsToWorld([s.center.x, s.center.y, s.center.z]);
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.min(lo[k], c[k] - s.radius);
        hi[k] = Math.max(hi[k], c[k] + s.radius);
      }
    }
    if (!Number.isFinite(lo[0])) return null;
    const centre: Vec3 = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
    // The largest of the layers' spheres around the common centre.
    let radius = 0;
    for (const l of layers) {
      const s = l.geometry.boundingSphere;
      if (!s) continue;
      const c = lpsToWorld([s.center.x, s.center.y, s.center.z]);
      this.tmp.set(c[0] - centre[0], c[1] - centre[1], c[2] - centre[2]);
      radius = Math.max(radius, this.tmp.length() + s.radius);
    }
    return { centre, radius };
  }

  /** Counts of what this content holds, for leak checks. */
  resourceCounts(): { layers: number; geometries: number; materials: number } {
    let materials = 2; // marker
    let geometries = 1; // marker
    for (const l of this.layers.values()) {
      materials += l.edges ? 2 : 1;
      geometries += l.lod ? 2 : 1;
    }
    return { layers: this.layers.size, geometries, materials };
  }

  dispose(): void {
    if (this.disposed) return;
    for (const [kind, layer] of [...this.layers]) this.removeLayer(kind, layer);
    this.patient.remove(this.marker);
    this.markerGeometry.dispose();
    this.markerMaterial.dispose();
    this.disposed = true;
  }

  private applyStyle(layer: Layer, style: MeshStyle, fresh: boolean): void {
    const prev = layer.style;
    layer.style = style;
    const m = layer.surface.material;
    const mode = style.colorMode;
    let wantColors = mode !== 'single';
    if (wantColors && layer.colors !== mode) {
      const rgb = vertexColorsFor(layer.input, mode);
      if (rgb) {
        setVertexColors(layer.geometry, rgb);
        layer.colors = mode;
      }
    }
    wantColors = wantColors && layer.colors === mode;
    const lod = layer.lod;
    if (wantColors && lod && lod.colors !== mode) {
      const rgb = vertexColorsFor(lod.input, mode);
      // Without colours of its own the coarse copy is not drawn in this mode.
      if (rgb) {
        setVertexColors(lod.geometry, rgb);
        lod.colors = mode;
      } else this.removeLod(layer);
    }
    if (fresh || m.vertexColors !== wantColors) {
      m.vertexColors = wantColors;
      m.needsUpdate = true;
    }
    if (wantColors) m.color.copy(this.white);
    else m.color.set(style.color);
    const opacity = Math.min(1, Math.max(0, style.opacity));
    const translucent = opacity < 1;
    if (fresh || m.transparent !== translucent) {
      m.transparent = translucent;
      m.depthWrite = !translucent;
      m.needsUpdate = true;
    }
    m.opacity = opacity;

    const edgesOn = this.edgesWanted(layer);
    const edgeGeometry = this.edgeGeometry(layer);
    if (layer.edges && layer.edges.geometry !== edgeGeometry) this.removeEdges(layer);
    if (edgesOn && edgeGeometry && !layer.edges) {
      const em = new MeshBasicMaterial({ color: EDGE_COLOR, wireframe: true, transparent: true, opacity: 0.3, depthWrite: false });
      layer.edges = new ThreeMesh(edgeGeometry, em);
      layer.edges.name = `${layer.surface.name}-edges`;
      layer.edges.renderOrder = 1;
      this.patient.add(layer.edges);
    }
    this.applyVisibility(layer);
    if (fresh || prev.visible !== style.visible) this.updateMarkerSize();
  }

  private edgesWanted(layer: Layer): boolean {
    const s = layer.style;
    return s.visible && s.showEdges && this.edgeGeometry(layer) !== null;
  }

  /** The geometry whose edges are drawn: the mesh's own up to the limit, else its coarse copy's (null until it exists). */
  private edgeGeometry(layer: Layer): BufferGeometry | null {
    if (layer.triangles > 0 && layer.triangles <= EDGE_TRIANGLE_LIMIT) return layer.geometry;
    const lod = layer.lod;
    return lod && lod.triangles > 0 && lod.triangles <= EDGE_TRIANGLE_LIMIT ? lod.geometry : null;
  }

  private removeEdges(layer: Layer): void {
    if (!layer.edges) return;
    this.patient.remove(layer.edges);
    (layer.edges.material as Material).dispose();
    layer.edges = null;
  }

  private applyVisibility(layer: Layer): void {
    const shown = layer.style.visible && layer.surface.material.opacity > 0;
    const coarse = this.interacting && layer.lod !== null;
    layer.surface.visible = shown && !coarse;
    if (layer.lod) layer.lod.surface.visible = shown && coarse;
    if (layer.edges) layer.edges.visible = this.edgesWanted(layer) && !coarse;
  }

  private removeLod(layer: Layer): void {
    if (!layer.lod) return;
    if (layer.edges?.geometry === layer.lod.geometry) this.removeEdges(layer);
    this.patient.remove(layer.lod.surface);
    layer.lod.geometry.dispose();
    layer.lod = null;
  }

  private updateMarkerSize(): void {
    const b = this.bounds();
    const r = b ? Math.max(0.5, b.radius * 0.025) : 3;
    this.marker.scale.setScalar(r);
  }

  private removeLayer(kind: string, layer: Layer): void {
    this.removeLod(layer);
    this.patient.remove(layer.surface);
    layer.surface.material.dispose();
    this.removeEdges(layer);
    layer.geometry.dispose();
    this.layers.delete(kind);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('scene content used after dispose()');
  }
}
