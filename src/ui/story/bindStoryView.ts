/**
 * One of the four pictures of the tutorial's story of the current slice,
 * drawn outside React from the store (like bindSliceView, fitted, no
 * interaction):
 *   0  the original slice (bone colour map, current window)
 *   1  the filled lung mask (bone: 0 black, 1 white)
 *   2  the lung-only image (HU inside the filled mask, 0 elsewhere; bone)
 *      under the internal-structures mask through jet at alpha 0.7
 *   3  the GK structures of the slice (bone), when it is a clustered slice
 * The canvas's data-state says what is drawn: 'drawn', 'waiting' (its mask
 * is not ready) or 'not-clustered' (step 3 on a slice GK did not cluster).
 */
import type { Volume } from '../../core/volume/volume';
import { OVERLAY_MASK } from '../../state/analysisState';
import type { CachedMask, MaskCache } from '../../state/maskCache';
import { DEFAULT_VIEW, type AppState, type AppStore } from '../../state/store';
import type { VolumeCache } from '../../state/volumeCache';
import { bone, colormapPalette, jet, rgbBytes } from '../../viewer2d/colormaps';
import { composeSlice } from '../../viewer2d/composeSlice';
import { extractMaskSlice } from '../../viewer2d/maskSlice';
import { renderBinaryMask } from '../../viewer2d/overlay';
import { axialDisplay } from '../../viewer2d/orientation';
import { extractSlice } from '../../viewer2d/renderSlice';
import { SliceCanvas } from '../../viewer2d/sliceCanvas';
import { buildWindowLut, type WindowLut } from '../../viewer2d/windowLevel';

export type StoryStep = 0 | 1 | 2 | 3;
export type StoryState = 'drawn' | 'waiting' | 'not-clustered' | 'empty';

const BLACK = rgbBytes(bone(0));
const WHITE = rgbBytes(bone(1));
const JET0 = rgbBytes(jet(0));
const JET1 = rgbBytes(jet(1));
/** The tutorial's imshow(internal_structures, cmap='jet', alpha=0.7). */
const STORY_JET_ALPHA = 0.7;

export interface StoryDeps {
  store: AppStore;
  volumes: VolumeCache;
  masks: MaskCache;
}

function maskOf(s: AppState, masks: MaskCache, kind: 'lungFill' | 'internal' | 'gk'): CachedMask | undefined {
  const r = s.analysisResults;
  if (!r || r.seriesId !== s.selectedSeriesId) return undefined;
  return masks.get(r.maskIds[OVERLAY_MASK[kind]]);
}

export function bindStoryView(canvas: HTMLCanvasElement, deps: StoryDeps, step: StoryStep): () => void {
  const { store, volumes, masks } = deps;
  const painter = new SliceCanvas(canvas);
  let frame = 0;
  let lut: WindowLut | null = null;
  let lungOnly: Int16Array | null = null;
  /** Reused planes for the masks cut from label arrays (fill, internal, GK). */
  const maskScratch: Uint8Array[] = [];
  function scratchFor(k: number, plane: number): Uint8Array {
    if (!maskScratch[k] || maskScratch[k].length !== plane) maskScratch[k] = new Uint8Array(plane);
    return maskScratch[k];
  }

  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  };

  function setState(state: StoryState): void {
    if (canvas.dataset.state !== state) canvas.dataset.state = state;
  }

  function boneLut(s: AppState): WindowLut {
    const palette = colormapPalette('bone');
    if (!lut || lut.center !== s.window.center || lut.width !== s.window.width) lut = buildWindowLut(s.window, palette);
    return lut;
  }

  function draw(): void {
    const s = store.getState();
    const volume: Volume | undefined = volumes.get(s.selectedSeriesId);
    if (!volume || s.load.phase !== 'done') {
      painter.clear();
      setState('empty');
      return;
    }
    const z = Math.min(volume.nz - 1, Math.max(0, s.sliceZ));
    const plane = volume.nx * volume.ny;
    const o = axialDisplay(volume);
    const image = extractSlice(volume, 'axial', z);
    const fill = maskOf(s, masks, 'lungFill');
    const internal = maskOf(s, masks, 'internal');
    const gk = maskOf(s, masks, 'gk');
    const base = {
      width: volume.nx,
      height: volume.ny,
      pixelSpacingMmUv: image.pixelSpacingMmUv,
      view: DEFAULT_VIEW,
      flipX: o.flipX,
      flipY: o.flipY,
    };
    const keyBase = `${s.selectedSeriesId}|${s.load.startedAtMs}|${z}|${s.analysisResults?.runId ?? 0}|${masks.version}`;
    if (step === 0) {
      const wl = boneLut(s);
      painter.draw({ ...base, contentKey: `${keyBase}|${wl.center}/${wl.width}`, render: (out) => composeSlice({ hu: image.data, width: base.width, height: base.height, lut: wl }, out) });
      setState('drawn');
      return;
    }
    if (step === 1 || step === 2) {
      const fillPlane = fill ? extractMaskSlice(fill, volume.nz, 'axial', z, scratchFor(0, plane)) : null;
      if (!fillPlane) {
        painter.clear();
        setState('waiting');
        return;
      }
      if (step === 1) {
        painter.draw({ ...base, contentKey: keyBase, render: (out) => renderBinaryMask(fillPlane, BLACK, WHITE, out) });
        setState('drawn');
        return;
      }
      const wl = boneLut(s);
      const internalPlane = internal ? extractMaskSlice(internal, volume.nz, 'axial', z, scratchFor(1, plane)) : null;
      painter.draw({
        ...base,
        contentKey: `${keyBase}|${wl.center}/${wl.width}|${internalPlane ? 1 : 0}`,
        render: (out) => {
          if (!lungOnly || lungOnly.length !== plane) lungOnly = new Int16Array(plane);
          const hu = image.data;
          for (let i = 0; i < plane; i++) lungOnly[i] = fillPlane[i] !== 0 ? hu[i] : 0;
          composeSlice(
            {
              hu: lungOnly,
              width: base.width,
              height: base.height,
              lut: wl,
              labelMap: internalPlane ? { mask: internalPlane, colour0: JET0, colour1: JET1, opacity: STORY_JET_ALPHA } : null,
            },
            out,
          );
        },
      });
      setState(internalPlane ? 'drawn' : 'waiting');
      return;
    }
    const gkPlane = gk ? extractMaskSlice(gk, volume.nz, 'axial', z, scratchFor(2, plane)) : null;
    if (!gk) {
      painter.clear();
      setState('waiting');
      return;
    }
    if (!gkPlane) {
      painter.clear();
      setState('not-clustered');
      return;
    }
    painter.draw({ ...base, contentKey: keyBase, render: (out) => renderBinaryMask(gkPlane, BLACK, WHITE, out) });
    setState('drawn');
  }

  const unsubscribe = store.subscribe((a, b) => {
    if (
      a.selectedSeriesId !== b.selectedSeriesId ||
      a.sliceZ !== b.sliceZ ||
      a.window !== b.window ||
      a.load.phase !== b.load.phase ||
      a.analysisResults !== b.analysisResults
    ) {
      schedule();
    }
  });
  const resizeObserver = new ResizeObserver(() => {
    const r = canvas.getBoundingClientRect();
    painter.resize(r.width, r.height, window.devicePixelRatio || 1);
    draw();
  });
  resizeObserver.observe(canvas);
  schedule();
  return () => {
    if (frame) cancelAnimationFrame(frame);
    unsubscribe();
    resizeObserver.disconnect();
  };
}
