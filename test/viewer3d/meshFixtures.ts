/** Small meshes for the 3D viewer tests (core marching cubes of voxel balls). */
import { marchingCubes } from '../../src/core/mesh/marchingCubes';
import type { Mesh } from '../../src/core/mesh/mesh';
import type { Mask, Vec3 } from '../../src/core/volume/volume';

/** A voxel ball of radius `r` voxels (1 mm) around the grid centre, origin at `originMm`. */
export function ballMask(n: number, r: number, originMm: Vec3 = [0, 0, 0]): Mask {
  const data = new Uint8Array(n * n * n);
  const c = (n - 1) / 2;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    if ((x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= r * r) data[x + y * n + z * n * n] = 1;
  }
  return { nx: n, ny: n, nz: n, data, spacingMmXyz: [1, 1, 1], originMm, directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
}

export function ballMesh(n = 12, r = 4, originMm: Vec3 = [0, 0, 0]): Mesh {
  const m = marchingCubes(ballMask(n, r, originMm));
  return { positionsMm: m.positionsMm, indices: m.indices, normals: m.normals };
}
