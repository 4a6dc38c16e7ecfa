/**
 * The memory budget for HU volumes, the same for the browser and the
 * command line: what one series' volume (and one load's volumes together)
 * may take, checked from the headers (Rows × Columns × slices) before any
 * volume is allocated.
 *
 * 1 GiB of HU per series (512 × 512 × 2048 slices at 2 bytes a voxel) and
 * 2 GiB per load: the analysis holds about three more bytes per voxel on top
 * (masks in the page and a copy in its worker), which keeps a full analysis
 * within a few GiB.
 */

/** Bytes of HU one series' volume may take. */
export const MAX_SERIES_HU_BYTES = 2 ** 30;
/** Bytes of HU all volumes of one load may take together. */
export const MAX_LOAD_HU_BYTES = 2 ** 31;

/** Bytes of the HU volume (Int16, 2 per voxel) of a series of these dimensions. */
export function huBytes(dimsZyx: readonly [number, number, number]): number {
  return dimsZyx[0] * dimsZyx[1] * dimsZyx[2] * 2;
}
