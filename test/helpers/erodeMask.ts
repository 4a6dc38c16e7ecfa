/** One voxel peeled off every surface of a 0/1 mask (6-neighbour erosion; the grid's border counts as outside): a "changed copy" of a mask for the comparison tests. */
export function erodeMask(m: Uint8Array, nx: number, ny: number, nz: number): Uint8Array {
  const out = new Uint8Array(m.length);
  const plane = nx * ny;
  for (let z = 1; z < nz - 1; z++) for (let y = 1; y < ny - 1; y++) for (let x = 1; x < nx - 1; x++) {
    const i = x + y * nx + z * plane;
    if (m[i] && m[i - 1] && m[i + 1] && m[i - nx] && m[i + nx] && m[i - plane] && m[i + plane]) out[i] = 1;
  }
  return out;
}
