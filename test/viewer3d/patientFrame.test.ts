import { describe, expect, it } from 'vitest';
import { PerspectiveCamera, Vector3 } from 'three';
import type { Vec3 } from '../../src/core/volume/volume';
import { ANATOMICAL_AXES_WORLD, defaultCameraPose, lpsToWorld, worldToLps } from '../../src/viewer3d/patientFrame';
import { SceneContent } from '../../src/viewer3d/sceneContent';

/** A camera at the default pose, looking at `centre`. */
function defaultCamera(centre: Vec3, radius: number, aspect = 1.5): PerspectiveCamera {
  const pose = defaultCameraPose(centre, radius, 35, aspect);
  const cam = new PerspectiveCamera(35, aspect, pose.near, pose.far);
  cam.position.set(...pose.position);
  cam.up.set(...pose.up);
  cam.lookAt(new Vector3(...pose.target));
  cam.updateMatrixWorld(true);
  return cam;
}

/** Normalised device coordinates of a patient point (LPS mm) seen by `cam`. */
function ndcOfLps(cam: PerspectiveCamera, p: Vec3): Vector3 {
  return new Vector3(...lpsToWorld(p)).project(cam);
}

describe('patient LPS -> three.js world', () => {
  it('maps head to +Y (up), anterior to +Z (towards the camera), patient left to +X', () => {
    expect(lpsToWorld([0, 0, 1])).toEqual([0, 1, 0]);
    expect(lpsToWorld([0, -1, 0])).toEqual([0, 0, 1]);
    expect(lpsToWorld([1, 0, 0])).toEqual([1, 0, 0]);
  });

  it('is a proper rotation (determinant +1), so triangle winding and outward normals survive', () => {
    const ex = lpsToWorld([1, 0, 0]), ey = lpsToWorld([0, 1, 0]), ez = lpsToWorld([0, 0, 1]);
    const det =
      ex[0] * (ey[1] * ez[2] - ey[2] * ez[1]) - ey[0] * (ex[1] * ez[2] - ex[2] * ez[1]) + ez[0] * (ex[1] * ey[2] - ex[2] * ey[1]);
    expect(det).toBe(1);
  });

  it('worldToLps undoes lpsToWorld', () => {
    const p: Vec3 = [12.5, -80.25, 301];
    expect(worldToLps(lpsToWorld(p))).toEqual(p);
  });

  it('the scene group that holds the meshes applies exactly this map to LPS points', () => {
    const content = new SceneContent();
    const patient = content.root.children[0];
    patient.updateMatrixWorld(true);
    for (const p of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [-40, 25, 310]] as Vec3[]) {
      const w = new Vector3(...p).applyMatrix4(patient.matrixWorld);
      const expected = lpsToWorld(p);
      expect(w.x).toBeCloseTo(expected[0], 9);
      expect(w.y).toBeCloseTo(expected[1], 9);
      expect(w.z).toBeCloseTo(expected[2], 9);
    }
    content.dispose();
  });

  it('labels the orientation marker axes with the anatomical directions', () => {
    const byLabel = Object.fromEntries(ANATOMICAL_AXES_WORLD.map((a) => [a.label, a.dir]));
    expect(byLabel.S).toEqual([0, 1, 0]);
    expect(byLabel.A).toEqual([0, 0, 1]);
    expect(byLabel.R).toEqual([-1, 0, 0]);
    expect(byLabel.I).toEqual([0, -1, 0]);
    expect(byLabel.P).toEqual([0, 0, -1]);
    expect(byLabel.L).toEqual([1, 0, 0]);
  });
});

describe('default camera', () => {
  // A chest-sized box in LPS around a typical scanner position.
  const centreLps: Vec3 = [-5, 20, -150];
  const centre = lpsToWorld(centreLps);
  const radius = 180;
  const cam = defaultCamera(centre, radius);
  const at = (dx: number, dy: number, dz: number) => ndcOfLps(cam, [centreLps[0] + dx, centreLps[1] + dy, centreLps[2] + dz]);

  it('shows the head at the top and the feet at the bottom', () => {
    expect(at(0, 0, 100).y).toBeGreaterThan(0.2);
    expect(at(0, 0, -100).y).toBeLessThan(-0.2);
    expect(Math.abs(at(0, 0, 100).x)).toBeLessThan(1e-9);
  });

  it("shows the patient's right on the left of the screen (front view)", () => {
    expect(at(-100, 0, 0).x).toBeLessThan(-0.2);
    expect(at(100, 0, 0).x).toBeGreaterThan(0.2);
  });

  it('has the anterior side towards the camera', () => {
    const front = new Vector3(...lpsToWorld([centreLps[0], centreLps[1] - 100, centreLps[2]]));
    const back = new Vector3(...lpsToWorld([centreLps[0], centreLps[1] + 100, centreLps[2]]));
    expect(front.distanceTo(cam.position)).toBeLessThan(back.distanceTo(cam.position));
    // The camera looks along -Z: from anterior towards posterior.
    const dir = cam.getWorldDirection(new Vector3());
    expect(dir.z).toBeCloseTo(-1, 9);
  });

  it('frames the bounding sphere inside the view for wide and tall canvases', () => {
    for (const aspect of [0.5, 1, 2.5]) {
      const c = defaultCamera(centre, radius, aspect);
      for (const d of [[radius, 0, 0], [-radius, 0, 0], [0, radius, 0], [0, -radius, 0]] as Vec3[]) {
        const p = new Vector3(centre[0] + d[0], centre[1] + d[1], centre[2] + d[2]).project(c);
        expect(Math.abs(p.x)).toBeLessThan(1);
        expect(Math.abs(p.y)).toBeLessThan(1);
      }
      // ...and not tiny: the sphere spans most of the smaller side.
      const edge = new Vector3(centre[0], centre[1] + radius, centre[2]).project(c);
      const side = new Vector3(centre[0] + radius, centre[1], centre[2]).project(c);
      expect(Math.max(edge.y, side.x)).toBeGreaterThan(0.8);
    }
  });

  it('keeps the near and far planes around the scene', () => {
    const pose = defaultCameraPose(centre, radius, 35, 1);
    const dist = new Vector3(...pose.position).distanceTo(new Vector3(...pose.target));
    expect(pose.near).toBeLessThan(dist - radius);
    expect(pose.far).toBeGreaterThan(4 * dist + radius);
  });
});
