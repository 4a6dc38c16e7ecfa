/**
 * DICOM Segmentation (SEG, SOP Class 1.2.840.10008.5.1.4.1.1.66.4) out and in.
 *
 * Writer: segments given as label values of one label volume or as binary
 * masks on the CT grid (i = x + y*nx + z*nx*ny) become one BINARY SEG
 * (PS3.3 A.51, C.8.20): 1 bit per pixel, frames packed one after the other
 * without padding (PS3.5 8.1.1), one frame per segment and slice that holds
 * the segment (empty frames are left out), frames in segment then slice
 * order. Shared functional groups: Pixel Measures, Plane Orientation;
 * per frame: Frame Content (DimensionIndexValues = segment number, slice
 * index + 1), Plane Position, Segment Identification, Derivation Image
 * (the source slice's SOP Instance UID). Dimensions: ReferencedSegmentNumber
 * then ImagePositionPatient. Patient, study and frame of reference are those
 * of the CT; series and instance UIDs are new (2.25.<128-bit random>).
 *
 * Reader: frames are matched to CT slices by ReferencedSOPInstanceUID (when
 * the UID names one slice only), else by ImagePositionPatient along the
 * slice normal; either way the frame's position must lie on that slice
 * (within a tenth of the slice spacing along the normal and of the pixel
 * spacing in plane). A SEG whose orientation, pixel spacing, rows/columns or
 * frame of reference differ from the CT's, or a frame off every slice, is
 * refused with the reason. BINARY and FRACTIONAL (threshold half the
 * maximum) native pixel data are read.
 *
 * Cost: writer O(voxels x segments) time, memory the packed bits plus one
 * list of frames; reader O(frames x rows x columns) plus one byte per voxel
 * per segment for the masks.
 */
import { detectLayout, parseDataSet } from '../dicom/layout';
import type { DataSet, Element } from '../dicom/dicomParserLib';
import { num, str, us, vec } from '../dicom/elements';
import { errorText } from '../dicom/limits';
import type { SeriesSummary } from '../dicom/types';
import { LUNGVIEW_VERSION } from '../version';
import type { Vec3, VolumeGeometry } from '../volume/volume';
import { writeDicomPart10, type DicomElementSpec, type DicomItems } from './dicomWriter';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** A coded concept (CodeValue, CodingSchemeDesignator, CodeMeaning). */
export interface SegCode {
  value: string;
  scheme: string;
  meaning: string;
}

export interface SegSegmentDef {
  /** SegmentLabel (LO, at most 64 characters). */
  name: string;
  /** SegmentedPropertyCategoryCodeSequence. */
  category: SegCode;
  /** SegmentedPropertyTypeCodeSequence. */
  type: SegCode;
  /** SegmentDescription (optional). */
  description?: string;
}

/** One segment: the voxels of `labels` equal to `labelValue`, or the nonzero voxels of `mask`. */
export type SegSegmentInput = SegSegmentDef & ({ labels: Uint8Array; labelValue: number } | { mask: Uint8Array });

/** What the SEG refers to: the CT's grid and its slices. */
export interface SegSource {
  geometry: VolumeGeometry;
  /** The series (slicePositionsMm, sopInstanceUids, firstHeader for patient / study / frame of reference). */
  summary: SeriesSummary;
}

export interface WriteSegParams {
  source: SegSource;
  segments: readonly SegSegmentInput[];
  /** Creation time (default now). */
  now?: Date;
  /** SeriesDescription (default "lungview segmentation"). */
  seriesDescription?: string;
}

