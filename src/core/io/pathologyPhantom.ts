/**
 * Synthetic chest CT with lung pathology and analytic truth, for the
 * inclusive lung mask (segmentation/inclusiveLungs.ts). Unlike phantom.ts
 * (a DICOM series of a healthy chest) this returns the HU volume directly.
 *
 * Scene (DICOM LPS mm, +x patient left, +y posterior, +z head; identity
 * direction, index (0,0,0) at the lowest x, y, z): air around an elliptical
 * body (fat ring, muscle), a rib cage (bone ≥ 300 HU: an elliptical ring cut
 * into ribs whose gaps turn with z, a spine and a sternum), a 3 mm muscle
 * wall inside the ribs, the thoracic cavity inside it; the mediastinum
 * (|x| < 22 mm, 35 HU) with the trachea and main bronchi (air), the heart
 * (ellipsoid, 40 HU), a diaphragm dome with the liver (55 HU) under the
 * right lung, the spleen/stomach (50 HU) under the left one and a pocket of
 * bowel gas (−1000 HU) in it; two lungs (−850 HU) filling the rest of the
 * cavity above the dome. Lesions inside the lungs: a posterior consolidation
 * against the chest wall (40 HU, 25 mm deep), juxtapleural nodules of 5, 10,
 * 15 and 20 mm diameter (40 HU, cut by the wall), a hilar mass (40 HU, 24 mm,
 * near the left hilum), a 20 mm ground-glass ball against the wall (−400 HU),
 * dense dependent lung (a 15 mm posterior band of the left lung, −250 HU);
 * and outside the lung a pleural effusion (10 HU, a 15 mm posterolateral
 * crescent of the right cavity, which displaces the lung). Seeded Gaussian
 * noise (default sigma 8 HU); no blur, so the truth is exact per voxel.
 *
 * Cost: O(nx*ny*nz) with a few ellipse tests per voxel; memory: the Int16 HU
 * volume (2 bytes/voxel) and one byte per voxel of truth labels.
 */
import { mulberry32 } from '../random/mulberry32';
import type { Volume } from '../volume/volume';

/** Truth label of each voxel (one value per voxel). */
export const PATHOLOGY_LABEL = {
  outside: 0,
  body: 1,
  bone: 2,
  mediastinum: 3,
  heart: 4,
  liver: 5,
  spleen: 6,
  bowelGas: 7,
  airway: 8,
  effusion: 9,
  lung: 10,
  consolidation: 11,
  nodule: 12,
  hilarMass: 13,
  groundGlass: 14,
  dependent: 15,
} as const;

/** Labels that are lung tissue (the inclusive mask's truth). */
export const PATHOLOGY_LUNG_LABELS: readonly number[] = [10, 11, 12, 13, 14, 15];

export interface PathologyPhantomParams {
  /** Voxels per row and rows. Default 224. */
  size?: number;
  /** Slices. Default 80. */
  slices?: number;
  /** In-plane spacing (mm). Default 1.5. */
  pixelMm?: number;
  /** Slice spacing (mm). Default 2.5. */
  sliceMm?: number;
  /** Noise sigma (HU). Default 8. */
  noiseHu?: number;
  seed?: number;
}

export interface PathologyPhantom {
  volume: Volume;
  /** PATHOLOGY_LABEL per voxel, i = x + y*nx + z*nx*ny. */
  labels: Uint8Array;
  /** x index of the body's midline (patient x = 0). */
  midlineX: number;
}

const HU = { air: -1000, fat: -100, muscle: 40, bone: 500, mediastinum: 35, heart: 40, liver: 55, spleen: 50, lung: -850, lesion: 40, groundGlass: -400, dependent: -250, effusion: 10 };

/** Ellipse radial coordinate (1 on the ellipse). */
function rho(x: number, y: number, a: number, b: number): number {
  return Math.sqrt((x / a) ** 2 + (y / b) ** 2);
}

const CAVITY: [number, number] = [125, 87];
const RIB_INNER: [number, number] = [128, 90];
const RIB_OUTER: [number, number] = [135, 97];

/** Depth (mm, approximate) of (x, y) inside the cavity's wall. */
function wallDepthMm(x: number, y: number): number {
  const p = rho(x, y, CAVITY[0], CAVITY[1]);
  return p > 0 ? (1 - p) * (Math.hypot(x, y) / p) : Infinity;
}

/** z (mm) of the diaphragm's upper surface under (x, y). */
function domeZ(x: number, y: number): number {
  const side = x < 0 ? (x + 55) / 75 : (x - 55) / 75;
  return -55 + 25 * Math.max(0, 1 - side * side - ((y + 10) / 95) ** 2);
}

interface Ball { c: [number, number, number]; r: number }

/** Ball of radius r touching the cavity wall at angle deg (0 = patient left, 90 = posterior), height z. */
function wallBall(deg: number, z: number, r: number): Ball {
  const t = (deg * Math.PI) / 180;
  const px = CAVITY[0] * Math.cos(t);
  const py = CAVITY[1] * Math.sin(t);
  const n = Math.hypot(px, py);
  const d = r - 1;
  return { c: [px - (px / n) * d, py - (py / n) * d, z], r };
}

function inBall(b: Ball, x: number, y: number, z: number): boolean {
  return (x - b.c[0]) ** 2 + (y - b.c[1]) ** 2 + (z - b.c[2]) ** 2 <= b.r * b.r;
}

function inCapsule(p: [number, number, number], a: [number, number, number], b: [number, number, number], r: number): boolean {
  const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const q = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
  let t = (q[0] * d[0] + q[1] * d[1] + q[2] * d[2]) / dd;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const e = [q[0] - t * d[0], q[1] - t * d[1], q[2] - t * d[2]];
  return e[0] * e[0] + e[1] * e[1] + e[2] * e[2] <= r * r;
}

