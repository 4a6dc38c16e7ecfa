/**
 * The browser benchmark's measurement from outside the page, as a person
 * sees it. The time of the drop is taken here (this process's clock, just
 * before the CDP `Input.dispatchDragEvent` drop: harness.ts dropPaths), and
 * the page's pixels are observed by two observers at once, so their
 * observation latency shows side by side:
 *  - poll: `Page.captureScreenshot` called back to back from this process
 *    (the viewport as it is, PNG, optimizeForSpeed; no clip: a clip or a
 *    scale makes Chromium emulate another viewport for the shot, which
 *    resizes the page under the test and takes ten times as long). Chromium
 *    draws a fresh frame for each call and copies it, so a shot shows what
 *    was on screen between the call and its answer: a frame counts at the
 *    time its answer came back here (late by at most one round trip, whose
 *    median is printed), and the slice was not yet visible when the shot
 *    before it was asked for. Each shot costs the display a frame drawn and
 *    read back (with a software GPU, tens to hundreds of ms, taken from the
 *    page), so the polling stops once the page has drawn its first slice:
 *    the lungs in 3D are seen by the screencast only.
 *  - screencast: CDP Page.startScreencast (everyNthFrame 1, PNG at
 *    CAST_SCALE, each frame acknowledged so the next comes), stamped with
 *    the compositor's own time of the frame (when the display showed it),
 *    not its arrival here (the lag is printed). It costs the display no
 *    extra frame, but Chromium sends a frame only once the previous one is
 *    acknowledged and skips those drawn meanwhile, so it can see a change
 *    one frame late.
 * Afterwards, for each observer, each frame is compared with what the page
 * finally showed:
 *  - first slice seen: the first frame in which at least SHOWN_SHARE of the
 *    slice's tissue pixels (those brighter than TISSUE_GREY in a reference
 *    frame taken after the page said it had drawn the slice, and not already
 *    as bright before the drop) are within CHANGED_GREY of the reference:
 *    the body's own pixels, not a dark canvas or the layout around it;
 *  - lung mesh seen: the first frame after the 3D tab was opened in which
 *    the 3D viewport differs from its first (empty) frame in at least
 *    MESH_SHARE of the pixels that differ in the final frame (the lungs
 *    drawn; later surfaces inside them change little).
 * Both observers take some CPU from the page (encoding the frames), so these
 * times are, if anything, late.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { CDPSession, Page } from 'playwright-core';

/** A pixel has changed when its grey differs by more than this. */
const CHANGED_GREY = 24;
/** Share of the final frame's changed pixels at which the lungs count as drawn. */
const MESH_SHARE = 0.5;
/** Share of the slice's tissue pixels that must match the reference for the slice to count as shown. */
const SHOWN_SHARE = 0.5;
/** Grey above which a pixel of the reference frame's slice region is tissue (the slice drawn in its window). */
const TISSUE_GREY = 60;
/** Longest wait for the poller's shot asked after the first slice was drawn (its reference frame), in ms. */
const REF_WAIT_MS = 500;
/** Polled screenshots: CSS pixels to frame pixels (device scale factor 1, no clip). */
const POLL_SCALE = 1;
/** Screencast frames: CSS pixels to frame pixels (the smaller, the sooner each frame is encoded). */
const CAST_SCALE = 0.125;

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
  /** ms since the drop (this process's clock) at which the frame was seen: a screenshot's answer, a screencast frame's compositor time. */
  atMs: number;
  /** Polled screenshots: ms since the drop at which the screenshot was asked for. */
  askedMs?: number;
  /** Screencast: ms since the drop at which the frame reached this process. */
  arrivedMs?: number;
  /** CSS pixels to frame pixels. */
  scale: number;
  png: Buffer;
}

