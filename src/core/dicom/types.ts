/**
 * What the DICOM layer produces. Parsing runs per file (in a worker pool in
 * the browser, in a loop in the CLI); grouping, sorting and assembly run once
 * all headers are known.
 */
import type { Vec3, Volume } from '../volume/volume';
import type { PixelFormat, PixelPadding, Rescale } from './pixelToHu';

/** Header fields of one image (one file, or one frame of a multi-frame file). */
export interface SliceHeader {
  /** Path of the file relative to the dropped folder (or its name). */
  file: string;
  /** Frame number inside a multi-frame file (0 for single-frame files). */
  frame: number;
  sopInstanceUid: string;
  /** SOPClassUID (0008,0016). Optional for headers made elsewhere. */
  sopClassUid?: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number;
  columns: number;
  /** PixelSpacing (0028,0030) as [between columns (x), between rows (y)] in mm; null when absent. */
  pixelSpacingMmXy: [number, number] | null;
  /** ImagePositionPatient (LPS mm) of the first transmitted pixel; null when absent. */
  imagePositionMm: Vec3 | null;
  /** ImageOrientationPatient: row direction then column direction; null when absent. */
  imageOrientation: [Vec3, Vec3] | null;
  sliceThicknessMm: number | null;
  sliceLocationMm: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** First values of WindowCenter / WindowWidth, if any. */
  windowCenter: number | null;
  windowWidth: number | null;
  transferSyntaxUid: string;
  gantryTiltDeg: number | null;
  /** Technical fields for the metadata panel (empty string when absent). */
  manufacturer: string;
  manufacturerModel: string;
  convolutionKernel: string;
  /** ContrastBolusAgent (0018,0010); empty when absent. Optional for headers made elsewhere. */
  contrastBolusAgent?: string;
  kvp: string;
  bodyPart: string;
  /** Patient identifiers: shown only when the person asks. */
  patientName: string;
  patientId: string;
  /**
   * The rest of the patient and study modules (empty strings when absent),
   * for objects that must go back to the same patient and study (a DICOM
   * SEG). Optional for headers made elsewhere.
   */
  patientStudy?: PatientStudyFields;
  /** AcquisitionNumber (0020,0012); null or absent when the file has none. */
  acquisitionNumber?: number | null;
  /** ImageType (0008,0008) values, upper case (e.g. ["ORIGINAL", "PRIMARY", "AXIAL"]); absent or empty when the file has none. */
  imageType?: string[];
  /**
   * Where pixelSpacingMmXy came from: 'ImagerPixelSpacing' when PixelSpacing
   * is missing and ImagerPixelSpacing (0018,1164, spacing at the detector)
   * was used instead; absent or 'PixelSpacing' otherwise.
   */
  pixelSpacingSource?: 'PixelSpacing' | 'ImagerPixelSpacing';
  /**
   * What the file's rescale tags said when they were not used as they stand
   * (rescaleSlope/Intercept then hold what was used): 'missing' when neither
   * RescaleSlope nor RescaleIntercept is present (stored values taken as HU),
   * 'slope0' when RescaleSlope is 0 (1 used), 'unusualSlope' when it is far
   * from 1 (used, but the values may not be HU). Absent when the tags are
   * present and ordinary.
   */
  rescaleNote?: 'missing' | 'slope0' | 'unusualSlope';
}

/** Patient and study fields besides the name, id and UIDs (text as in the file, trimmed). */
export interface PatientStudyFields {
  patientBirthDate: string;
  patientSex: string;
  studyDate: string;
  studyTime: string;
  studyId: string;
  accessionNumber: string;
  referringPhysicianName: string;
}

/**
 * Where a native (uncompressed, 16-bit) frame's stored words lie in its file
 * and how they become HU: lets a reader put the file's bytes straight into
 * the frame's place in the volume and convert them there (huInPlace).
 */
export interface StoredPixels {
  /** Byte offset of the frame's first stored word in the file. */
  fileOffsetBytes: number;
  /** Rows × Columns × 2. */
  byteLength: number;
  format: PixelFormat;
  rescale: Rescale;
  padding: PixelPadding | null;
}

/** One image decoded to Hounsfield units (Int16, row-major, x fastest). */
export interface DecodedSlice {
  header: SliceHeader;
  hu: Int16Array;
  /** Set by header-only parses of native 16-bit frames (hu is then empty). */
  storedPixels?: StoredPixels;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/** What parsing one file gives: its slices (one per frame) or why it was skipped. */
export type ParseFileResult =
  | { ok: true; slices: DecodedSlice[] }
  | {
    ok: false;
    skipped: SkippedFile;
    /**
     * Set when the only obstacle is a compressed transfer syntax without a
     * decoder among those passed in: its UID (a caller may load a codec and retry).
     */
    missingDecoder?: string;
  };

/** A series after grouping and sorting, with its volume geometry. */
export interface SeriesSummary {
  /** Stable id inside this session (series UID plus a split suffix when a UID was split). */
  id: string;
  seriesInstanceUid: string;
  modality: string;
  description: string;
  /** Number of slices (images) in the volume. */
  sliceCount: number;
  /** Files the slices came from, in slice (z) order. */
  files: string[];
  dimsZyx: [number, number, number];
  spacingMmZyx: [number, number, number];
  /** Position of each slice along the slice normal (mm), in volume z order. */
  slicePositionsMm: number[];
  /**
   * SOPInstanceUID of each slice, in volume z order (a multi-frame file's
   * frames share one). Set by planSeries; absent on summaries made elsewhere.
   */
  sopInstanceUids?: string[];
  /** Header of the first slice (z = 0) for the metadata panel. */
  firstHeader: SliceHeader;
  /** Human-readable warnings: uneven spacing, duplicates, gaps, tilt, missing geometry. */
  warnings: string[];
  /**
   * Set when the HU scale of this series is in doubt (RescaleSlope /
   * RescaleIntercept missing on a CT, RescaleSlope 0 or far from 1): the
   * same sentence is among `warnings`. Analyses that find no lung should
   * quote it (an empty lung mask is the usual symptom of values that are not
   * HU). Absent when the rescale tags look ordinary.
   */
  rescaleWarning?: string;
  /**
   * Whether the volume's geometry holds in 3D (meshes, distances and volumes
   * across slices). Always set by planSeries; absent only on summaries made
   * elsewhere (treat as unknown, nothing to report).
   */
  geometry3d?: Geometry3dTrust;
}

/**
 * Why a volume cannot be trusted in 3D: the slice stack is sheared (gantry
 * tilt), slices are missing, the spacing is strongly uneven, positions,
 * orientation or pixel spacing are missing, or there is a single slice.
 * Non-axial stacks and feet-first or prone patients are not problems: their
 * geometry is handled.
 */
export type Geometry3dProblem = 'tilt' | 'gap' | 'uneven' | 'noPositions' | 'noOrientation' | 'noPixelSpacing' | 'singleSlice';

export interface Geometry3dTrust {
  /** True when nothing below applies (problems and reasons are empty). */
  trusted: boolean;
  /** What is wrong, one entry per problem, in the order of `reasons`. */
  problems: Geometry3dProblem[];
  /** One short sentence per problem, for display, e.g. "Gantry tilt 15.0°: the 3D surface and distances across slices are skewed". */
  reasons: string[];
  /** Angle (degrees) between the slice stack and the slice normal, from the positions; null without positions or with one slice. */
  stackAngleDeg: number | null;
}

export interface LoadedSeries {
  summary: SeriesSummary;
  volume: Volume;
}