export const PATHOLOGY_NODULES: readonly Ball[] = [wallBall(180, 40, 10), wallBall(0, 30, 7.5), wallBall(-120, -20, 5), wallBall(-40, 60, 2.5)];
const GROUND_GLASS = wallBall(-30, 0, 10);
const HILAR_MASS: Ball = { c: [42, 20, 28], r: 12 };
const HEART = { c: [12, -22, -40], s: [58, 48, 45] };
const GAS = { c: [55, -15, -52], s: [28, 22, 10] };
const TRACHEA: Array<[[number, number, number], [number, number, number], number]> = [
  [[0, -15, 120], [0, -12, 35], 9],
  [[0, -12, 35], [-45, -5, 15], 6],
  [[0, -12, 35], [45, -5, 12], 5.5],
];

/** The label of the point (x, y, z) in mm. */
function labelAt(x: number, y: number, z: number): number {
  const L = PATHOLOGY_LABEL;
  if (rho(x, y, 158, 118) > 1) return L.outside;
  if (x * x + (y - 78) ** 2 <= 16 * 16) return L.bone;
  if (Math.abs(x) < 15 && y > -97 && y < -88) return L.bone;
  const pr = rho(x, y, RIB_INNER[0], RIB_INNER[1]);
  if (pr > 1 && rho(x, y, RIB_OUTER[0], RIB_OUTER[1]) <= 1) {
    const deg = (Math.atan2(y, x) * 180) / Math.PI + 180;
    return (((deg + 0.8 * z) % 24) + 24) % 24 < 14 ? L.bone : L.body;
  }
  if (rho(x, y, CAVITY[0], CAVITY[1]) > 1) return L.body;
  const dome = domeZ(x, y);
  if (z <= dome) {
    if (z > dome - 6) return L.body; // diaphragm
    if (x < 0) return L.liver;
    if (((x - GAS.c[0]) / GAS.s[0]) ** 2 + ((y - GAS.c[1]) / GAS.s[1]) ** 2 + ((z - GAS.c[2]) / GAS.s[2]) ** 2 <= 1) return L.bowelGas;
    return L.spleen;
  }
  for (const [a, b, r] of TRACHEA) if (inCapsule([x, y, z], a, b, r)) return L.airway;
  if (Math.abs(x) < 22) return L.mediastinum;
  if (((x - HEART.c[0]) / HEART.s[0]) ** 2 + ((y - HEART.c[1]) / HEART.s[1]) ** 2 + ((z - HEART.c[2]) / HEART.s[2]) ** 2 <= 1) return L.heart;
  if (z > 92) return L.body; // above the apices
  const depth = wallDepthMm(x, y);
  if (x < 0 && y > 0 && z > -45 && z < -15 && depth <= 15) return L.effusion;
  // Lung tissue from here on.
  if (x < -40 && y > 20 && z > -10 && z < 25 && depth <= 25) return L.consolidation;
  for (const b of PATHOLOGY_NODULES) if (inBall(b, x, y, z)) return L.nodule;
  if (inBall(HILAR_MASS, x, y, z)) return L.hilarMass;
  if (inBall(GROUND_GLASS, x, y, z)) return L.groundGlass;
  if (x > 0 && y > 35 && z > -30 && z < 50 && depth <= 15) return L.dependent;
  return L.lung;
}

const HU_OF_LABEL: number[] = [
  HU.air, HU.muscle, HU.bone, HU.mediastinum, HU.heart, HU.liver, HU.spleen, HU.air, HU.air, HU.effusion,
  HU.lung, HU.lesion, HU.lesion, HU.lesion, HU.groundGlass, HU.dependent,
];

/** The phantom: HU volume, one truth label per voxel. */
export function makePathologyPhantom(params: PathologyPhantomParams = {}): PathologyPhantom {
  const n = params.size ?? 224;
  const nz = params.slices ?? 80;
  const dx = params.pixelMm ?? 1.5;
  const dz = params.sliceMm ?? 2.5;
  const noise = params.noiseHu ?? 8;
  const rng = mulberry32((params.seed ?? 1) * 0x9e3779b1 + 5);
  const hu = new Int16Array(n * n * nz);
  const labels = new Uint8Array(n * n * nz);
  const c = (n - 1) / 2;
  const cz = (nz - 1) / 2;
  let spare = NaN;
  const gauss = (): number => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = NaN;
      return s;
    }
    const rad = Math.sqrt(-2 * Math.log(1 - rng()));
    const a = 2 * Math.PI * rng();
    spare = rad * Math.sin(a);
    return rad * Math.cos(a);
  };
  for (let k = 0; k < nz; k++) {
    const z = (k - cz) * dz;
    for (let j = 0; j < n; j++) {
      const y = (j - c) * dx;
      for (let i = 0; i < n; i++) {
        const x = (i - c) * dx;
        const l = labelAt(x, y, z);
        const p = i + j * n + k * n * n;
        labels[p] = l;
        let v = l === PATHOLOGY_LABEL.body && rho(x, y, 146, 106) > 1 ? HU.fat : HU_OF_LABEL[l];
        if (l !== PATHOLOGY_LABEL.outside) v += noise * gauss();
        hu[p] = Math.max(-1024, Math.min(3071, Math.round(v)));
      }
    }
  }
  const volume: Volume = {
    nx: n, ny: n, nz,
    spacingMmXyz: [dx, dx, dz],
    originMm: [-c * dx, -c * dx, -cz * dz],
    directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    hu,
  };
  return { volume, labels, midlineX: c };
}
