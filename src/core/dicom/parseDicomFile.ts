/**
 * One DICOM file -> its header fields and HU pixels (one slice per frame), or
 * the reason it is skipped. Never throws.
 *
 * Variant: the layout is detected first: Part-10 (preamble + "DICM") or a
 * file meta group without preamble (both read here, PS3.10 7.1), or a bare
 * data set (ACR-NEMA style, implicit VR little endian guessed unless the
 * first element carries an explicit VR); a deflated data set is inflated
 * here (fflate, in steps, with a size limit). dicom-parser then indexes the
 * data set alone (no copy of the file), after a walk that refuses nesting and
 * element counts it could not take (dicomParserLib.ts). Native syntaxes
 * (implicit/explicit VR little endian, explicit VR big endian) and deflated
 * explicit VR little endian are decoded; compressed syntaxes go through a
 * PixelDecoder per frame (RLE Lossless and Encapsulated Uncompressed built
 * in, the others passed in by the caller, see pixelDecoder.ts and src/codecs)
 * and are reported by name when no decoder is at hand; the decoded words then
 * take the same path to HU as native ones. Multi-frame Enhanced CT frames take
 * their geometry and rescale from the per-frame / shared functional groups
 * (PS3.3 C.7.6.16). HU conversion: see pixelToHu.ts; a rescale that cannot
 * give HU (rescaleRefusal) skips the file with the reason, one in doubt (tags
 * missing, slope 0 taken as 1, slope far from 1) is noted in the header for
 * the series' warning. Float / Double Float Pixel Data is skipped as such;
 * ImagerPixelSpacing stands in for a missing PixelSpacing (noted).
 *
 * Bad input is skipped with a reason, never by an exception, and never costs
 * more than the file justifies (PARSE_LIMITS): native pixel data must be in
 * the file; a compressed frame's size, the frame count and the total pixels
 * are checked before anything is allocated for them, and every frame must
 * have a fragment; compressed frames are decoded and checked before their HU
 * array is allocated; header values quoted in reasons are cleaned of control
 * characters.
 *
 * Cost: O(header bytes) to walk and index (each functional group item is
 * read once, whatever NumberOfFrames says) + O(pixels) to convert; memory:
 * one Int16Array per frame, each owning its own ArrayBuffer (so a worker can
 * transfer it without dragging the file along), or the caller's array
 * (huOutput); the file bytes are read through views (pixel words not on a
 * 4-byte boundary go through one reused aligned copy, see pixelToHu.ts);
 * compressed frames cost what their decoder costs plus one decoded array;
 * dicom-parser's index costs up to ~400 bytes of heap per element or item.
 *
 * This file holds the entry point and the header fields; the rest is by
 * concern: tags.ts (the elements read), limits.ts (PARSE_LIMITS and the
 * skip reasons), layout.ts (layout detection, inflation, indexing),
 * elements.ts (element value readers), functionalGroups.ts (per-frame
 * geometry and rescale), pixelPath.ts (pixel checks and decoding).
 */
import type { DataSet } from './dicomParserLib';
import { firstItem, intStr, num, str } from './elements';
import { frameGeometries, type FrameGeometry } from './functionalGroups';
import { detectLayout, parseDataSet, type Layout } from './layout';
import { errorText, MissingDecoderError, shown, skip, SkipError } from './limits';
import type { EncodedFrameInfo, PixelDecoderRegistry } from './pixelDecoder';
import { checkPixelBytes, decodeFrame, imageLayoutOf } from './pixelPath';
import { convertToHu, rescaleRefusal } from './pixelToHu';
import { NON_IMAGE_SOP_CLASSES, T } from './tags';
import type { DecodedSlice, ParseFileResult, SliceHeader } from './types';

const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** The skip reason of a DICOM Segmentation: not an image series; a load offers it as a segmentation of its CT (state/ingest.ts). */
export const SEGMENTATION_FILE_REASON = 'a DICOM Segmentation (SEG), not an image: offered as a segmentation of its CT';

/** Options of parseDicomFile. */
export interface ParseDicomFileOptions {
  /** Only read the header (hu of every slice is an empty array). Default false. */
  headerOnly?: boolean;
  /**
   * Decoders for compressed transfer syntaxes (see src/codecs), on top of the
   * built-in ones (RLE Lossless, Encapsulated Uncompressed). A file whose
   * compressed syntax has no decoder is skipped with a reason.
   */
  decoders?: PixelDecoderRegistry;
  /**
   * Where to write each frame's HU: an Int16Array of Rows × Columns (for
   * example one slice of an already allocated volume), which then becomes
   * that slice's hu; null or undefined: a new array. Saves one copy per
   * slice when the caller knows where the slice goes.
   */
  huOutput?: (header: SliceHeader) => Int16Array | null | undefined;
  /**
   * `bytes` is only the start of a file of this many bytes: parse the header
   * up to the Pixel Data element (implies headerOnly) and check the pixel
   * data length against the whole file's size. A header longer than the
   * prefix gives a "truncated" skip: read the whole file then.
   */
  prefixOfFileBytes?: number;
}

