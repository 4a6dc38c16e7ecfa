/**
 * NIfTI-1 single-file images (.nii, and .nii.gz through fflate): writer and
 * a reader for round trips.
 *
 * Variant: NIfTI-1.1 (Cox et al., NIfTI DFWG 2004, nifti1.h): 348-byte
 * little-endian header, 4 zero extension bytes, voxel data from byte 352.
 * Voxel order is x fastest, then y, then z — the same as our index order, so
 * the data is copied as is. Both qform (quaternion, code 1 "scanner") and
 * sform (affine, code 1) are set from the volume geometry. NIfTI world space
 * is RAS while DICOM patient space is LPS, so the voxel -> world affine is
 * voxelToPatientAffine with its x and y rows negated. A mask is written as
 * uint8, a HU volume as int16 (scl_slope 1, scl_inter 0), spacing in pixdim,
 * units mm (xyzt_units 2). 3D Slicer, ITK-SNAP and NiiVue place such a mask
 * on the CT they read from the DICOM series.
 *
 * Cost: O(voxels) time, one output buffer of 352 + voxels * bytes per voxel;
 * gzip (fflate, level 6 by default) dominates for large volumes.
 */
import { gunzipSync, gzipSync } from 'fflate';
import { voxelToPatientAffine, type Vec3, type VolumeGeometry } from '../volume/volume';

/** NIfTI-1 datatype codes used here. */
const NIFTI_DT_UINT8 = 2;
const NIFTI_DT_INT16 = 4;
const NIFTI_DT_INT32 = 8;
const NIFTI_DT_FLOAT32 = 16;
const NIFTI_DT_FLOAT64 = 64;
const NIFTI_DT_INT8 = 256;
const NIFTI_DT_UINT16 = 512;

export type NiftiData = Uint8Array | Int16Array | Float32Array;

/** A mask (`data`), a HU volume (`hu`), or any grid with 8/16-bit or float data; `data` wins when both are present. */
export type NiftiSource = VolumeGeometry & ({ data: NiftiData } | { hu: Int16Array });

export interface NiftiWriteOptions {
  /** Free text (up to 79 ASCII characters are kept), e.g. "lung mask (filled)". */
  description?: string;
  /** Display range hint (cal_min / cal_max); default 0..1 for uint8 data, else unset. */
  calMin?: number;
  calMax?: number;
}

export interface NiftiGzOptions extends NiftiWriteOptions {
  /** Deflate level 0..9 (default 6). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

export interface NiftiImage extends VolumeGeometry {
  datatype: number;
  data: Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array;
  description: string;
  qformCode: number;
  sformCode: number;
  /** Voxel -> RAS mm affine from the sform (row-major 4x4), or null when sform_code is 0. */
  sformRas: number[] | null;
  /** Voxel -> RAS mm affine from the quaternion, pixdim and qfac (row-major 4x4). */
  qformRas: number[];
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
}

const HEADER_BYTES = 348;
const DATA_OFFSET = 352;

function sourceData(img: NiftiSource): NiftiData {
  return 'data' in img ? img.data : img.hu; // a mask spread from a volume may carry both
}

function datatypeOf(data: NiftiData): { code: number; bitpix: number } {
  if (data instanceof Uint8Array) return { code: NIFTI_DT_UINT8, bitpix: 8 };
  if (data instanceof Int16Array) return { code: NIFTI_DT_INT16, bitpix: 16 };
  return { code: NIFTI_DT_FLOAT32, bitpix: 32 };
}

/** Voxel -> RAS affine (row-major 4x4) of a geometry: LPS affine with rows x and y negated. */
export function voxelToRasAffine(g: VolumeGeometry): number[] {
  const a = voxelToPatientAffine(g);
  for (let c = 0; c < 4; c++) {
    a[c] = negate(a[c]);
    a[4 + c] = negate(a[4 + c]);
  }
  return a;
}

/** -x without producing -0. */
function negate(x: number): number {
  return x === 0 ? 0 : -x;
}

/**
 * Quaternion (b, c, d) and qfac of the rotation part of a RAS affine whose
 * columns are direction * spacing (nifti1.h "method 2"). The columns are
 * normalised and made orthogonal (Gram–Schmidt) first; qfac = -1 when the
 * frame is left-handed, and the third column is negated before conversion.
 */
