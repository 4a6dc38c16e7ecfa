/**
 * Memory of one benchmark run, sampled from outside the page:
 * - every JavaScript isolate of the page: the page itself and each of its
 *   dedicated workers (reached with CDP Target.setAutoAttach on the page's
 *   session; commands to a worker go through Target.sendMessageToTarget),
 *   each sampled with Runtime.getHeapUsage: usedSize (JS heap) plus
 *   backingStorageSize (ArrayBuffer backing stores, where the volume, masks
 *   and meshes live). Summed over the isolates at each sample: what the app's
 *   own data costs, garbage not yet collected included.
 * - process RSS from /proc of the renderer (page + workers + Blink + V8) and
 *   of the GPU process (SwiftShader WebGL: the uploaded meshes and canvases),
 *   and their sum. (VmHWM would catch a peak between two samples, but the
 *   kernel updates it only on unmap, and Chromium's allocator returns memory
 *   with madvise: it misses peaks, so it is not used.)
 * - RSS of the other Chromium processes (browser, network, storage), for the
 *   record: they hold none of the series' data.
 * A worker busy in a long computation answers late; a sample keeps its last
 * answer when no new one came within the sample's time limit.
 */
import { readFileSync } from 'node:fs';
import type { CDPSession } from 'playwright-core';

export interface MemorySample {
  /** ms since the sampler started. */
  tMs: number;
  /** used + backing-store bytes of each isolate, by label (page, dicom#1, analysis#1, ...). */
  isolates: Record<string, number>;
  isolateSum: number;
  rendererRss: number | null;
  gpuRss: number | null;
}

export interface MemoryReport {
  /** The first sample (taken before the drop). */
  baseline: { isolateSum: number; rendererRss: number | null; gpuRss: number | null };
  /** Peak over time of the sum over isolates, and that sum's parts at the peak. */
  peakIsolateSum: number;
  peakIsolateSumAtMs: number;
  peakIsolateBreakdown: Record<string, number>;
  /** Each isolate's own peak (used + backing store), and its peak backing store alone. */
  peakPerIsolate: Record<string, number>;
  peakBackingPerIsolate: Record<string, number>;
  /** Peak JS heap (usedSize) of the page alone. */
  peakPageJsHeap: number;
  peakRendererRss: number | null;
  peakGpuRss: number | null;
  /** Peak over time of renderer + GPU RSS (sampled together). */
  peakRendererPlusGpuRss: number | null;
  /** Peak RSS of each other process type. */
  otherProcessesPeakRss: Record<string, number>;
  samples: MemorySample[];
}

interface HeapUsage {
  usedSize: number;
  totalSize: number;
  backingStorageSize?: number;
}

interface ProcInfo {
  type: string;
  id: number;
}

function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

interface WorkerSession {
  label: string;
  last: number;
  gone: boolean;
}

export class MemorySampler {
  private readonly workers = new Map<string, WorkerSession>();
  private readonly titleCounts = new Map<string, number>();
  private readonly pending = new Map<number, (v: HeapUsage | undefined) => void>();
  private nextMsgId = 1;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  private readonly t0 = performance.now();
  private readonly samples: MemorySample[] = [];
  private readonly peakPer: Record<string, number> = {};
  private readonly peakBacking: Record<string, number> = {};
  private readonly rssPeakByPid = new Map<number, { type: string; peak: number }>();
  private peakPageJsHeap = 0;
  private peakRendererPlusGpu: number | null = null;
  private pageLast = 0;

  private constructor(
    private readonly page: CDPSession,
    private readonly browser: CDPSession | null,
    private readonly intervalMs: number,
  ) {}

  /** Attaches to the page's workers and starts sampling every `intervalMs`. */
  static async start(page: CDPSession, browser: CDPSession | null, intervalMs = 100): Promise<MemorySampler> {
    const s = new MemorySampler(page, browser, intervalMs);
    page.on('Target.attachedToTarget', (ev: { sessionId: string; targetInfo: { type: string; title: string } }) => {
      if (ev.targetInfo.type !== 'worker') return;
      const title = ev.targetInfo.title || 'worker';
      const n = (s.titleCounts.get(title) ?? 0) + 1;
      s.titleCounts.set(title, n);
      s.workers.set(ev.sessionId, { label: `${title}#${n}`, last: 0, gone: false });
    });
    page.on('Target.detachedFromTarget', (ev: { sessionId: string }) => {
      const w = s.workers.get(ev.sessionId);
      if (w) {
        w.gone = true;
        w.last = 0;
      }
    });
    page.on('Target.receivedMessageFromTarget', (ev: { message: string }) => {
      const m = JSON.parse(ev.message) as { id?: number; result?: HeapUsage };
      if (m.id === undefined) return;
      const resolve = s.pending.get(m.id);
      if (resolve) {
        s.pending.delete(m.id);
        resolve(m.result);
      }
    });
    await page.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    await s.sample();
    s.timer = setInterval(() => {
      if (!s.busy) s.busy = s.sample().finally(() => (s.busy = null));
    }, intervalMs);
    return s;
  }

