/**
 * Synthetic chest-CT DICOM series with known geometry and ground truth.
 *
 * Same scene as the Python reference's make_phantom.py (mm, DICOM LPS): air
 * inside a circular field of view, a table, an elliptical body (fat ring,
 * soft tissue), a spine, two ellipsoidal lungs (-850 HU) joined by a trachea
 * and two main bronchi (air), vessels (capsules, one per lung through the
 * hilum), spherical nodules (one touching the chest wall). Then a separable
 * in-plane Gaussian blur (scanner point spread; the reference's tiny z blur
 * of sigma/2 slices is left out), seeded Gaussian noise (mulberry32 +
 * Box-Muller table of 2^16 deviates drawn by xorshift32; not NumPy's stream, so voxels differ from the Python files),
 * signed 16-bit stored values with RescaleIntercept -1024 and padding -2000
 * outside the field of view. One CT Image Storage file per slice, explicit VR
 * little endian; InstanceNumber 1 is the top slice (InstanceNumber decreases
 * with z, as in the real series) and file names are shuffled.
 *
 * Cost: O(nx*ny*nz) (each object is rasterised only inside its bounding box);
 * memory: the files (2 bytes/voxel)
 * plus one float slice, and the optional truth arrays. With `onFile` each
 * file is handed over as soon as it is written and not kept, so a series of
 * any length (e.g. 512 x 512 x 1000) needs the memory of one slice.
 */
import { writeDicomPart10, type DicomElementSpec } from './dicomWriter';
import { mulberry32 } from '../random/mulberry32';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const PHANTOM_PADDING = -2000;
const PHANTOM_INTERCEPT = -1024;

const PHANTOM_HU = {
  air: -1000, lung: -850, tissue: 40, fat: -100, bone: 500, table: 150, vessel: 40, nodule: 30,
} as const;

/** Bits of PhantomTruth.labels. */
export const PHANTOM_LABEL = {
  lung: 1, airway: 2, vessel: 4, vesselHilar: 8, nodule: 16, noduleJuxtapleural: 32,
} as const;

export interface PhantomParams {
  /** Rows = columns, 16..1024. Default 512. */
  size?: number;
  /** Slices, >= 1. Default 128. */
  slices?: number;
  /** Slice spacing (and SliceThickness) in mm. Default 2.5. */
  thicknessMm?: number;
  /** Field of view in mm. Default 350. */
  fovMm?: number;
  /** Gaussian noise sigma in HU. Default 12. */
  noiseHu?: number;
  /** In-plane blur sigma in pixels (0: none). Default 0.6. */
  blurPx?: number;
  /** Seed of the noise, the file-name shuffle and the UIDs. Default 1. */
  seed?: number;
  /** Also return the per-voxel labels (volume order). Default false. */
  withLabels?: boolean;
  /** Also return the HU volume a loader must produce (volume order, padding as -1024). Default false. */
  withVolume?: boolean;
  /**
   * Receives each file as soon as it is written (InstanceNumber order, i.e.
   * top slice first); the files are then not kept and `files` of the result
   * is empty. For writing long series to disk without holding them.
   */
  onFile?: (file: PhantomFile) => void;
}

export interface PhantomLung { name: string; centerMm: [number, number, number]; semiAxesMm: [number, number, number] }
export interface PhantomCapsule { name: string; p0Mm: [number, number, number]; p1Mm: [number, number, number]; radiusMm: number; hilar?: boolean; lung?: string }
export interface PhantomNodule { centerMm: [number, number, number]; radiusMm: number; lung: string; juxtapleural: boolean }

export interface PhantomGeometry {
  bodySemiAxesXyMm: [number, number];
  fatInnerSemiAxesXyMm: [number, number];
  spine: { centerXyMm: [number, number]; radiusMm: number };
  table: { yRangeMm: [number, number]; halfWidthXMm: number };
  lungs: PhantomLung[];
  airways: PhantomCapsule[];
  vessels: PhantomCapsule[];
  nodules: PhantomNodule[];
}