function baseHeader(ds: DataSet, file: string, transferSyntaxUid: string, rows: number, columns: number): Omit<SliceHeader,
  'frame' | 'pixelSpacingMmXy' | 'imagePositionMm' | 'imageOrientation' | 'sliceThicknessMm' | 'rescaleSlope' | 'rescaleIntercept' | 'windowCenter' | 'windowWidth'> {
  const ctDetails = firstItem(firstItem(ds, T.sharedFunctionalGroups), T.ctAcquisitionDetailsSeq);
  return {
    file,
    sopInstanceUid: str(ds, T.sopInstance),
    sopClassUid: str(ds, T.sopClass),
    seriesInstanceUid: str(ds, T.seriesUid),
    studyInstanceUid: str(ds, T.studyUid),
    frameOfReferenceUid: str(ds, T.frameOfReference),
    modality: str(ds, T.modality),
    seriesDescription: str(ds, T.seriesDescription),
    seriesNumber: intStr(ds, T.seriesNumber),
    instanceNumber: intStr(ds, T.instanceNumber),
    rows,
    columns,
    sliceLocationMm: num(ds, T.sliceLocation),
    transferSyntaxUid,
    gantryTiltDeg: num(ds, T.gantryTilt) ?? num(ctDetails, T.gantryTilt),
    manufacturer: str(ds, T.manufacturer),
    manufacturerModel: str(ds, T.manufacturerModel),
    convolutionKernel: str(ds, T.convolutionKernel),
    contrastBolusAgent: str(ds, T.contrastBolusAgent),
    kvp: str(ds, T.kvp),
    bodyPart: str(ds, T.bodyPart),
    patientName: str(ds, T.patientName),
    patientId: str(ds, T.patientId),
    patientStudy: {
      patientBirthDate: str(ds, T.patientBirthDate),
      patientSex: str(ds, T.patientSex),
      studyDate: str(ds, T.studyDate),
      studyTime: str(ds, T.studyTime),
      studyId: str(ds, T.studyId),
      accessionNumber: str(ds, T.accessionNumber),
      referringPhysicianName: str(ds, T.referringPhysicianName),
    },
    acquisitionNumber: intStr(ds, T.acquisitionNumber),
    imageType: imageTypeOf(ds),
  };
}

/** ImageType values, upper case, at most 8 (the type, e.g. LOCALIZER, is in the first few). */
function imageTypeOf(ds: DataSet): string[] {
  const v = str(ds, T.imageType);
  return v ? v.split('\\').slice(0, 8).map((x) => x.trim().toUpperCase()) : [];
}