export type ObserverKind = 'poll' | 'screencast';

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
function region(g: Grey, box: Box, scale: number): { x0: number; y0: number; x1: number; y1: number } {
  const x0 = Math.max(0, Math.floor(box.x * scale));
  const y0 = Math.max(0, Math.floor(box.y * scale));
  return { x0, y0, x1: Math.min(g.width, Math.ceil((box.x + box.width) * scale)), y1: Math.min(g.height, Math.ceil((box.y + box.height) * scale)) };
}

/** Share of the pixels of `box` whose grey differs between two frames (of one observer) by more than CHANGED_GREY. */
function changedShare(a: Grey, b: Grey, box: Box, scale: number): number {
  const r = region(a, box, scale);
  let changed = 0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      if (Math.abs(a.grey[y * a.width + x] - b.grey[y * b.width + x]) > CHANGED_GREY) changed++;
      n++;
    }
  }
  return n ? changed / n : 0;
}

/** Frame indices (in `ref`) of the slice's tissue: bright in the reference frame and not already bright before the drop. */
function tissuePixels(ref: Grey, before: Grey, box: Box, scale: number): number[] {
  const r = region(ref, box, scale);
  const out: number[] = [];
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) {
      const i = y * ref.width + x;
      if (ref.grey[i] > TISSUE_GREY && Math.abs(ref.grey[i] - before.grey[i]) > CHANGED_GREY) out.push(i);
    }
  }
  return out;
}

/** Share of the tissue pixels whose grey in `g` is that of the reference. */
function tissueShown(g: Grey, ref: Grey, tissue: readonly number[]): number {
  if (g.width !== ref.width || g.height !== ref.height || tissue.length === 0) return 0;
  let same = 0;
  for (const i of tissue) if (Math.abs(g.grey[i] - ref.grey[i]) <= CHANGED_GREY) same++;
  return same / tissue.length;
}

/** One observer's frames, on the drop's clock. */
export interface Observer {
  readonly kind: ObserverKind;
  readonly frames: Frame[];
  /** Sets time zero (the drop) from a performance.now() of this process. */
  markZero(at: number): void;
  /**
   * The page has drawn its first slice: the observer may stop looking once
   * it has a frame from after now (the poller does; its nextFrame then waits
   * at most REF_WAIT_MS for that frame, so that a slow shot does not hold
   * the benchmark's next step, the 3D tab, back).
   */
  firstSliceDrawn(): void;
  /** Resolves once a frame newer than now has come (or after 2 s: nothing changed on screen). */
  nextFrame(): Promise<void>;
  stop(): Promise<void>;
}

/** Shared clock handling: frame times are ms since the drop, on Date.now's wall clock. */
abstract class Clocked {
  readonly frames: Frame[] = [];
  /** Wall-clock ms (Date.now) of time zero. */
  protected zeroWallMs = Date.now();

  markZero(at: number): void {
    const wall = Date.now() - (performance.now() - at);
    const shift = wall - this.zeroWallMs;
    for (const f of this.frames) {
      f.atMs -= shift;
      if (f.askedMs !== undefined) f.askedMs -= shift;
      if (f.arrivedMs !== undefined) f.arrivedMs -= shift;
    }
    this.zeroWallMs = wall;
  }

  /** ms since the drop, now. */
  now(): number {
    return Date.now() - this.zeroWallMs;
  }