export interface PhantomTruth {
  dimsZyx: [number, number, number];
  spacingMmZyx: [number, number, number];
  /** ImagePositionPatient of voxel (0,0,0) in volume order (lowest z). */
  originMm: [number, number, number];
  /** Slice position z (mm) in volume order (increasing). */
  slicePositionsMm: number[];
  /** File name of each volume slice (z order). */
  fileForSlice: string[];
  /** InstanceNumber of each volume slice (z order): decreasing. */
  instanceNumberForSlice: number[];
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  geometryMm: PhantomGeometry;
  hu: typeof PHANTOM_HU;
  fovRadiusMm: number;
  /** Voxel centres inside each object (before blur and noise); airways exclude the part inside the lungs. */
  voxelCounts: { lungs: number; airways: number; vessels: number; nodules: number; lungsAndAirways: number; fovPixelsPerSlice: number };
  voxelVolumeMm3: number;
  lungsAndAirwaysMl: number;
  /** Sum of the two lung ellipsoid volumes (mL). */
  lungEllipsoidsMl: number;
  /** Per slice (z order): voxels in lungs or airways. */
  perSliceLungsAndAirways: number[];
  /** PHANTOM_LABEL bits per voxel, index x + y*nx + z*nx*ny (withLabels). */
  labels?: Uint8Array;
  /** HU volume as decoded (withVolume). */
  volumeHu?: Int16Array;
}

export interface PhantomFile {
  name: string;
  bytes: Uint8Array;
}

export interface PhantomResult {
  /** Files sorted by name (names are shuffled relative to InstanceNumber and z); empty when `onFile` took them. */
  files: PhantomFile[];
  truth: PhantomTruth;
}

type V3 = [number, number, number];

/** The scene for a stack of lzMm height centred on z = 0 (middle slice at zMidMm). */
function phantomGeometry(lzMm: number, zMidMm: number): PhantomGeometry {
  const lungC = 0.36 * lzMm;
  const lungZ = -0.05 * lzMm;
  const carinaZ = lungZ + 0.45 * lungC;
  const right: PhantomLung = { name: 'right_lung', centerMm: [-70, -5, lungZ], semiAxesMm: [55, 75, lungC] };
  const left: PhantomLung = { name: 'left_lung', centerMm: [70, -5, lungZ], semiAxesMm: [50, 72, lungC] };
  const inLung = (l: PhantomLung, fx: number, fy: number, fz: number): V3 => [
    l.centerMm[0] + fx * l.semiAxesMm[0], l.centerMm[1] + fy * l.semiAxesMm[1], l.centerMm[2] + fz * l.semiAxesMm[2],
  ];
  const specs: Array<[PhantomLung, V3, V3, number, boolean]> = [
    [right, [0.55, 0.05, 0.10], [-0.55, -0.30, 0.45], 3.0, false],
    [right, [0.50, 0.10, 0.00], [-0.45, 0.45, -0.40], 2.5, false],
    [right, [0.40, -0.20, -0.20], [-0.30, -0.55, -0.60], 2.0, false],
    [right, [0.35, 0.40, 0.30], [-0.20, 0.60, 0.60], 1.5, false],
    [left, [-0.55, 0.05, 0.05], [0.55, -0.25, 0.40], 3.0, false],
    [left, [-0.50, 0.15, -0.05], [0.45, 0.45, -0.45], 2.5, false],
    [left, [-0.40, -0.25, -0.25], [0.35, -0.50, -0.60], 2.0, false],
    [left, [-0.30, 0.45, 0.35], [0.25, 0.55, 0.65], 1.5, false],
    [right, [1.35, 0.10, -0.05], [0.40, 0.15, -0.10], 3.5, true],
    [left, [-1.35, 0.10, -0.08], [-0.40, 0.20, -0.15], 3.5, true],
  ];
  const vessels: PhantomCapsule[] = specs.map(([l, a, b, r, hilar], i) => ({
    name: `vessel_${i + 1}`, lung: l.name, p0Mm: inLung(l, ...a), p1Mm: inLung(l, ...b), radiusMm: r, hilar,
  }));
  const nodules: PhantomNodule[] = [
    { centerMm: [-65, -31, zMidMm], radiusMm: 6, lung: 'right_lung', juxtapleural: false },
    { centerMm: inLung(left, 0.20, 0.35, 0.30), radiusMm: 4, lung: 'left_lung', juxtapleural: false },
    { centerMm: inLung(right, -0.35, 0.45, -0.35), radiusMm: 8, lung: 'right_lung', juxtapleural: false },
    { centerMm: inLung(left, -0.25, -0.45, 0.05), radiusMm: 2.5, lung: 'left_lung', juxtapleural: false },
    { centerMm: [70 + 50 - 3, -5, lungZ - 0.15 * lungC], radiusMm: 5, lung: 'left_lung', juxtapleural: true },
  ];
  const airways: PhantomCapsule[] = [
    { name: 'trachea', p0Mm: [0, -30, lzMm], p1Mm: [0, -30, carinaZ], radiusMm: 9 },
    { name: 'right_main_bronchus', p0Mm: [0, -30, carinaZ], p1Mm: [-45, -15, carinaZ - 25], radiusMm: 6 },
    { name: 'left_main_bronchus', p0Mm: [0, -30, carinaZ], p1Mm: [45, -15, carinaZ - 30], radiusMm: 5.5 },
  ];
  return {
    bodySemiAxesXyMm: [165, 120],
    fatInnerSemiAxesXyMm: [150, 105],
    spine: { centerXyMm: [0, 85], radiusMm: 18 },
    table: { yRangeMm: [126, 134], halfWidthXMm: 150 },
    lungs: [right, left],
    airways,
    vessels,
    nodules,
  };
}