function quaternionOf(affine: number[], spacing: Vec3): { b: number; c: number; d: number; qfac: number } {
  const col = (j: number): Vec3 => [affine[j] / spacing[j], affine[4 + j] / spacing[j], affine[8 + j] / spacing[j]];
  const norm = (v: Vec3): Vec3 => {
    const l = Math.hypot(v[0], v[1], v[2]) || 1;
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const x = norm(col(0));
  let y = col(1);
  const dxy = dot(x, y);
  y = norm([y[0] - dxy * x[0], y[1] - dxy * x[1], y[2] - dxy * x[2]]);
  let z = col(2);
  const dxz = dot(x, z);
  const dyz = dot(y, z);
  z = norm([z[0] - dxz * x[0] - dyz * y[0], z[1] - dxz * x[1] - dyz * y[1], z[2] - dxz * x[2] - dyz * y[2]]);
  // det of [x y z] (columns): z . (x cross y)
  const cross: Vec3 = [x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]];
  let qfac = 1;
  if (dot(cross, z) < 0) {
    qfac = -1;
    z = [-z[0], -z[1], -z[2]];
  }
  const r11 = x[0], r12 = y[0], r13 = z[0];
  const r21 = x[1], r22 = y[1], r23 = z[1];
  const r31 = x[2], r32 = y[2], r33 = z[2];
  // Shepperd's method: pick the largest of 4a^2, 4b^2, 4c^2, 4d^2.
  const tr = r11 + r22 + r33;
  let a: number, b: number, c: number, d: number;
  if (tr > 0) {
    const s = 2 * Math.sqrt(1 + tr);
    a = s / 4;
    b = (r32 - r23) / s;
    c = (r13 - r31) / s;
    d = (r21 - r12) / s;
  } else if (r11 > r22 && r11 > r33) {
    const s = 2 * Math.sqrt(1 + r11 - r22 - r33);
    a = (r32 - r23) / s;
    b = s / 4;
    c = (r12 + r21) / s;
    d = (r13 + r31) / s;
  } else if (r22 > r33) {
    const s = 2 * Math.sqrt(1 + r22 - r11 - r33);
    a = (r13 - r31) / s;
    b = (r12 + r21) / s;
    c = s / 4;
    d = (r23 + r32) / s;
  } else {
    const s = 2 * Math.sqrt(1 + r33 - r11 - r22);
    a = (r21 - r12) / s;
    b = (r13 + r31) / s;
    c = (r23 + r32) / s;
    d = s / 4;
  }
  if (a < 0) {
    b = -b;
    c = -c;
    d = -d;
  }
  return { b, c, d, qfac };
}

function writeAscii(view: DataView, offset: number, maxBytes: number, text: string): void {
  let n = 0;
  for (let i = 0; i < text.length && n < maxBytes - 1; i++) {
    const code = text.charCodeAt(i);
    view.setUint8(offset + n++, code >= 32 && code < 127 ? code : 63); // '?' for anything not printable ASCII
  }
}

/** Write a mask or volume as a single-file NIfTI-1 image (.nii bytes). */
export function writeNifti(img: NiftiSource, opts: NiftiWriteOptions = {}): Uint8Array {
  const data = sourceData(img);
  const bytesPerVoxel = datatypeOf(data).bitpix / 8;
  const out = new Uint8Array(DATA_OFFSET + data.length * bytesPerVoxel);
  writeNiftiHeader(out, img, data, opts);
  const v = new DataView(out.buffer);
  const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (bytesPerVoxel === 1 || littleEndianHost) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), DATA_OFFSET);
  } else if (data instanceof Int16Array) {
    for (let i = 0; i < data.length; i++) v.setInt16(DATA_OFFSET + 2 * i, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) v.setFloat32(DATA_OFFSET + 4 * i, data[i], true);
  }
  return out;
}

/** Bytes before the voxels of a single-file NIfTI-1 (.nii): the 348-byte header and the 4-byte extension flag. */
export const NIFTI_DATA_OFFSET = DATA_OFFSET;

/**
 * A uint8 mask's .nii written in place: `file` holds NIFTI_DATA_OFFSET
 * bytes and then the voxels (index x + y*nx + z*nx*ny), which the caller
 * painted there; this writes the header before them. Lets a writer reuse
 * one buffer for several masks of a grid instead of a new volume-sized
 * array (and a copy) per file. Returns `file`.
 */
export function writeUint8NiftiInPlace(file: Uint8Array, geometry: VolumeGeometry, opts: NiftiWriteOptions = {}): Uint8Array {
  const data = file.subarray(DATA_OFFSET);
  writeNiftiHeader(file, geometry, data, opts);
  return file;
}

