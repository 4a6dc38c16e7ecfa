/**
 * The browser benchmark's measurement from outside the page, as a person
 * sees it: the time of the drop is taken here (this process's clock, just
 * before the CDP `Input.dispatchDragEvent` drop: harness.ts dropPaths), the frames the page
 * shows are recorded (CDP Page.startScreencast: every frame the compositor
 * draws, a quarter of the size, PNG decoded here, stamped with the
 * compositor's time of the frame on the same wall clock), and afterwards
 * each frame is compared with what the page finally showed:
 *  - first slice seen: the first frame whose slice-canvas region differs
 *    from the page before the drop in at least SHOWN_SHARE of the pixels
 *    that differ in the first frame after the page said it had drawn the
 *    slice (the body on the dark canvas; overlays drawn later add little);
 *  - lung mesh seen: the first frame after the 3D tab was opened in which
 *    the 3D viewport differs from its first (empty) frame in at least
 *    MESH_SHARE of the pixels that differ in the final frame (the lungs
 *    drawn; later surfaces inside them change little).
 * A frame is sent when the page draws one, so its time is when the person
 * would have seen it; encoding the frames takes some CPU from the page, so
 * these times are, if anything, late. Frames come at the page's own pace
 * (the median interval is printed).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { CDPSession, Page } from 'playwright-core';

/** A pixel has changed when its grey differs by more than this. */
const CHANGED_GREY = 24;
/** Share of the final frame's changed pixels at which the lungs count as drawn. */
const MESH_SHARE = 0.5;
/** Share of the reference frame's changed pixels at which the slice counts as shown (overlays drawn later add to them). */
const SHOWN_SHARE = 0.5;
/** Screenshot scale (CSS pixels to frame pixels). */
const SCALE = 0.25;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Grey {
  width: number;
  height: number;
  grey: Uint8Array;
}

export interface Frame {
  /** ms since the drop (this process's clock), when the screenshot came back. */
  atMs: number;
  png: Buffer;
}

/** Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are) to grey. */
export function decodePngGrey(png: Buffer): Grey {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || data[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour ${colour})`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const grey = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = (row[i] + pred) & 255;
    }
    for (let x = 0; x < width; x++) grey[y * width + x] = (cur[x * channels] + cur[x * channels + 1] + cur[x * channels + 2]) / 3;
    prev.set(cur);
  }
  return { width, height, grey };
}

/** The frame pixels of a CSS box (clamped to the frame). */
function region(g: Grey, box: Box): { x0: number; y0: number; x1: number; y1: number } {
  const x0 = Math.max(0, Math.floor(box.x * SCALE));
  const y0 = Math.max(0, Math.floor(box.y * SCALE));
  return { x0, y0, x1: Math.min(g.width, Math.ceil((box.x + box.width) * SCALE)), y1: Math.min(g.height, Math.ceil((box.y + box.height) * SCALE)) };
}

/** Share of the pixels of `box` whose grey differs between two frames by more than CHANGED_GREY. */
function compare(a: Grey, b: Grey, box: Box): { changed: number } {
  const r = region(a, box);
  let changed = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      if (Math.abs(a.grey[y * a.width + x] - b.grey[y * b.width + x]) > CHANGED_GREY) changed++;
      n++;
    }
  }
  return { changed: n ? changed / n : 0 };
}

/**
 * The page's frames as Chromium's compositor produces them (CDP
 * Page.startScreencast, PNG at a quarter of the size, each acknowledged so
 * the next comes), stamped with the compositor's own time of the frame.
 */
export class ScreenPoller {
  readonly frames: Frame[] = [];
  /** Wall-clock ms (Date.now) of time zero. */
  private zeroWallMs = Date.now();

  private constructor(private readonly cdp: CDPSession) {}

  static async start(page: Page): Promise<ScreenPoller> {
    const cdp = await page.context().newCDPSession(page);
    const size = page.viewportSize() ?? { width: 1280, height: 720 };
    const p = new ScreenPoller(cdp);
    cdp.on('Page.screencastFrame', (e: { data: string; sessionId: number; metadata: { timestamp?: number } }) => {
      const wallMs = e.metadata.timestamp !== undefined ? e.metadata.timestamp * 1000 : Date.now();
      p.frames.push({ atMs: wallMs - p.zeroWallMs, png: Buffer.from(e.data, 'base64') });
      void cdp.send('Page.screencastFrameAck', { sessionId: e.sessionId }).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', { format: 'png', maxWidth: Math.round(size.width * SCALE), maxHeight: Math.round(size.height * SCALE), everyNthFrame: 1 });
    return p;
  }

  /** Sets time zero (the drop) from a performance.now() of this process. */
  markZero(at: number): void {
    const wall = Date.now() - (performance.now() - at);
    for (const f of this.frames) f.atMs -= wall - this.zeroWallMs;
    this.zeroWallMs = wall;
  }

  /** Resolves once a frame newer than now has come (or after 2 s: nothing changed on screen). */
  async nextFrame(): Promise<void> {
    const now = this.now();
    for (let k = 0; k < 400 && !this.frames.some((f) => f.atMs > now); k++) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** ms since the drop, now. */
  now(): number {
    return Date.now() - this.zeroWallMs;
  }

  async stop(): Promise<void> {
    await this.cdp.send('Page.stopScreencast').catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
  }
}

export interface OutsideTimes {
  /** ms from the drop to the first frame showing the first slice; null when never seen. */
  firstSliceSeenMs: number | null;
  /** ms from the drop to the first frame showing the lungs in 3D. */
  lungMeshSeenMs: number | null;
  /** Median ms between frames. */
  frameIntervalMs: number;
  frames: number;
}

/**
 * Reads the frames: `sliceBox` / `sliceShownAtMs` the slice canvas and a
 * time at which the page had drawn the first slice (before the 3D tab
 * opened at `tab3dAtMs`), `viewBox` the 3D viewport.
 */
export function outsideTimes(frames: Frame[], sliceBox: Box, sliceShownAtMs: number, tab3dAtMs: number, viewBox: Box): OutsideTimes {
  const keep = process.env.LUNGVIEW_OUTSIDE_FRAMES;
  if (keep) {
    // For looking at what was measured: every frame as <ms since the drop>.png, and the marks.
    rmSync(keep, { recursive: true, force: true });
    mkdirSync(keep, { recursive: true });
    for (const f of frames) writeFileSync(path.join(keep, `${f.atMs.toFixed(0).padStart(6, '0')}.png`), f.png);
    writeFileSync(path.join(keep, 'marks.json'), JSON.stringify({ sliceBox, sliceShownAtMs, tab3dAtMs, viewBox }));
  }
  const after = frames.filter((f) => f.atMs > 0);
  const intervals = after.slice(1).map((f, i) => f.atMs - after[i].atMs).sort((a, b) => a - b);
  const out: OutsideTimes = { firstSliceSeenMs: null, lungMeshSeenMs: null, frameIntervalMs: intervals[Math.floor(intervals.length / 2)] ?? Number.NaN, frames: after.length };
  const decoded = new Map<Frame, Grey>();
  const grey = (f: Frame) => {
    let g = decoded.get(f);
    if (!g) decoded.set(f, (g = decodePngGrey(f.png)));
    return g;
  };
  // The first frame after the page said it drew the slice, against the last one before the drop (the empty page).
  const sliceRef = after.find((f) => f.atMs >= sliceShownAtMs && f.atMs < tab3dAtMs);
  const beforeDrop = frames.filter((f) => f.atMs <= 0).at(-1);
  if (sliceRef && beforeDrop) {
    const empty = grey(beforeDrop);
    const shown = compare(grey(sliceRef), empty, sliceBox).changed;
    if (shown > 0.01) out.firstSliceSeenMs = after.find((f) => f.atMs <= sliceRef.atMs && compare(grey(f), empty, sliceBox).changed >= SHOWN_SHARE * shown)?.atMs ?? null;
  }
  const in3d = after.filter((f) => f.atMs > tab3dAtMs);
  if (in3d.length >= 2) {
    const empty = grey(in3d[0]);
    const final = compare(grey(in3d[in3d.length - 1]), empty, viewBox).changed;
    if (final > 0.01) out.lungMeshSeenMs = in3d.find((f) => compare(grey(f), empty, viewBox).changed >= MESH_SHARE * final)?.atMs ?? null;
  }
  return out;
}
