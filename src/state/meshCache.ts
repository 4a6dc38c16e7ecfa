/**
 * Meshes for the 3D views, kept out of the store like volumes: the store
 * holds a MeshMeta (id and statistics) per kind, the buffers live here.
 * Only what is drawn is kept: a surface decimated for display has no
 * full-resolution copy in the page (an export makes it again from its mask).
 */
import type { Mesh } from '../core/mesh/mesh';

/** The surfaces lungview shows: filled lungs, internal structures, GK structures, the 3D crop. */
export type MeshKind = 'lung' | 'internal' | 'gk' | 'crop';
export const MESH_KINDS: readonly MeshKind[] = ['lung', 'internal', 'gk', 'crop'];

/** What the store knows about a mesh (the buffers are in meshCache under `id`). */
export interface MeshMeta {
  id: string;
  kind: MeshKind;
  seriesId: string;
  /** Triangles and vertices of the full-resolution surface. */
  triangles: number;
  vertices: number;
  /** Triangles of the mesh actually drawn (fewer when decimated for display). */
  displayTriangles: number;
  decimated: boolean;
  areaMm2: number;
  volumeMl: number;
  /**
   * How the analysis made the surface from its whole mask (marching cubes
   * step, Taubin iterations), so that an export can make the full-resolution
   * surface again when the drawn one was decimated. Absent for crops.
   */
  surface?: { stepSize: number; smoothIterations: number };
}

export interface CachedMesh {
  /** The mesh to draw (possibly decimated), positions in patient LPS mm. */
  mesh: Mesh;
  /** Optional RGB per vertex of `mesh` for colouring by height. */
  heightColors?: Float32Array;
}

export class MeshCache {
  private readonly meshes = new Map<string, CachedMesh>();
  /** The series each mesh was made from (when the caller said). */
  private readonly seriesOf = new Map<string, string>();

  get(id: string | null | undefined): CachedMesh | undefined {
    return id ? this.meshes.get(id) : undefined;
  }

  set(id: string, mesh: CachedMesh, seriesId?: string): void {
    this.meshes.set(id, mesh);
    if (seriesId !== undefined) this.seriesOf.set(id, seriesId);
  }

  delete(id: string): void {
    this.meshes.delete(id);
    this.seriesOf.delete(id);
  }

  clear(): void {
    this.meshes.clear();
    this.seriesOf.clear();
  }

  /** Drops every mesh made from one series. */
  deleteSeries(seriesId: string): void {
    for (const [id, s] of this.seriesOf) if (s === seriesId) this.delete(id);
  }

  size(): number {
    return this.meshes.size;
  }
}

export const meshCache = new MeshCache();
