import { describe, expect, it } from 'vitest';
import { heightColors } from '../../src/core/mesh/heightColors';
import { meshAreaMm2 } from '../../src/core/mesh/mesh';
import { coarseMesh } from '../../src/workers/meshLodWorkerApi';
import { ballMesh } from './meshFixtures';

describe('coarseMesh (level-of-detail worker)', () => {
  it('keeps within the triangle budget and roughly the surface, with height colours per vertex', () => {
    const mesh = ballMesh(48, 20);
    const budget = Math.floor(mesh.indices.length / 3 / 5);
    const r = coarseMesh(mesh, budget);
    expect(r.mesh.indices.length / 3).toBeLessThanOrEqual(budget);
    expect(r.mesh.indices.length / 3).toBeGreaterThan(budget / 4);
    expect(meshAreaMm2(r.mesh) / meshAreaMm2(mesh)).toBeGreaterThan(0.8);
    expect(meshAreaMm2(r.mesh) / meshAreaMm2(mesh)).toBeLessThan(1.1);
    expect(Array.from(r.heightColors)).toEqual(Array.from(heightColors(r.mesh, 'z')));
  });

  it('does not touch its input', () => {
    const mesh = ballMesh(24, 9);
    const copy = { positionsMm: mesh.positionsMm.slice(), indices: mesh.indices.slice() };
    coarseMesh(mesh, 100);
    expect(Array.from(mesh.positionsMm)).toEqual(Array.from(copy.positionsMm));
    expect(Array.from(mesh.indices)).toEqual(Array.from(copy.indices));
  });
});