/** Codes of the SNOMED CT concepts used for lungview's structures. */
export const SCT = {
  anatomicalStructure: { value: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' },
  tissue: { value: '85756007', scheme: 'SCT', meaning: 'Tissue' },
  softTissue: { value: '87784001', scheme: 'SCT', meaning: 'Soft tissue' },
  rightLung: { value: '3341006', scheme: 'SCT', meaning: 'Right lung' },
  leftLung: { value: '44029006', scheme: 'SCT', meaning: 'Left lung' },
  trachea: { value: '44567001', scheme: 'SCT', meaning: 'Trachea' },
} as const satisfies Record<string, SegCode>;

/** 2.25.<decimal of a 128-bit random value> (PS3.5 B.2). */
export function newUid(): string {
  let v = BigInt(0);
  for (let k = 0; k < 4; k++) v = (v << BigInt(32)) | BigInt(Math.floor(Math.random() * 2 ** 32));
  return `2.25.${v.toString()}`;
}

const dot = (a: readonly number[], b: readonly number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** ImagePositionPatient of each CT slice: the origin moved along the normal by the slice's own position (uneven stacks kept). */
function slicePositions(g: VolumeGeometry, summary: SeriesSummary): Vec3[] {
  const pos = summary.slicePositionsMm;
  const n = g.directionXyz[2];
  const out: Vec3[] = [];
  for (let z = 0; z < g.nz; z++) {
    const d = pos.length === g.nz ? pos[z] - pos[0] : z * g.spacingMmXyz[2];
    out.push([g.originMm[0] + d * n[0], g.originMm[1] + d * n[1], g.originMm[2] + d * n[2]]);
  }
  return out;
}

const TAG = {
  imagePosition: 0x00200032,
  referencedSegmentNumber: 0x0062000b,
  planePositionSeq: 0x00209113,
  segmentIdentificationSeq: 0x0062000a,
} as const;

const code = (c: SegCode): DicomElementSpec[] => [
  { tag: 0x00080100, vr: 'SH', value: c.value },
  { tag: 0x00080102, vr: 'SH', value: c.scheme },
  { tag: 0x00080104, vr: 'LO', value: c.meaning },
];
const seq = (tag: number, items: DicomItems): DicomElementSpec => ({ tag, vr: 'SQ', value: { items } });

function dicomDateTime(d: Date): { date: string; time: string } {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    date: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`,
  };
}

function inSegment(s: SegSegmentInput): (i: number) => boolean {
  if ('mask' in s) {
    const m = s.mask;
    return (i) => m[i] !== 0;
  }
  const { labels, labelValue } = s;
  return (i) => labels[i] === labelValue;
}

interface Frame {
  segment: number;
  z: number;
}

/** Frames (segment, slice) that hold at least one voxel, and the packed bits of all of them (LSB first, frames back to back). */
function packFrames(g: VolumeGeometry, segments: readonly SegSegmentInput[]): { frames: Frame[]; bits: Uint8Array } {
  const per = g.nx * g.ny;
  const frames: Frame[] = [];
  const tests = segments.map((s) => {
    const voxels = 'mask' in s ? s.mask.length : s.labels.length;
    if (voxels !== per * g.nz) throw new Error(`segment ${s.name}: ${voxels} voxels, the CT has ${per * g.nz}`);
    return inSegment(s);
  });
  tests.forEach((has, k) => {
    for (let z = 0; z < g.nz; z++) {
      const base = z * per;
      for (let i = 0; i < per; i++) {
        if (has(base + i)) {
          frames.push({ segment: k + 1, z });
          break;
        }
      }
    }
  });
  const bytes = Math.ceil((frames.length * per) / 8);
  const bits = new Uint8Array(bytes + (bytes & 1));
  frames.forEach((f, k) => {
    const has = tests[f.segment - 1];
    const base = f.z * per;
    for (let i = 0; i < per; i++) {
      if (!has(base + i)) continue;
      const b = k * per + i;
      bits[b >> 3] |= 1 << (b & 7);
    }
  });
  return { frames, bits };
}

/** The SEG as a Part-10 file (explicit VR little endian). Throws when no segment has a voxel or the source lacks what a SEG must reference. */
export function writeDicomSeg(params: WriteSegParams): Uint8Array {
  const { geometry: g, summary } = params.source;
  const h = summary.firstHeader;
  const uids = summary.sopInstanceUids;
  if (!uids || uids.length !== g.nz || uids.some((u) => !u)) throw new Error('the series does not give a SOPInstanceUID for every slice');
  if (!h.studyInstanceUid || !h.frameOfReferenceUid) throw new Error('the series has no StudyInstanceUID or FrameOfReferenceUID');
  const { frames, bits } = packFrames(g, params.segments);
  if (frames.length === 0) throw new Error('no segment has a voxel: nothing to write');
  const sourceClass = h.sopClassUid || CT_IMAGE_STORAGE;
  const ipp = slicePositions(g, summary);
  const { date, time } = dicomDateTime(params.now ?? new Date());
  const sopInstanceUid = newUid();
  const dimensionOrganizationUid = newUid();
  const ps = h.patientStudy;
  const [row, col] = g.directionXyz;
  const spacingZ = g.spacingMmXyz[2];

  const segmentItems: DicomItems = params.segments.map((s, k) => [
    { tag: 0x00620004, vr: 'US', value: k + 1 },
    { tag: 0x00620005, vr: 'LO', value: s.name.slice(0, 64) },
    ...(s.description ? [{ tag: 0x00620006, vr: 'ST', value: s.description } as DicomElementSpec] : []),
    { tag: 0x00620008, vr: 'CS', value: 'AUTOMATIC' },
    { tag: 0x00620009, vr: 'LO', value: `lungview ${LUNGVIEW_VERSION}` },
    seq(0x00620003, [code(s.category)]),
    seq(0x0062000f, [code(s.type)]),
  ]);
  const perFrame: DicomItems = frames.map((f) => [
    seq(0x00209111, [[{ tag: 0x00209157, vr: 'UL', value: [f.segment, f.z + 1] }]]),
    seq(TAG.planePositionSeq, [[{ tag: TAG.imagePosition, vr: 'DS', value: ipp[f.z] }]]),
    seq(TAG.segmentIdentificationSeq, [[{ tag: TAG.referencedSegmentNumber, vr: 'US', value: f.segment }]]),
    seq(0x00089124, [[
      seq(0x00082112, [[
        { tag: 0x00081150, vr: 'UI', value: sourceClass },
        { tag: 0x00081155, vr: 'UI', value: uids[f.z] },
        seq(0x0040a170, [code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' })]),
      ]]),
      seq(0x00089215, [code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })]),
    ]]),
  ]);
  const referencedZ = [...new Set(frames.map((f) => f.z))].sort((a, b) => a - b);
  const referencedInstances: DicomItems = [...new Set(referencedZ.map((z) => uids[z]))].map((u) => [
    { tag: 0x00081150, vr: 'UI', value: sourceClass },
    { tag: 0x00081155, vr: 'UI', value: u },
  ]);
  const dimension = (pointer: number, group: number, label: string): DicomElementSpec[] => [
    { tag: 0x00209164, vr: 'UI', value: dimensionOrganizationUid },
    { tag: 0x00209165, vr: 'AT', value: pointer },
    { tag: 0x00209167, vr: 'AT', value: group },
    { tag: 0x00209421, vr: 'LO', value: label },
  ];
  const elements: DicomElementSpec[] = [
    { tag: 0x00080008, vr: 'CS', value: 'DERIVED\\PRIMARY' },
    { tag: 0x00080012, vr: 'DA', value: date },
    { tag: 0x00080013, vr: 'TM', value: time },
    { tag: 0x00080016, vr: 'UI', value: SEGMENTATION_STORAGE },
    { tag: 0x00080018, vr: 'UI', value: sopInstanceUid },
    { tag: 0x00080020, vr: 'DA', value: ps?.studyDate ?? '' },
    { tag: 0x00080021, vr: 'DA', value: date },
    { tag: 0x00080023, vr: 'DA', value: date },
    { tag: 0x00080030, vr: 'TM', value: ps?.studyTime ?? '' },
    { tag: 0x00080031, vr: 'TM', value: time },
    { tag: 0x00080033, vr: 'TM', value: time },
    { tag: 0x00080050, vr: 'SH', value: ps?.accessionNumber ?? '' },
    { tag: 0x00080060, vr: 'CS', value: 'SEG' },
    { tag: 0x00080070, vr: 'LO', value: 'lungview' },
    { tag: 0x00080090, vr: 'PN', value: ps?.referringPhysicianName ?? '' },
    { tag: 0x0008103e, vr: 'LO', value: params.seriesDescription ?? 'lungview segmentation' },
    { tag: 0x00081090, vr: 'LO', value: 'lungview' },
    seq(0x00081115, [[
      seq(0x0008114a, referencedInstances),
      { tag: 0x0020000e, vr: 'UI', value: summary.seriesInstanceUid },
    ]]),
    { tag: 0x00100010, vr: 'PN', value: h.patientName },
    { tag: 0x00100020, vr: 'LO', value: h.patientId },
    { tag: 0x00100030, vr: 'DA', value: ps?.patientBirthDate ?? '' },
    { tag: 0x00100040, vr: 'CS', value: ps?.patientSex ?? '' },
    { tag: 0x00181000, vr: 'LO', value: '1' },
    { tag: 0x00181020, vr: 'LO', value: LUNGVIEW_VERSION },
    { tag: 0x0020000d, vr: 'UI', value: h.studyInstanceUid },
    { tag: 0x0020000e, vr: 'UI', value: newUid() },
    { tag: 0x00200010, vr: 'SH', value: ps?.studyId ?? '' },
    { tag: 0x00200011, vr: 'IS', value: 9901 },
    { tag: 0x00200013, vr: 'IS', value: 1 },
    { tag: 0x00200052, vr: 'UI', value: h.frameOfReferenceUid },
    { tag: 0x00201040, vr: 'LO', value: '' },
    seq(0x00209221, [[{ tag: 0x00209164, vr: 'UI', value: dimensionOrganizationUid }]]),
    seq(0x00209222, [
      dimension(TAG.referencedSegmentNumber, TAG.segmentIdentificationSeq, 'ReferencedSegmentNumber'),
      dimension(TAG.imagePosition, TAG.planePositionSeq, 'ImagePositionPatient'),
    ]),
    { tag: 0x00280002, vr: 'US', value: 1 },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280008, vr: 'IS', value: frames.length },
    { tag: 0x00280010, vr: 'US', value: g.ny },
    { tag: 0x00280011, vr: 'US', value: g.nx },
    { tag: 0x00280100, vr: 'US', value: 1 },
    { tag: 0x00280101, vr: 'US', value: 1 },
    { tag: 0x00280102, vr: 'US', value: 0 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x00282110, vr: 'CS', value: '00' },
    { tag: 0x00620001, vr: 'CS', value: 'BINARY' },
    seq(0x00620002, segmentItems),
    { tag: 0x00700080, vr: 'CS', value: 'LUNGVIEW' },
    { tag: 0x00700081, vr: 'LO', value: `lungview ${LUNGVIEW_VERSION} automatic segmentation` },
    { tag: 0x00700084, vr: 'PN', value: 'lungview^' },
    seq(0x52009229, [[
      seq(0x00289110, [[
        { tag: 0x00180050, vr: 'DS', value: h.sliceThicknessMm && h.sliceThicknessMm > 0 ? h.sliceThicknessMm : spacingZ },
        { tag: 0x00180088, vr: 'DS', value: spacingZ },
        // PixelSpacing: between rows (y), then between columns (x).
        { tag: 0x00280030, vr: 'DS', value: [g.spacingMmXyz[1], g.spacingMmXyz[0]] },
      ]]),
      seq(0x00209116, [[{ tag: 0x00200037, vr: 'DS', value: [...row, ...col] }]]),
    ]]),
    seq(0x52009230, perFrame),
    { tag: 0x7fe00010, vr: 'OB', value: bits },
  ];
  if (elements.some((e) => typeof e.value === 'string' && /[^\x20-\x7e]/.test(e.value))) {
    elements.push({ tag: 0x00080005, vr: 'CS', value: 'ISO_IR 100' });
  }
  return writeDicomPart10({ sopClassUid: SEGMENTATION_STORAGE, sopInstanceUid, elements });
}

// ---------------------------------------------------------------- reader

/** One segment read back onto the CT grid. */
export interface ReadSegment extends SegSegmentDef {
  number: number;
  algorithmType: string;
  algorithmName: string;
  /** 0/1 per CT voxel (i = x + y*nx + z*nx*ny). */
  mask: Uint8Array;
}

export type ReadSegResult =
  | { ok: true; segments: ReadSegment[]; frames: number; matchedByUid: number; matchedByPosition: number }
  | { ok: false; reason: string };

class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

const items = (ds: DataSet | null, tag: string): DataSet[] => (ds?.elements[tag] as Element | undefined)?.items?.map((it) => it.dataSet).filter((d): d is DataSet => !!d) ?? [];
const first = (ds: DataSet | null, tag: string): DataSet | null => items(ds, tag)[0] ?? null;

function codeOf(ds: DataSet | null): SegCode {
  return ds ? { value: str(ds, 'x00080100'), scheme: str(ds, 'x00080102'), meaning: str(ds, 'x00080104') } : { value: '', scheme: '', meaning: '' };
}

/** A functional group of frame k: per-frame first, then shared. */
function group(perFrame: DataSet | null, shared: DataSet | null, tag: string): DataSet | null {
  return first(perFrame, tag) ?? first(shared, tag);
}

const fmt = (v: number) => String(Number(v.toFixed(3)));

/** Loads a SEG onto its CT (the grid and the series it was read from). Never throws. */
export function readDicomSeg(bytes: Uint8Array, target: SegSource): ReadSegResult {
  try {
    return readOrRefuse(bytes, target);
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, reason: e.message };
    return { ok: false, reason: `unreadable SEG: ${errorText(e)}` };
  }
}

function checkGeometry(ds: DataSet, shared: DataSet | null, perFrames: DataSet[], g: VolumeGeometry, summary: SeriesSummary): void {
  const rows = us(ds, 'x00280010');
  const cols = us(ds, 'x00280011');
  if (rows !== g.ny || cols !== g.nx) refuse(`frames are ${cols} x ${rows} pixels, the CT's slices ${g.nx} x ${g.ny}`);
  const ctFor = summary.firstHeader.frameOfReferenceUid;
  const segFor = str(ds, 'x00200052');
  if (ctFor && segFor && ctFor !== segFor) refuse(`FrameOfReferenceUID ${segFor} is not the CT's (${ctFor})`);
  perFrames.forEach((pf, k) => {
    const measures = group(pf, shared, 'x00289110');
    const spacing = vec(measures, 'x00280030', 2);
    if (!spacing) refuse(`frame ${k + 1} has no PixelSpacing`);
    const [sy, sx] = spacing!;
    if (Math.abs(sx - g.spacingMmXyz[0]) > 1e-3 * g.spacingMmXyz[0] || Math.abs(sy - g.spacingMmXyz[1]) > 1e-3 * g.spacingMmXyz[1]) {
      refuse(`frame ${k + 1}: PixelSpacing ${fmt(sy)}\\${fmt(sx)} mm differs from the CT's ${fmt(g.spacingMmXyz[1])}\\${fmt(g.spacingMmXyz[0])} mm`);
    }
    const orient = vec(group(pf, shared, 'x00209116'), 'x00200037', 6);
    if (!orient) refuse(`frame ${k + 1} has no ImageOrientationPatient`);
    const o = orient!;
    const [row, col] = g.directionXyz;
    if (Math.abs(dot(o.slice(0, 3), row) - 1) > 1e-4 || Math.abs(dot(o.slice(3, 6), col) - 1) > 1e-4) {
      refuse(`frame ${k + 1}: ImageOrientationPatient ${o.map(fmt).join('\\')} differs from the CT's ${[...row, ...col].map(fmt).join('\\')}`);
    }
  });
}

/** The CT slice of each frame: by ReferencedSOPInstanceUID when it names one slice, else by position; the position must lie on it. */
function matchFrames(perFrames: DataSet[], shared: DataSet | null, g: VolumeGeometry, summary: SeriesSummary): { zOf: number[]; byUid: number } {
  const ipp = slicePositions(g, summary);
  const [row, col, normal] = g.directionXyz;
  const along = ipp.map((p) => dot(p, normal));
  const uidCount = new Map<string, number>();
  for (const u of summary.sopInstanceUids ?? []) uidCount.set(u, (uidCount.get(u) ?? 0) + 1);
  const zOfUid = new Map<string, number>();
  (summary.sopInstanceUids ?? []).forEach((u, z) => {
    if (uidCount.get(u) === 1) zOfUid.set(u, z);
  });
  const tolZ = 0.1 * g.spacingMmXyz[2];
  const tolXy = 0.1 * Math.min(g.spacingMmXyz[0], g.spacingMmXyz[1]);
  let byUid = 0;
  const zOf = perFrames.map((pf, k) => {
    const p = vec(group(pf, shared, 'x00209113'), 'x00200032', 3);
    if (!p) refuse(`frame ${k + 1} has no ImagePositionPatient`);
    const pos = p!;
    const d = [pos[0] - g.originMm[0], pos[1] - g.originMm[1], pos[2] - g.originMm[2]];
    const offX = dot(d, row);
    const offY = dot(d, col);
    if (Math.abs(offX) > tolXy || Math.abs(offY) > tolXy) {
      refuse(`frame ${k + 1}: ImagePositionPatient is ${fmt(offX)}, ${fmt(offY)} mm in plane from the CT's slices (not on the CT's grid)`);
    }
    const a = dot(pos, normal);
    const src = first(first(pf, 'x00089124'), 'x00082112');
    const uid = src ? str(src, 'x00081155') : '';
    let z = uid ? zOfUid.get(uid) ?? -1 : -1;
    if (z >= 0) {
      byUid++;
      if (Math.abs(a - along[z]) > tolZ) {
        refuse(`frame ${k + 1}: ImagePositionPatient is ${fmt(a - along[z])} mm along the slice normal from the slice it references (${uid})`);
      }
      return z;
    }
    let best = -1;
    for (let j = 0; j < along.length; j++) if (best < 0 || Math.abs(along[j] - a) < Math.abs(along[best] - a)) best = j;
    z = best;
    if (z < 0 || Math.abs(along[z] - a) > tolZ) {
      refuse(`frame ${k + 1}: ImagePositionPatient is ${fmt(z < 0 ? a : a - along[z])} mm along the slice normal from the nearest CT slice (not on a slice)`);
    }
    return z;
  });
  return { zOf, byUid };
}

function readOrRefuse(bytes: Uint8Array, target: SegSource): ReadSegResult {
  const { geometry: g, summary } = target;
  const ds = parseDataSet(detectLayout(bytes));
  const sopClass = str(ds, 'x00080016');
  if (sopClass !== SEGMENTATION_STORAGE) refuse(`not a Segmentation (SOPClassUID ${sopClass || 'missing'})`);
  const type = str(ds, 'x00620001');
  if (type !== 'BINARY' && type !== 'FRACTIONAL') refuse(`SegmentationType ${type || 'missing'} is not read`);
  const ts = detectLayout(bytes).transferSyntax;
  if (!['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'].includes(ts)) refuse(`transfer syntax ${ts} is not read (native little endian only)`);
  const shared = first(ds, 'x52009229');
  const perFrames = items(ds, 'x52009230');
  const frames = num(ds, 'x00280008') ?? 1;
  if (perFrames.length !== frames) refuse(`NumberOfFrames is ${frames} but there are ${perFrames.length} per-frame functional groups`);
  checkGeometry(ds, shared, perFrames, g, summary);
  const { zOf, byUid } = matchFrames(perFrames, shared, g, summary);

  const segments: ReadSegment[] = items(ds, 'x00620002').map((it) => ({
    number: us(it, 'x00620004') ?? 0,
    name: str(it, 'x00620005'),
    description: str(it, 'x00620006') || undefined,
    algorithmType: str(it, 'x00620008'),
    algorithmName: str(it, 'x00620009'),
    category: codeOf(first(it, 'x00620003')),
    type: codeOf(first(it, 'x0062000f')),
    mask: new Uint8Array(g.nx * g.ny * g.nz),
  }));
  const byNumber = new Map(segments.map((s) => [s.number, s]));
  const px = ds.elements['x7fe00010'];
  if (!px || px.encapsulatedPixelData) refuse('no native Pixel Data');
  const per = g.nx * g.ny;
  const bitsAllocated = us(ds, 'x00280100') ?? 1;
  const need = type === 'BINARY' ? Math.ceil((per * frames) / 8) : per * frames;
  if (px.length < need || px.dataOffset + need > ds.byteArray.length) refuse(`Pixel Data holds ${px.length} bytes, ${frames} frames need ${need}`);
  if (type === 'BINARY' && bitsAllocated !== 1) refuse(`BINARY with BitsAllocated ${bitsAllocated}`);
  const maxFractional = us(ds, 'x00620010') ?? 255;
  const data = ds.byteArray as Uint8Array;
  perFrames.forEach((pf, k) => {
    const ident = group(pf, shared, 'x0062000a');
    const n = ident ? us(ident, 'x0062000b') : null;
    const seg = n === null ? undefined : byNumber.get(n);
    if (!seg) refuse(`frame ${k + 1} names segment ${n ?? '(none)'}, which the SegmentSequence does not define`);
    const out = seg!.mask;
    const base = zOf[k] * per;
    for (let i = 0; i < per; i++) {
      let on: boolean;
      if (type === 'BINARY') {
        const b = k * per + i;
        on = ((data[px.dataOffset + (b >> 3)] >> (b & 7)) & 1) === 1;
      } else {
        on = data[px.dataOffset + k * per + i] * 2 >= maxFractional && data[px.dataOffset + k * per + i] > 0;
      }
      if (on) out[base + i] = 1;
    }
  });
  return { ok: true, segments, frames, matchedByUid: byUid, matchedByPosition: frames - byUid };
}