/** parseDicomFile's work: layout, data set, image checks, then one slice per frame; refusals are thrown as SkipError. */
function parseOrThrow(bytes: Uint8Array, file: string, options: ParseDicomFileOptions): DecodedSlice[] {
  const prefix = options.prefixOfFileBytes !== undefined;
  if (prefix) options = { ...options, headerOnly: true };
  const layout = detectLayout(bytes);
  const ds = parseDataSet(layout, prefix);
  const tsUid = layout.transferSyntax;
  if ((str(ds, T.sopClass) || layout.metaSopClass) === SEGMENTATION_SOP_CLASS) skip(SEGMENTATION_FILE_REASON);
  const pixelEl = ds.elements[T.pixelData];
  if (!pixelEl) refuseNonImage(ds, layout);
  const image = imageLayoutOf(ds, pixelEl, tsUid, prefix, options.decoders);
  const { rows, columns, frames } = image;
  const data = ds.byteArray as Uint8Array;
  // Bytes of the data set in the whole file. (A deflated data set is
  // inflated into a new array: its prefix says nothing of the file's size.)
  const total = prefix && data.buffer === bytes.buffer
    ? Math.max(data.length, (options.prefixOfFileBytes ?? 0) - (data.byteOffset - bytes.byteOffset))
    : data.length;
  const available = Math.max(0, total - pixelEl.dataOffset);
  const encoded = checkPixelBytes(ds, pixelEl, image, available, prefix, options.headerOnly === true);
  const info: EncodedFrameInfo = {
    rows, columns, bitsAllocated: image.fmt.bitsAllocated, bitsStored: image.fmt.bitsStored, pixelRepresentation: image.fmt.pixelRepresentation,
    samplesPerPixel: image.samples, photometricInterpretation: image.photometric, transferSyntaxUid: tsUid,
  };

  const geos = frameGeometries(ds, frames);
  const base = baseHeader(ds, file, tsUid, rows, columns);
  const out: DecodedSlice[] = [];
  for (let f = 0; f < frames; f++) {
    const header = frameHeader(base, geos[f], f, frames);
    const g = geos[f];
    if (options.headerOnly) {
      const slice: DecodedSlice = { header, hu: new Int16Array(0) };
      // Offsets into the file hold only when the data set was not inflated.
      if (!image.decoder && image.fmt.bitsAllocated === 16 && data.buffer === bytes.buffer) {
        slice.storedPixels = {
          fileOffsetBytes: data.byteOffset - bytes.byteOffset + pixelEl.dataOffset + f * image.frameBytes,
          byteLength: image.frameBytes, format: image.fmt, rescale: g.rescale, padding: image.padding,
        };
      }
      out.push(slice);
      continue;
    }
    const target = options.huOutput?.(header);
    if (target && target.length !== image.pixelsPerFrame) {
      throw new RangeError(`huOutput gave ${target.length} elements for a ${columns} × ${rows} frame`);
    }
    // A compressed frame is decoded (and checked against the header) before its HU array is allocated.
    const words = image.decoder && encoded
      ? decodeFrame(image.decoder, encoded[f], info, frames > 1 ? f : null)
      : data.subarray(pixelEl.dataOffset + f * image.frameBytes, pixelEl.dataOffset + (f + 1) * image.frameBytes);
    const hu = target ?? new Int16Array(image.pixelsPerFrame);
    convertToHu(words, image.fmt, g.rescale, image.padding, hu);
    out.push({ header, hu });
  }
  return out;
}

/** Skips a data set without Pixel Data, naming what it is instead (floating-point pixels, a known non-image SOP class, the modality). */
function refuseNonImage(ds: DataSet, layout: Layout): never {
  const float = ds.elements[T.floatPixelData] ? 'Float Pixel Data (7FE0,0008)' : ds.elements[T.doubleFloatPixelData] ? 'Double Float Pixel Data (7FE0,0009)' : '';
  if (float) {
    skip(`${float}: floating-point pixel values (a parametric map or derived image, not stored CT values) are not supported; only integer Pixel Data (7FE0,0010) is read`);
  }
  const sopClass = str(ds, T.sopClass) || layout.metaSopClass;
  const modality = str(ds, T.modality);
  const what = NON_IMAGE_SOP_CLASSES[sopClass] ?? (modality ? `modality ${shown(modality)}` : sopClass ? `SOP class ${shown(sopClass)}` : 'unknown object');
  skip(`no Pixel Data: not an image (${what})`);
}

/** The header of frame f: the file's fields with the frame's geometry and rescale (a rescale that cannot give HU skips the file). */
function frameHeader(base: ReturnType<typeof baseHeader>, g: FrameGeometry, f: number, frames: number): SliceHeader {
  const refused = rescaleRefusal(base.modality, g.rescale);
  if (refused) skip(`${frames > 1 ? `frame ${f + 1}: ` : ''}${refused}`);
  const header: SliceHeader = {
    ...base,
    frame: f,
    pixelSpacingMmXy: g.pixelSpacingMmXy,
    imagePositionMm: g.imagePositionMm,
    imageOrientation: g.imageOrientation,
    sliceThicknessMm: g.sliceThicknessMm,
    rescaleSlope: g.rescale.slope,
    rescaleIntercept: g.rescale.intercept,
    windowCenter: g.windowCenter,
    windowWidth: g.windowWidth,
  };
  if (g.pixelSpacingSource !== 'PixelSpacing') header.pixelSpacingSource = g.pixelSpacingSource;
  if (g.rescaleNote) header.rescaleNote = g.rescaleNote;
  if (frames > 1 && g.inStackPosition !== null && header.instanceNumber === null) header.instanceNumber = g.inStackPosition;
  return header;
}

/** Parses one file. Never throws: problems come back as a skipped file with a reason. */
export function parseDicomFile(bytes: Uint8Array, file: string, options: ParseDicomFileOptions = {}): ParseFileResult {
  try {
    return { ok: true, slices: parseOrThrow(bytes, file, options) };
  } catch (e) {
    const reason = shown(e instanceof SkipError ? e.message : `unreadable DICOM: ${errorText(e)}`, 600);
    if (e instanceof MissingDecoderError) return { ok: false, skipped: { file, reason }, missingDecoder: e.transferSyntaxUid };
    return { ok: false, skipped: { file, reason } };
  }
}
