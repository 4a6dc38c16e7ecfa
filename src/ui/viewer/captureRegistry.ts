/**
 * The slice views on screen, by axis, as PNG sources: each bound view
 * registers the function that draws it again off-screen (bindSliceView's
 * captureView), and the capture controls ask the one they save.
 */
import type { SliceAxis } from '../../shared/view';

/** What a picture of the view shows: the mask and crop overlays with the crosshair and picked point, and the measurements. */
export interface CaptureContent {
  overlays: boolean;
  annotations: boolean;
}

/** Pixels per CSS pixel of the picture, from the view's CSS size. */
export type CaptureScale = (cssWidth: number, cssHeight: number) => number;

export type CaptureFn = (scale: CaptureScale, show: CaptureContent) => HTMLCanvasElement | null;

const views = new Map<SliceAxis, CaptureFn>();

/** Lists the view along `axis`; returns the function that removes it again. */
export function registerCapture(axis: SliceAxis, fn: CaptureFn): () => void {
  views.set(axis, fn);
  return () => {
    if (views.get(axis) === fn) views.delete(axis);
  };
}

/** The view along `axis` drawn off-screen, or null when it is not on screen. */
export function captureSliceView(axis: SliceAxis, scale: CaptureScale, show: CaptureContent): HTMLCanvasElement | null {
  return views.get(axis)?.(scale, show) ?? null;
}

/** Whether a view along `axis` is on screen. */
export function captureAvailable(axis: SliceAxis): boolean {
  return views.has(axis);
}