/** The header (and a zero extension flag) of `data` on `img`'s grid, into the first NIFTI_DATA_OFFSET bytes of `out`. */
function writeNiftiHeader(out: Uint8Array, img: VolumeGeometry, data: NiftiData, opts: NiftiWriteOptions): void {
  const { nx, ny, nz } = img;
  if (data.length !== nx * ny * nz) throw new RangeError(`NIfTI: ${data.length} voxels for a ${nx}x${ny}x${nz} grid`);
  if (nx > 32767 || ny > 32767 || nz > 32767) throw new RangeError('NIfTI-1: a dimension exceeds 32767');
  const { code, bitpix } = datatypeOf(data);
  out.fill(0, 0, DATA_OFFSET);
  const v = new DataView(out.buffer, out.byteOffset, DATA_OFFSET);
  const le = true;
  v.setInt32(0, HEADER_BYTES, le); // sizeof_hdr
  v.setUint8(38, 'r'.charCodeAt(0)); // regular
  // dim[8]
  v.setInt16(40, 3, le);
  v.setInt16(42, nx, le);
  v.setInt16(44, ny, le);
  v.setInt16(46, nz, le);
  for (let i = 4; i < 8; i++) v.setInt16(40 + 2 * i, 1, le);
  v.setInt16(70, code, le); // datatype
  v.setInt16(72, bitpix, le); // bitpix
  const spacing = img.spacingMmXyz;
  const ras = voxelToRasAffine(img);
  const q = quaternionOf(ras, spacing);
  // pixdim[8]: qfac, dx, dy, dz, then 1 for unused time/other axes (dt = 0)
  v.setFloat32(76, q.qfac, le);
  v.setFloat32(80, spacing[0], le);
  v.setFloat32(84, spacing[1], le);
  v.setFloat32(88, spacing[2], le);
  v.setFloat32(92, 0, le);
  for (let i = 5; i < 8; i++) v.setFloat32(76 + 4 * i, 1, le);
  v.setFloat32(108, DATA_OFFSET, le); // vox_offset
  v.setFloat32(112, 1, le); // scl_slope
  v.setFloat32(116, 0, le); // scl_inter
  v.setUint8(123, 2); // xyzt_units: NIFTI_UNITS_MM, no time unit
  const calMin = opts.calMin ?? (code === NIFTI_DT_UINT8 ? 0 : undefined);
  const calMax = opts.calMax ?? (code === NIFTI_DT_UINT8 ? 1 : undefined);
  if (calMin !== undefined && calMax !== undefined) {
    v.setFloat32(124, calMax, le);
    v.setFloat32(128, calMin, le);
  }
  writeAscii(v, 148, 80, opts.description ?? ''); // descrip[80]
  v.setInt16(252, 1, le); // qform_code: NIFTI_XFORM_SCANNER_ANAT
  v.setInt16(254, 1, le); // sform_code: NIFTI_XFORM_SCANNER_ANAT
  v.setFloat32(256, q.b, le);
  v.setFloat32(260, q.c, le);
  v.setFloat32(264, q.d, le);
  v.setFloat32(268, ras[3], le); // qoffset_x
  v.setFloat32(272, ras[7], le);
  v.setFloat32(276, ras[11], le);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, ras[4 * r + c], le);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"
  // bytes 348..351: extension flag 0 (no extensions)
}

/** `writeNifti` compressed as .nii.gz (gzip without name and with mtime 0, so the bytes are reproducible). */
export function writeNiftiGz(img: NiftiSource, opts: NiftiGzOptions = {}): Uint8Array {
  return gzipSync(writeNifti(img, opts), { level: opts.level ?? 6, mtime: 0 });
}

