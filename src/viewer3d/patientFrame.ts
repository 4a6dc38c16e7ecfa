/**
 * From patient space (DICOM LPS, mm) to the three.js world, and the default
 * camera pose.
 *
 * LPS: +x to the patient's left, +y posterior, +z towards the head.
 * three.js: +X right on the screen, +Y up, +Z out of the screen towards a
 * camera that looks down -Z.
 *
 * Mapping (a proper rotation of -90 degrees about x, so triangle winding and
 * outward normals survive unchanged):
 *
 *   world X =  LPS x   (patient's left -> screen right)
 *   world Y =  LPS z   (head -> up)
 *   world Z = -LPS y   (anterior -> towards the camera)
 *
 * The default camera sits on +Z (the anterior side) looking at the centre,
 * with +Y up: the patient stands upright facing the viewer, so the patient's
 * right appears on the left of the screen (the radiological/anatomical front
 * view of the tutorial's plot_3d). The meshes keep their LPS buffers; only
 * the group holding them carries this rotation.
 */
import type { Vec3 } from '../core/volume/volume';

/** Rotation about the world x axis that takes LPS to world (radians). */
export const PATIENT_ROTATION_X_RAD = -Math.PI / 2;

/** Direction from the target to the default camera position, in world space (anterior). */
const DEFAULT_VIEW_DIRECTION: Readonly<Vec3> = [0, 0, 1];

/** Camera up vector in world space (superior). */
const CAMERA_UP: Readonly<Vec3> = [0, 1, 0];

/** A point or direction in LPS mm, in world coordinates (same units). */
export function lpsToWorld(p: Readonly<Vec3>): Vec3 {
  return [p[0], p[2], -p[1] + 0];
}

/** The inverse of lpsToWorld. */
export function worldToLps(w: Readonly<Vec3>): Vec3 {
  return [w[0], -w[2] + 0, w[1]];
}

/** Where each anatomical direction points in world space (for the orientation marker). */
export const ANATOMICAL_AXES_WORLD: ReadonlyArray<{ label: string; dir: Vec3 }> = [
  { label: 'L', dir: lpsToWorld([1, 0, 0]) },
  { label: 'R', dir: lpsToWorld([-1, 0, 0]) },
  { label: 'P', dir: lpsToWorld([0, 1, 0]) },
  { label: 'A', dir: lpsToWorld([0, -1, 0]) },
  { label: 'S', dir: lpsToWorld([0, 0, 1]) },
  { label: 'I', dir: lpsToWorld([0, 0, -1]) },
];

export interface CameraPose {
  position: Vec3;
  target: Vec3;
  up: Vec3;
  near: number;
  far: number;
}

/**
 * Default camera for a bounding sphere (world centre and radius, mm): on the
 * anterior side, far enough that the sphere fits the vertical and the
 * horizontal field of view with a small margin.
 */
export function defaultCameraPose(centreWorld: Readonly<Vec3>, radius: number, fovYDeg: number, aspect: number): CameraPose {
  const r = radius > 0 && Number.isFinite(radius) ? radius : 1;
  const halfY = (fovYDeg * Math.PI) / 360;
  const halfX = Math.atan(Math.tan(halfY) * (aspect > 0 ? aspect : 1));
  const dist = (1.08 * r) / Math.sin(Math.min(halfX, halfY));
  const d = DEFAULT_VIEW_DIRECTION;
  return {
    position: [centreWorld[0] + d[0] * dist, centreWorld[1] + d[1] * dist, centreWorld[2] + d[2] * dist],
    target: [centreWorld[0], centreWorld[1], centreWorld[2]],
    up: [CAMERA_UP[0], CAMERA_UP[1], CAMERA_UP[2]],
    // Room to zoom in to the surface and out to four times the distance.
    near: Math.max(0.05, r * 0.01),
    far: 5 * dist + 2 * r,
  };
}
