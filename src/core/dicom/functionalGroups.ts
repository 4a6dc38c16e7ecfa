/**
 * Geometry and rescale of each frame: from the top-level elements, or for a
 * multi-frame Enhanced CT from the per-frame and shared functional groups
 * (PS3.3 C.7.6.16), per-frame items first, then shared, then top level.
 *
 * Cost: each functional group item is read once, whatever NumberOfFrames
 * says; one small record per frame.
 */
import type { Vec3 } from '../volume/volume';
import type { DataSet } from './dicomParserLib';
import { firstItem, num, ul, vec } from './elements';
import { unusualSlope, type Rescale } from './pixelToHu';
import { T } from './tags';
import type { SliceHeader } from './types';

function normalize(v: number[]): Vec3 | null {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 1e-6)) return null;
  return [v[0] / len, v[1] / len, v[2] / len];
}

function orientationOf(v: number[] | null): [Vec3, Vec3] | null {
  if (!v) return null;
  const r = normalize(v.slice(0, 3));
  const c = normalize(v.slice(3, 6));
  return r && c ? [r, c] : null;
}

type RescaleNote = NonNullable<SliceHeader['rescaleNote']>;

export interface FrameGeometry {
  imagePositionMm: Vec3 | null;
  imageOrientation: [Vec3, Vec3] | null;
  pixelSpacingMmXy: [number, number] | null;
  pixelSpacingSource: 'PixelSpacing' | 'ImagerPixelSpacing';
  sliceThicknessMm: number | null;
  rescale: Rescale;
  rescaleNote: RescaleNote | null;
  windowCenter: number | null;
  windowWidth: number | null;
  inStackPosition: number | null;
}

function positionOf(item: DataSet | null): Vec3 | null {
  const ipp = vec(item, T.imagePosition, 3);
  return ipp ? [ipp[0], ipp[1], ipp[2]] : null;
}

function spacingOf(item: DataSet | null, tag: string = T.pixelSpacing): [number, number] | null {
  // PixelSpacing is (between rows, between columns) = (y, x).
  const ps = vec(item, tag, 2);
  return ps && ps[0] > 0 && ps[1] > 0 ? [ps[1], ps[0]] : null;
}

/** Rescale of an item; slope 0 becomes 1 (noted), missing tags become slope 1, intercept 0 (noted). */
function rescaleOf(item: DataSet | null): { rescale: Rescale; note: RescaleNote | null } {
  const slope = num(item, T.rescaleSlope);
  const intercept = num(item, T.rescaleIntercept);
  const rescale = { slope: slope === null || slope === 0 ? 1 : slope, intercept: intercept ?? 0 };
  const note = slope === null && intercept === null ? 'missing' : slope === 0 ? 'slope0' : unusualSlope(rescale.slope) ? 'unusualSlope' : null;
  return { rescale, note };
}

function geometryFrom(item: DataSet): Omit<FrameGeometry, 'inStackPosition'> {
  const spacing = spacingOf(item);
  // ImagerPixelSpacing (at the detector) stands in for a missing PixelSpacing, noted in the header.
  const imager = spacing ? null : spacingOf(item, T.imagerPixelSpacing);
  const { rescale, note } = rescaleOf(item);
  return {
    imagePositionMm: positionOf(item),
    imageOrientation: orientationOf(vec(item, T.imageOrientation, 6)),
    pixelSpacingMmXy: spacing ?? imager,
    pixelSpacingSource: imager ? 'ImagerPixelSpacing' : 'PixelSpacing',
    sliceThicknessMm: num(item, T.sliceThickness),
    rescale,
    rescaleNote: note,
    windowCenter: num(item, T.windowCenter),
    windowWidth: num(item, T.windowWidth),
  };
}

/** Values of the functional group macros read here, from one item of each (per-frame or shared). */
interface MacroValues {
  position: Vec3 | null;
  orientation: [Vec3, Vec3] | null;
  spacing: [number, number] | null;
  thickness: number | null;
  /** null when the group has no Pixel Value Transformation item. */
  rescale: { rescale: Rescale; note: RescaleNote | null } | null;
  windowCenter: number | null;
  windowWidth: number | null;
  inStack: number | null;
}

function macroValues(group: DataSet | null, fallback: MacroValues | null): MacroValues {
  const item = (tag: string) => firstItem(group, tag);
  const pos = item(T.planePositionSeq);
  const ori = item(T.planeOrientationSeq);
  const measures = item(T.pixelMeasuresSeq);
  const transform = item(T.pixelValueTransformationSeq);
  const voi = item(T.frameVoiLutSeq);
  const content = item(T.frameContentSeq);
  return {
    position: pos ? positionOf(pos) : fallback?.position ?? null,
    orientation: ori ? orientationOf(vec(ori, T.imageOrientation, 6)) : fallback?.orientation ?? null,
    spacing: measures ? spacingOf(measures) : fallback?.spacing ?? null,
    thickness: measures ? num(measures, T.sliceThickness) : fallback?.thickness ?? null,
    rescale: transform ? rescaleOf(transform) : fallback?.rescale ?? null,
    windowCenter: voi ? num(voi, T.windowCenter) : fallback?.windowCenter ?? null,
    windowWidth: voi ? num(voi, T.windowWidth) : fallback?.windowWidth ?? null,
    inStack: content ? ul(content, T.inStackPositionNumber) : fallback?.inStack ?? null,
  };
}

/**
 * Geometry and rescale of each frame. Each item is read once (the shared
 * group's item before the loop, each frame's own item in it), so the cost is
 * linear in the header size whatever NumberOfFrames says.
 */
export function frameGeometries(ds: DataSet, frames: number): FrameGeometry[] {
  const top = geometryFrom(ds);
  const sharedEl = ds.elements[T.sharedFunctionalGroups];
  const perFrameEl = ds.elements[T.perFrameFunctionalGroups];
  if (!sharedEl && !perFrameEl) {
    return Array.from({ length: frames }, () => ({ ...top, inStackPosition: null }));
  }
  const shared = macroValues(sharedEl?.items?.[0]?.dataSet ?? null, null);
  const out: FrameGeometry[] = [];
  for (let f = 0; f < frames; f++) {
    const pf = perFrameEl?.items?.[f]?.dataSet ?? null;
    const g = pf ? macroValues(pf, shared) : shared;
    out.push({
      imagePositionMm: g.position ?? top.imagePositionMm,
      imageOrientation: g.orientation ?? top.imageOrientation,
      pixelSpacingMmXy: g.spacing ?? top.pixelSpacingMmXy,
      pixelSpacingSource: g.spacing ? 'PixelSpacing' : top.pixelSpacingSource,
      sliceThicknessMm: g.thickness ?? top.sliceThicknessMm,
      rescale: g.rescale?.rescale ?? top.rescale,
      rescaleNote: g.rescale ? g.rescale.note : top.rescaleNote,
      windowCenter: g.windowCenter ?? top.windowCenter,
      windowWidth: g.windowWidth ?? top.windowWidth,
      inStackPosition: g.inStack,
    });
  }
  return out;
}