function readAscii(bytes: Uint8Array, offset: number, max: number): string {
  let s = '';
  for (let i = 0; i < max; i++) {
    const c = bytes[offset + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Read a single-file NIfTI-1 image (.nii, or gzipped .nii.gz). The geometry
 * is taken from the sform when sform_code > 0, else from the qform, and is
 * converted back to LPS (spacing = column lengths, directions = unit columns).
 */
export function readNifti(input: Uint8Array): NiftiImage {
  const bytes = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  if (bytes.length < DATA_OFFSET) throw new Error('NIfTI: file too short');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  if (v.getInt32(0, true) !== HEADER_BYTES) {
    if (v.getInt32(0, false) !== HEADER_BYTES) throw new Error('NIfTI: sizeof_hdr is not 348');
    le = false;
  }
  const magic = readAscii(bytes, 344, 4);
  if (magic !== 'n+1') throw new Error(`NIfTI: not a single-file NIfTI-1 image (magic "${magic}")`);
  const ndim = v.getInt16(40, le);
  const dims = [1, 1, 1];
  for (let i = 0; i < Math.min(ndim, 3); i++) dims[i] = v.getInt16(42 + 2 * i, le);
  for (let i = 3; i < ndim; i++) {
    if (v.getInt16(42 + 2 * i, le) > 1) throw new Error('NIfTI: only 3-D images are read');
  }
  const [nx, ny, nz] = dims;
  const datatype = v.getInt16(70, le);
  const pixdim = Array.from({ length: 8 }, (_, i) => v.getFloat32(76 + 4 * i, le));
  const voxOffset = Math.floor(v.getFloat32(108, le));
  const sclSlope = v.getFloat32(112, le);
  const sclInter = v.getFloat32(116, le);
  const xyztUnits = v.getUint8(123);
  const description = readAscii(bytes, 148, 80);
  const qformCode = v.getInt16(252, le);
  const sformCode = v.getInt16(254, le);
  const n = nx * ny * nz;

  // data
  const readers: Record<number, [number, (o: number) => number, new (n: number) => NiftiImage['data']]> = {
    [NIFTI_DT_UINT8]: [1, (o) => v.getUint8(o), Uint8Array],
    [NIFTI_DT_INT8]: [1, (o) => v.getInt8(o), Int8Array],
    [NIFTI_DT_INT16]: [2, (o) => v.getInt16(o, le), Int16Array],
    [NIFTI_DT_UINT16]: [2, (o) => v.getUint16(o, le), Uint16Array],
    [NIFTI_DT_INT32]: [4, (o) => v.getInt32(o, le), Int32Array],
    [NIFTI_DT_FLOAT32]: [4, (o) => v.getFloat32(o, le), Float32Array],
    [NIFTI_DT_FLOAT64]: [8, (o) => v.getFloat64(o, le), Float64Array],
  };
  const reader = readers[datatype];
  if (!reader) throw new Error(`NIfTI: datatype ${datatype} not supported`);
  const [size, get, Ctor] = reader;
  if (voxOffset + n * size > bytes.length) throw new Error('NIfTI: file shorter than its voxel data');
  let data: NiftiImage['data'];
  const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (size === 1 || le === littleEndianHost) {
    const copy = bytes.slice(voxOffset, voxOffset + n * size); // aligned copy
    data = Ctor === Uint8Array ? copy : new (Ctor as unknown as new (b: ArrayBuffer) => NiftiImage['data'])(copy.buffer);
  } else {
    data = new Ctor(n);
    for (let i = 0; i < n; i++) data[i] = get(voxOffset + i * size);
  }

  // qform
  let qb = v.getFloat32(256, le);
  let qc = v.getFloat32(260, le);
  let qd = v.getFloat32(264, le);
  // As nifti1_io does: a^2 below 1e-7 is float32 rounding of a half-turn, so
  // a = 0 and (b, c, d) is renormalised (else a 180 degree rotation is off by ~1e-4 rad).
  let qa = 1 - (qb * qb + qc * qc + qd * qd);
  if (qa < 1e-7) {
    const l = Math.hypot(qb, qc, qd) || 1;
    qb /= l;
    qc /= l;
    qd /= l;
    qa = 0;
  } else {
    qa = Math.sqrt(qa);
  }
  const qfac = pixdim[0] < 0 ? -1 : 1;
  const R = [
    [qa * qa + qb * qb - qc * qc - qd * qd, 2 * (qb * qc - qa * qd), 2 * (qb * qd + qa * qc)],
    [2 * (qb * qc + qa * qd), qa * qa + qc * qc - qb * qb - qd * qd, 2 * (qc * qd - qa * qb)],
    [2 * (qb * qd - qa * qc), 2 * (qc * qd + qa * qb), qa * qa + qd * qd - qc * qc - qb * qb],
  ];
  const qoff = [v.getFloat32(268, le), v.getFloat32(272, le), v.getFloat32(276, le)];
  const qformRas: number[] = [];
  for (let r = 0; r < 3; r++) {
    qformRas.push(R[r][0] * pixdim[1], R[r][1] * pixdim[2], R[r][2] * pixdim[3] * qfac, qoff[r]);
  }
  qformRas.push(0, 0, 0, 1);
  let sformRas: number[] | null = null;
  if (sformCode > 0) {
    sformRas = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) sformRas.push(v.getFloat32(280 + 16 * r + 4 * c, le));
    sformRas.push(0, 0, 0, 1);
  }

  // geometry in LPS from the chosen affine
  const ras = sformRas ?? qformRas;
  const spacing: number[] = [];
  const dirs: Vec3[] = [];
  for (let c = 0; c < 3; c++) {
    const lps: Vec3 = [negate(ras[c]), negate(ras[4 + c]), ras[8 + c]];
    const len = Math.hypot(lps[0], lps[1], lps[2]);
    spacing.push(len);
    dirs.push(len > 0 ? [lps[0] / len, lps[1] / len, lps[2] / len] : [c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0]);
  }
  return {
    nx,
    ny,
    nz,
    spacingMmXyz: spacing as Vec3,
    originMm: [negate(ras[3]), negate(ras[7]), ras[11]],
    directionXyz: dirs as [Vec3, Vec3, Vec3],
    datatype,
    data,
    description,
    qformCode,
    sformCode,
    sformRas,
    qformRas,
    sclSlope,
    sclInter,
    xyztUnits,
  };
}