  async nextFrame(): Promise<void> {
    const now = this.now();
    for (let k = 0; k < 400 && !this.frames.some((f) => f.atMs > now); k++) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The page's frames as Chromium's compositor produces them (CDP
 * Page.startScreencast, PNG at CAST_SCALE, each acknowledged so the next
 * comes), stamped with the compositor's own time of the frame.
 */
export class Screencast extends Clocked implements Observer {
  readonly kind = 'screencast';

  private constructor(private readonly cdp: CDPSession) {
    super();
  }

  static async start(page: Page): Promise<Screencast> {
    const cdp = await page.context().newCDPSession(page);
    const size = page.viewportSize() ?? { width: 1280, height: 720 };
    const p = new Screencast(cdp);
    cdp.on('Page.screencastFrame', (e: { data: string; sessionId: number; metadata: { timestamp?: number } }) => {
      const wallMs = e.metadata.timestamp !== undefined ? e.metadata.timestamp * 1000 : Date.now();
      p.frames.push({ atMs: wallMs - p.zeroWallMs, arrivedMs: p.now(), scale: CAST_SCALE, png: Buffer.from(e.data, 'base64') });
      void cdp.send('Page.screencastFrameAck', { sessionId: e.sessionId }).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', {
      format: 'png',
      maxWidth: Math.round(size.width * CAST_SCALE),
      maxHeight: Math.round(size.height * CAST_SCALE),
      everyNthFrame: 1,
    });
    return p;
  }

  firstSliceDrawn(): void {}

  async stop(): Promise<void> {
    await this.cdp.send('Page.stopScreencast').catch(() => undefined);
    await this.cdp.detach().catch(() => undefined);
  }
}

/**
 * Screenshots polled back to back (`Page.captureScreenshot` of the
 * viewport) on a CDP session of its own; each frame is stamped with the
 * time its answer came back, and the time it was asked for.
 */
export class ScreenshotPoller extends Clocked implements Observer {
  readonly kind = 'poll';
  private running = true;
  /** Set by firstSliceDrawn: the polling stops at the first shot asked for at or after this time. */
  private stopAfterMs: number | null = null;
  private readonly loop: Promise<void>;

  private constructor(private readonly cdp: CDPSession) {
    super();
    this.loop = this.run();
  }

  static async start(page: Page): Promise<ScreenshotPoller> {
    const cdp = await page.context().newCDPSession(page);
    const p = new ScreenshotPoller(cdp);
    await p.nextFrame();
    return p;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const askedMs = this.now();
      const shot = (await this.cdp.send('Page.captureScreenshot', { format: 'png', optimizeForSpeed: true }).catch(() => null)) as { data: string } | null;
      if (!shot) break;
      this.frames.push({ atMs: this.now(), askedMs, scale: POLL_SCALE, png: Buffer.from(shot.data, 'base64') });
      if (this.stopAfterMs !== null && askedMs >= this.stopAfterMs) this.running = false;
    }
  }

  firstSliceDrawn(): void {
    this.stopAfterMs = this.now();
  }

  /** Resolves once a shot asked for after now (after firstSliceDrawn: after that) has come back, or after 2 s (REF_WAIT_MS). */
  override async nextFrame(): Promise<void> {
    const after = this.stopAfterMs ?? this.now();
    const tries = this.stopAfterMs !== null ? REF_WAIT_MS / 5 : 400;
    for (let k = 0; k < tries && !this.frames.some((f) => (f.askedMs ?? f.atMs) >= after); k++) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.cdp.detach().catch(() => undefined);
  }
}

/** Starts the observers named (both by default); each on its own CDP session. */
export async function startObservers(page: Page, kinds: readonly ObserverKind[]): Promise<Observer[]> {
  const out: Observer[] = [];
  for (const k of kinds) out.push(k === 'poll' ? await ScreenshotPoller.start(page) : await Screencast.start(page));
  return out;
}

export interface OutsideTimes {
  /** Which observer saw these frames. */
  observer: ObserverKind;
  /** ms from the drop to the first frame showing the first slice; null when never seen. */
  firstSliceSeenMs: number | null;
  /** Polled screenshots: ms from the drop at which the last shot not showing the slice was asked for (the slice came after it). */
  firstSliceNotYetMs: number | null;
  /** ms from the drop to the first frame showing the lungs in 3D. */
  lungMeshSeenMs: number | null;
  /** Median ms between frames before the first slice was seen (the observer's resolution there). */
  frameIntervalMs: number;
  /** Polled screenshots: median ms from asking for a shot to its answer; screencast: from a frame's time to its arrival here. */
  roundTripMs: number | null;
  frames: number;
}

const medianOf = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};