/** 53-bit string hash (cyrb53) for deterministic UIDs. */
function hash53(s: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A "2.25." UID (decimal 100-bit-ish integer) derived from a string. */
function derivedUid(s: string): string {
  const a = BigInt(hash53(s, 1));
  const b = BigInt(hash53(s, 2)) & ((1n << 48n) - 1n);
  return `2.25.${((a << 48n) | b) + 1n}`;
}

/** Marks pixels of the plane z within distance r of segment p0-p1 (bounding box only). */
function rasterCapsule(
  lab: Uint8Array, bit: number, n: number, x0: number, dx: number, z: number, p0: V3, p1: V3, r: number,
): void {
  const zmin = Math.min(p0[2], p1[2]) - r;
  const zmax = Math.max(p0[2], p1[2]) + r;
  if (z < zmin || z > zmax) return;
  const d0 = p1[0] - p0[0], d1 = p1[1] - p0[1], d2 = p1[2] - p0[2];
  const dd = d0 * d0 + d1 * d1 + d2 * d2;
  const pz = z - p0[2];
  const i0 = Math.max(0, Math.floor((Math.min(p0[0], p1[0]) - r - x0) / dx));
  const i1 = Math.min(n - 1, Math.ceil((Math.max(p0[0], p1[0]) + r - x0) / dx));
  const j0 = Math.max(0, Math.floor((Math.min(p0[1], p1[1]) - r - x0) / dx));
  const j1 = Math.min(n - 1, Math.ceil((Math.max(p0[1], p1[1]) + r - x0) / dx));
  const r2 = r * r;
  for (let j = j0; j <= j1; j++) {
    const py = x0 + j * dx - p0[1];
    for (let i = i0; i <= i1; i++) {
      const px = x0 + i * dx - p0[0];
      let t = dd > 0 ? (px * d0 + py * d1 + pz * d2) / dd : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const qx = px - t * d0, qy = py - t * d1, qz = pz - t * d2;
      if (qx * qx + qy * qy + qz * qz <= r2) lab[j * n + i] |= bit;
    }
  }
}

/** Marks pixels of the plane z inside an ellipsoid (bounding box only). */
function rasterEllipsoid(lab: Uint8Array, bit: number, n: number, x0: number, dx: number, z: number, c: V3, s: V3): void {
  const fz = (z - c[2]) / s[2];
  const rest = 1 - fz * fz;
  if (rest < 0) return;
  const ax = s[0] * Math.sqrt(rest);
  const ay = s[1] * Math.sqrt(rest);
  const i0 = Math.max(0, Math.floor((c[0] - ax - x0) / dx));
  const i1 = Math.min(n - 1, Math.ceil((c[0] + ax - x0) / dx));
  const j0 = Math.max(0, Math.floor((c[1] - ay - x0) / dx));
  const j1 = Math.min(n - 1, Math.ceil((c[1] + ay - x0) / dx));
  for (let j = j0; j <= j1; j++) {
    const fy = (x0 + j * dx - c[1]) / s[1];
    for (let i = i0; i <= i1; i++) {
      const fx = (x0 + i * dx - c[0]) / s[0];
      if (fx * fx + fy * fy + fz * fz <= 1) lab[j * n + i] |= bit;
    }
  }
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Separable blur of an n x n slice, edges clamped; rows then columns, both passes stream along rows. */
function blurSlice(src: Float32Array, tmp: Float32Array, n: number, k: Float32Array): void {
  const r = (k.length - 1) >> 1;
  for (let j = 0; j < n; j++) {
    const row = j * n;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      if (i >= r && i < n - r) {
        const b = row + i - r;
        for (let t = 0; t < k.length; t++) acc += k[t] * src[b + t];
      } else {
        for (let t = -r; t <= r; t++) {
          const ii = i + t < 0 ? 0 : i + t >= n ? n - 1 : i + t;
          acc += k[t + r] * src[row + ii];
        }
      }
      tmp[row + i] = acc;
    }
  }
  for (let j = 0; j < n; j++) {
    const out = j * n;
    src.fill(0, out, out + n);
    for (let t = -r; t <= r; t++) {
      const jj = j + t < 0 ? 0 : j + t >= n ? n - 1 : j + t;
      const w = k[t + r];
      const inRow = jj * n;
      for (let i = 0; i < n; i++) src[out + i] += w * tmp[inRow + i];
    }
  }
}

/** 2^16 standard normal deviates (Box-Muller) from the seeded generator. */
function normalTable(rng: () => number): Float32Array {
  const t = new Float32Array(65536);
  for (let i = 0; i < t.length; i += 2) {
    const rad = Math.sqrt(-2 * Math.log(1 - rng()));
    const a = 2 * Math.PI * rng();
    t[i] = rad * Math.cos(a);
    t[i + 1] = rad * Math.sin(a);
  }
  return t;
}

function fmt6(v: number): number {
  return Number(v.toFixed(6));
}

/** Makes the series: one DICOM file per slice, plus ground truth. */
export function makePhantomSeries(params: PhantomParams = {}): PhantomResult {
  const n = params.size ?? 512;
  const nz = params.slices ?? 128;
  const thickness = params.thicknessMm ?? 2.5;
  const fov = params.fovMm ?? 350;
  const noise = params.noiseHu ?? 12;
  const blur = params.blurPx ?? 0.6;
  const seed = params.seed ?? 1;
  if (!(n >= 16 && n <= 1024)) throw new Error('size must be in 16..1024');
  if (!(nz >= 1)) throw new Error('slices must be at least 1');

  const dx = fov / n;
  const x0 = -fov / 2 + dx / 2;
  const lz = nz * thickness;
  // InstanceNumber k+1 is at zByInstance[k]: the top slice first, z decreasing.
  const zByInstance = Array.from({ length: nz }, (_, k) => fmt6(((nz - 1) / 2) * thickness - k * thickness));
  const zMid = zByInstance[nz >> 1];
  const geo = phantomGeometry(lz, zMid);

  const rng = mulberry32(seed * 0x9e3779b1 + 17);
  // File names: a seeded permutation (Fisher-Yates) of the instance numbers.
  const perm = Array.from({ length: nz }, (_, k) => k);
  for (let k = nz - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    [perm[k], perm[j]] = [perm[j], perm[k]];
  }
  const pad = Math.max(5, String(nz).length);
  const nameForInstance = (k: number) => `IM${String(perm[k] + 1).padStart(pad, '0')}.dcm`;

  const ent = `phantom|${seed}|${n}|${nz}|${thickness}|${fov}`;
  const studyUid = derivedUid(`${ent}|study`);
  const seriesUid = derivedUid(`${ent}|series`);
  const forUid = derivedUid(`${ent}|for`);

  // Static part of every slice.
  const pixels = n * n;
  const base = new Float32Array(pixels);
  const fovMask = new Uint8Array(pixels);
  const H = PHANTOM_HU;
  const [bax, bay] = geo.bodySemiAxesXyMm;
  const [iax, iay] = geo.fatInnerSemiAxesXyMm;
  const sp = geo.spine;
  const fovR2 = (fov / 2) * (fov / 2);
  let fovCount = 0;
  for (let j = 0; j < n; j++) {
    const y = x0 + j * dx;
    for (let i = 0; i < n; i++) {
      const x = x0 + i * dx;
      let v: number = H.air;
      if (y >= geo.table.yRangeMm[0] && y <= geo.table.yRangeMm[1] && Math.abs(x) <= geo.table.halfWidthXMm) v = H.table;
      if ((x / bax) ** 2 + (y / bay) ** 2 <= 1) v = H.fat;
      if ((x / iax) ** 2 + (y / iay) ** 2 <= 1) v = H.tissue;
      if ((x - sp.centerXyMm[0]) ** 2 + (y - sp.centerXyMm[1]) ** 2 <= sp.radiusMm ** 2) v = H.bone;
      base[j * n + i] = v;
      if (x * x + y * y <= fovR2) {
        fovMask[j * n + i] = 1;
        fovCount++;
      }
    }
  }

  const L = PHANTOM_LABEL;
  const kernel = blur > 0 ? gaussianKernel(blur) : null;
  const slice = new Float32Array(pixels);
  const tmp = new Float32Array(pixels);
  const lab = new Uint8Array(pixels);
  const stored = new Int16Array(pixels);
  const labels = params.withLabels ? new Uint8Array(pixels * nz) : undefined;
  const volumeHu = params.withVolume ? new Int16Array(pixels * nz) : undefined;
  const counts = { lungs: 0, airways: 0, vessels: 0, nodules: 0, lungsAndAirways: 0, fovPixelsPerSlice: fovCount };
  const perSliceLA = new Array<number>(nz).fill(0);
  const onFile = params.onFile;
  const files: PhantomFile[] = onFile ? [] : new Array(nz);
  const normals = normalTable(rng);
  let xs = (Math.floor(rng() * 4294967296) | 1) >>> 0;

  for (let k = 0; k < nz; k++) {
    const z = zByInstance[k];
    const zi = nz - 1 - k; // volume index (increasing z)
    lab.fill(0);
    for (const l of geo.lungs) rasterEllipsoid(lab, L.lung, n, x0, dx, z, l.centerMm, l.semiAxesMm);
    for (const a of geo.airways) rasterCapsule(lab, L.airway, n, x0, dx, z, a.p0Mm, a.p1Mm, a.radiusMm);
    for (const v of geo.vessels) rasterCapsule(lab, v.hilar ? L.vessel | L.vesselHilar : L.vessel, n, x0, dx, z, v.p0Mm, v.p1Mm, v.radiusMm);
    for (const nd of geo.nodules) {
      const c = nd.centerMm;
      rasterEllipsoid(lab, nd.juxtapleural ? L.nodule | L.noduleJuxtapleural : L.nodule, n, x0, dx, z, c, [nd.radiusMm, nd.radiusMm, nd.radiusMm]);
    }
    slice.set(base);
    let la = 0;
    for (let p = 0; p < pixels; p++) {
      let b = lab[p];
      if (b === 0) continue;
      if (b & L.lung) b &= ~L.airway; // airways exclude the part inside the lungs
      lab[p] = b;
      if (b & L.nodule) slice[p] = H.nodule;
      else if (b & L.vessel) slice[p] = H.vessel;
      else if (b & L.airway) slice[p] = H.air;
      else if (b & L.lung) slice[p] = H.lung;
      if (b & L.lung) counts.lungs++;
      if (b & L.airway) counts.airways++;
      if (b & L.vessel) counts.vessels++;
      if (b & L.nodule) counts.nodules++;
      if (b & (L.lung | L.airway)) la++;
    }
    counts.lungsAndAirways += la;
    perSliceLA[zi] = la;
    if (labels) labels.set(lab, zi * pixels);
    if (kernel) blurSlice(slice, tmp, n, kernel);
    for (let p = 0; p < pixels; p++) {
      let v = slice[p];
      if (noise > 0) {
        // xorshift32 picks a deviate from the table (cheap per-voxel noise).
        xs ^= xs << 13;
        xs ^= xs >>> 17;
        xs ^= xs << 5;
        v += noise * normals[(xs >>> 8) & 0xffff];
      }
      let s = Math.round(v) - PHANTOM_INTERCEPT;
      s = s < -32768 ? -32768 : s > 32767 ? 32767 : s;
      stored[p] = fovMask[p] ? s : PHANTOM_PADDING;
    }
    if (volumeHu) {
      const off = zi * pixels;
      for (let p = 0; p < pixels; p++) volumeHu[off + p] = fovMask[p] ? stored[p] + PHANTOM_INTERCEPT : -1024;
    }
    const file = { name: nameForInstance(k), bytes: writeSlice(k) };
    if (onFile) onFile(file);
    else files[k] = file;
  }

  function writeSlice(k: number): Uint8Array {
    const sop = derivedUid(`${ent}|sop|${k}`);
    const z = zByInstance[k];
    const e: DicomElementSpec[] = [
      { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 100' },
      { tag: 0x00080008, vr: 'CS', value: 'ORIGINAL\\PRIMARY\\AXIAL' },
      { tag: 0x00080016, vr: 'UI', value: CT_IMAGE_STORAGE },
      { tag: 0x00080018, vr: 'UI', value: sop },
      { tag: 0x00080020, vr: 'DA', value: '20240101' },
      { tag: 0x00080021, vr: 'DA', value: '20240101' },
      { tag: 0x00080023, vr: 'DA', value: '20240101' },
      { tag: 0x00080030, vr: 'TM', value: '120000' },
      { tag: 0x00080031, vr: 'TM', value: '120000' },
      { tag: 0x00080033, vr: 'TM', value: '120000' },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x00080070, vr: 'LO', value: 'synthetic phantom' },
      { tag: 0x0008103e, vr: 'LO', value: `Phantom ${n}x${n}x${nz} seed ${seed}` },
      { tag: 0x00100010, vr: 'PN', value: 'Phantom^Chest' },
      { tag: 0x00100020, vr: 'LO', value: `PHANTOM${String(seed).padStart(4, '0')}` },
      { tag: 0x00100030, vr: 'DA', value: '' },
      { tag: 0x00100040, vr: 'CS', value: 'O' },
      { tag: 0x00180015, vr: 'CS', value: 'CHEST' },
      { tag: 0x00180050, vr: 'DS', value: thickness },
      { tag: 0x00180060, vr: 'DS', value: 120 },
      { tag: 0x00185100, vr: 'CS', value: 'FFS' },
      { tag: 0x0020000d, vr: 'UI', value: studyUid },
      { tag: 0x0020000e, vr: 'UI', value: seriesUid },
      { tag: 0x00200010, vr: 'SH', value: '1' },
      { tag: 0x00200011, vr: 'IS', value: 1 },
      { tag: 0x00200012, vr: 'IS', value: 1 },
      { tag: 0x00200013, vr: 'IS', value: k + 1 },
      { tag: 0x00200032, vr: 'DS', value: [fmt6(x0), fmt6(x0), z] },
      { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
      { tag: 0x00200052, vr: 'UI', value: forUid },
      { tag: 0x00201040, vr: 'LO', value: '' },
      { tag: 0x00201041, vr: 'DS', value: z },
      { tag: 0x00280002, vr: 'US', value: 1 },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: n },
      { tag: 0x00280011, vr: 'US', value: n },
      { tag: 0x00280030, vr: 'DS', value: [fmt6(dx), fmt6(dx)] },
      { tag: 0x00280100, vr: 'US', value: 16 },
      { tag: 0x00280101, vr: 'US', value: 16 },
      { tag: 0x00280102, vr: 'US', value: 15 },
      { tag: 0x00280103, vr: 'US', value: 1 },
      { tag: 0x00280120, vr: 'SS', value: PHANTOM_PADDING },
      { tag: 0x00281050, vr: 'DS', value: -600 },
      { tag: 0x00281051, vr: 'DS', value: 1500 },
      { tag: 0x00281052, vr: 'DS', value: PHANTOM_INTERCEPT },
      { tag: 0x00281053, vr: 'DS', value: 1 },
      { tag: 0x00281054, vr: 'LO', value: 'HU' },
      { tag: 0x7fe00010, vr: 'OW', value: stored },
    ];
    return writeDicomPart10({ sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: sop, elements: e });
  }

  const voxelVolumeMm3 = fmt6(dx) * fmt6(dx) * thickness;
  const lungEllipsoidsMl = geo.lungs.reduce((s, l) => s + (4 / 3) * Math.PI * l.semiAxesMm[0] * l.semiAxesMm[1] * l.semiAxesMm[2], 0) / 1000;
  const truth: PhantomTruth = {
    dimsZyx: [nz, n, n],
    spacingMmZyx: [thickness, fmt6(dx), fmt6(dx)],
    originMm: [fmt6(x0), fmt6(x0), zByInstance[nz - 1]],
    slicePositionsMm: [...zByInstance].reverse(),
    fileForSlice: Array.from({ length: nz }, (_, zi) => nameForInstance(nz - 1 - zi)),
    instanceNumberForSlice: Array.from({ length: nz }, (_, zi) => nz - zi),
    seriesInstanceUid: seriesUid,
    studyInstanceUid: studyUid,
    frameOfReferenceUid: forUid,
    geometryMm: geo,
    hu: PHANTOM_HU,
    fovRadiusMm: fov / 2,
    voxelCounts: counts,
    voxelVolumeMm3,
    lungsAndAirwaysMl: (counts.lungsAndAirways * voxelVolumeMm3) / 1000,
    lungEllipsoidsMl,
    perSliceLungsAndAirways: perSliceLA,
    labels,
    volumeHu,
  };
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, truth };
}