  private askWorker(sessionId: string): Promise<HeapUsage | undefined> {
    const id = this.nextMsgId++;
    const answer = new Promise<HeapUsage | undefined>((resolve) => this.pending.set(id, resolve));
    this.page
      .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) })
      .catch(() => this.pending.get(id)?.(undefined));
    return withTimeout(answer, Math.max(50, this.intervalMs * 2)).finally(() => this.pending.delete(id));
  }

  private async processes(): Promise<ProcInfo[]> {
    if (!this.browser) return [];
    const info = await withTimeout(this.browser.send('SystemInfo.getProcessInfo') as Promise<{ processInfo: ProcInfo[] }>, 1000);
    return info?.processInfo ?? [];
  }

  private async sample(): Promise<void> {
    if (this.stopped) return;
    const tMs = performance.now() - this.t0;
    const [pageUsage, procs, ...workerUsages] = await Promise.all([
      withTimeout(this.page.send('Runtime.getHeapUsage') as Promise<HeapUsage>, Math.max(50, this.intervalMs * 2)),
      this.processes(),
      ...[...this.workers.entries()].filter(([, w]) => !w.gone).map(async ([sid, w]) => ({ w, u: await this.askWorker(sid) })),
    ]);
    const isolates: Record<string, number> = {};
    const note = (label: string, u: HeapUsage) => {
      const total = u.usedSize + (u.backingStorageSize ?? 0);
      this.peakPer[label] = Math.max(this.peakPer[label] ?? 0, total);
      this.peakBacking[label] = Math.max(this.peakBacking[label] ?? 0, u.backingStorageSize ?? 0);
      return total;
    };
    if (pageUsage) {
      this.pageLast = note('page', pageUsage);
      this.peakPageJsHeap = Math.max(this.peakPageJsHeap, pageUsage.usedSize);
    }
    isolates.page = this.pageLast;
    for (const { w, u } of workerUsages) if (u && !w.gone) w.last = note(w.label, u);
    for (const w of this.workers.values()) if (!w.gone) isolates[w.label] = w.last;
    let isolateSum = 0;
    for (const v of Object.values(isolates)) isolateSum += v;

    let rendererRss: number | null = null;
    let gpuRss: number | null = null;
    for (const p of procs) {
      const type = p.type === 'GPU' ? 'gpu' : p.type;
      const rss = rssBytes(p.id);
      if (rss === null) continue;
      const rec = this.rssPeakByPid.get(p.id) ?? { type, peak: 0 };
      rec.peak = Math.max(rec.peak, rss);
      this.rssPeakByPid.set(p.id, rec);
      // Our renderer: the largest one (the others are idle spares and closed pages).
      if (type === 'renderer') rendererRss = Math.max(rendererRss ?? 0, rss);
      if (type === 'gpu') gpuRss = Math.max(gpuRss ?? 0, rss);
    }
    if (rendererRss !== null || gpuRss !== null) {
      this.peakRendererPlusGpu = Math.max(this.peakRendererPlusGpu ?? 0, (rendererRss ?? 0) + (gpuRss ?? 0));
    }
    this.samples.push({ tMs, isolates, isolateSum, rendererRss, gpuRss });
  }

  /** ms since the sampler started (the time base of the samples). */
  elapsedMs(): number {
    return performance.now() - this.t0;
  }

  /** Takes a last sample, stops, and reports. */
  async stop(): Promise<MemoryReport> {
    if (this.busy) await this.busy;
    if (!this.stopped) await this.sample();
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    let peak = this.samples[0];
    for (const s of this.samples) if (s.isolateSum > peak.isolateSum) peak = s;
    const other: Record<string, number> = {};
    let peakRenderer: number | null = null;
    let peakGpu: number | null = null;
    for (const r of this.rssPeakByPid.values()) {
      if (r.type === 'renderer') peakRenderer = Math.max(peakRenderer ?? 0, r.peak);
      else if (r.type === 'gpu') peakGpu = Math.max(peakGpu ?? 0, r.peak);
      else other[r.type] = Math.max(other[r.type] ?? 0, r.peak);
    }
    const first = this.samples[0];
    return {
      baseline: { isolateSum: first.isolateSum, rendererRss: first.rendererRss, gpuRss: first.gpuRss },
      peakIsolateSum: peak.isolateSum,
      peakIsolateSumAtMs: peak.tMs,
      peakIsolateBreakdown: peak.isolates,
      peakPerIsolate: { ...this.peakPer },
      peakBackingPerIsolate: { ...this.peakBacking },
      peakPageJsHeap: this.peakPageJsHeap,
      peakRendererRss: peakRenderer,
      peakGpuRss: peakGpu,
      peakRendererPlusGpuRss: this.peakRendererPlusGpu,
      otherProcessesPeakRss: other,
      samples: this.samples,
    };
  }
}