/**
 * Reads one observer's frames: `sliceBox` / `sliceShownAtMs` the slice
 * canvas and a time at which the page had drawn the first slice (before the
 * 3D tab opened at `tab3dAtMs`), `viewBox` the 3D viewport.
 */
export function outsideTimes(observer: ObserverKind, frames: Frame[], sliceBox: Box, sliceShownAtMs: number, tab3dAtMs: number, viewBox: Box): OutsideTimes {
  const keep = process.env.LUNGVIEW_OUTSIDE_FRAMES;
  if (keep) {
    // For looking at what was measured: every frame as <observer>/<ms since the drop>.png, and the marks.
    const dir = path.join(keep, observer);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const f of frames) writeFileSync(path.join(dir, `${f.atMs.toFixed(0).padStart(6, '0')}.png`), f.png);
    writeFileSync(path.join(dir, 'marks.json'), JSON.stringify({ sliceBox, sliceShownAtMs, tab3dAtMs, viewBox }));
  }
  const after = frames.filter((f) => f.atMs > 0);
  const decoded = new Map<Frame, Grey>();
  const grey = (f: Frame) => {
    let g = decoded.get(f);
    if (!g) decoded.set(f, (g = decodePngGrey(f.png)));
    return g;
  };
  const out: OutsideTimes = {
    observer,
    firstSliceSeenMs: null,
    firstSliceNotYetMs: null,
    lungMeshSeenMs: null,
    frameIntervalMs: Number.NaN,
    roundTripMs: null,
    frames: after.length,
  };
  // The first frame after the page said it drew the slice, against the last one before the drop (the empty page).
  // (A shot counts only if it was asked for after the page drew the slice and came back before the 3D tab opened.)
  const sliceRef = after.find((f) => f.atMs >= sliceShownAtMs && (f.askedMs ?? f.atMs) >= sliceShownAtMs && f.atMs < tab3dAtMs);
  const beforeDrop = frames.filter((f) => f.atMs <= 0).at(-1);
  let seenAt = sliceShownAtMs;
  if (sliceRef && beforeDrop) {
    const ref = grey(sliceRef);
    const tissue = tissuePixels(ref, grey(beforeDrop), sliceBox, sliceRef.scale);
    if (tissue.length > 0) {
      const k = after.findIndex((f) => f.atMs <= sliceRef.atMs && tissueShown(grey(f), ref, tissue) >= SHOWN_SHARE);
      if (k >= 0) {
        out.firstSliceSeenMs = after[k].atMs;
        seenAt = after[k].atMs;
        const prev = k > 0 ? after[k - 1] : beforeDrop;
        if (prev.askedMs !== undefined) out.firstSliceNotYetMs = prev.askedMs;
      }
    }
  }
  const upToSlice = [...(beforeDrop ? [beforeDrop] : []), ...after.filter((f) => f.atMs <= seenAt)];
  out.frameIntervalMs = medianOf(upToSlice.slice(1).map((f, i) => f.atMs - upToSlice[i].atMs));
  const trips = upToSlice.flatMap((f) => (f.askedMs !== undefined ? [f.atMs - f.askedMs] : f.arrivedMs !== undefined ? [f.arrivedMs - f.atMs] : []));
  if (trips.length) out.roundTripMs = medianOf(trips);
  const in3d = after.filter((f) => (f.askedMs ?? f.atMs) > tab3dAtMs);
  if (in3d.length >= 2) {
    const empty = grey(in3d[0]);
    const scale = in3d[0].scale;
    const final = changedShare(grey(in3d[in3d.length - 1]), empty, viewBox, scale);
    if (final > 0.01) out.lungMeshSeenMs = in3d.find((f) => changedShare(grey(f), empty, viewBox, scale) >= MESH_SHARE * final)?.atMs ?? null;
  }
  return out;
}
