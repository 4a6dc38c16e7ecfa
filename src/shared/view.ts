/**
 * The vocabulary of the slice views, shared by the store (which holds the
 * view state) and the 2D viewer (which draws it): slice axes, window/level
 * and its presets, zoom and pan, the slice colour maps, and masks on a
 * volume's grid. Pure data and a few clamps: no drawing, no DOM.
 */

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

export interface WindowLevel {
  /** Window centre (level) in HU. */
  center: number;
  /** Window width in HU (>= 1). */
  width: number;
}

export interface WindowPreset extends WindowLevel {
  id: string;
  label: string;
}

/** The usual CT presets (W / L in HU). */
export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'lung', label: 'Lung', width: 1500, center: -600 },
  { id: 'mediastinum', label: 'Mediastinum', width: 350, center: 40 },
  { id: 'bone', label: 'Bone', width: 2000, center: 500 },
  { id: 'brain', label: 'Brain', width: 80, center: 40 },
];

export const MIN_WINDOW_WIDTH = 1;
/** Wider windows than this make no sense for 16-bit HU data. */
export const MAX_WINDOW_WIDTH = 65536;

/** Window from the series' own WindowCenter/WindowWidth, if both are usable. */
export function seriesWindow(center: number | null, width: number | null): WindowLevel | null {
  if (center === null || width === null) return null;
  if (!Number.isFinite(center) || !Number.isFinite(width) || width < MIN_WINDOW_WIDTH) return null;
  return { center, width };
}

export interface ViewParams {
  /** 1 = the image fits the viewport. */
  zoom: number;
  /** Shift of the image centre from the viewport centre, in canvas pixels. */
  panXPx: number;
  panYPx: number;
}

const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 40;

export function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** Colour maps offered for the slice image. */
export type SliceColormap = 'grey' | 'bone';
export const SLICE_COLORMAPS: readonly SliceColormap[] = ['grey', 'bone'];

/**
 * Which voxels of a label array a mask means: those with
 * (value & select) === equals. Several masks can share one array this way
 * (the lung masks: bit 0 = unfilled lungs, bit 1 = filled lungs, and the
 * internal structures are the voxels with bit 1 set and bit 0 clear).
 * `equals` is never 0: a zero label (and a slice the mask does not cover) is
 * outside every mask.
 */
export interface MaskBits {
  select: number;
  equals: number;
}

/** A mask on (part of) a volume's grid. */
export interface SliceMask {
  nx: number;
  ny: number;
  /** Planes held in `data`. */
  nz: number;
  /** 0/1 per voxel, or labels read through `bits`. */
  data: Uint8Array;
  /** Volume slice of plane 0 (0 for a whole-volume mask). */
  zOffset: number;
  /** When present, the mask is the voxels whose label matches; else every nonzero voxel. */
  bits?: MaskBits;
}
