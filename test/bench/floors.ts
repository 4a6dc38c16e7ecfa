/**
 * Floors for the browser benchmark, measured in the app's own page (same
 * origin, same Content-Security-Policy) on the same files:
 * - read: the time to only read every file's bytes. The folder is handed to
 *   an <input type=file webkitdirectory> made for the purpose (playwright
 *   setInputFiles with the folder), then every File's arrayBuffer() is read,
 *   4 at a time, (a) on the main thread and (b) split over 2 dedicated
 *   workers started from a blob: URL (the CSP's worker-src allows blob:), the
 *   workers started and answering before the clock starts. Nothing is done
 *   with the bytes.
 * - pass: one streaming pass over the volume: min and max of an Int16Array
 *   of nx*ny*nz voxels (filled beforehand, so the pages are touched), in the
 *   page's main thread.
 * Each is the median of `reps` repetitions; the files are in the OS page
 * cache (the runs just read them), as they are for the runs.
 */
import type { Browser } from 'playwright-core';
import { openApp } from '../e2e/harness';

export interface Floors {
  files: number;
  bytes: number;
  /** Median ms to read every file's bytes on the main thread. */
  readMainMs: number;
  /** Median ms to read them in 2 workers, or null when the workers could not run (reason in workersNote). */
  readWorkersMs: number | null;
  workersNote: string;
  /** Median ms of one min/max pass over nx*ny*nz int16 voxels. */
  passMs: number;
  voxels: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The workers' script: reads the Files it is sent, `inFlight` at a time, and answers with bytes read and ms. */
const READER_WORKER = `
onmessage = async (e) => {
  if (e.data === 'ping') { postMessage('pong'); return; }
  const files = e.data.files;
  const t0 = performance.now();
  let next = 0;
  let bytes = 0;
  const lane = async () => {
    while (next < files.length) {
      const f = files[next++];
      bytes += (await f.arrayBuffer()).byteLength;
    }
  };
  await Promise.all(Array.from({ length: e.data.inFlight }, lane));
  postMessage({ bytes, ms: performance.now() - t0 });
};
`;

export async function measureFloors(browser: Browser, url: string, dir: string, voxels: number, reps = 3): Promise<Floors> {
  const app = await openApp(browser, url);
  const { page } = app;
  try {
    await page.evaluate('globalThis.__name ??= (f) => f');
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.type = 'file';
      input.webkitdirectory = true;
      input.id = 'bench-floor-input';
      input.style.position = 'fixed';
      input.style.left = '0';
      input.style.top = '0';
      document.body.appendChild(input);
    });
    await page.setInputFiles('#bench-floor-input', dir);

    const counted = await page.evaluate(() => {
      const files = [...(document.getElementById('bench-floor-input') as HTMLInputElement).files!];
      return { files: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
    });

    const mainMs: number[] = [];
    for (let r = 0; r < reps; r++) {
      mainMs.push(
        await page.evaluate(async () => {
          const files = [...(document.getElementById('bench-floor-input') as HTMLInputElement).files!];
          const t0 = performance.now();
          let next = 0;
          const lane = async () => {
            while (next < files.length) await files[next++].arrayBuffer();
          };
          await Promise.all([lane(), lane(), lane(), lane()]);
          return performance.now() - t0;
        }),
      );
    }

    const workerMs: number[] = [];
    let workersNote = '2 workers from a blob: URL, 4 reads in flight each';
    for (let r = 0; r < reps; r++) {
      const res = await page.evaluate(async (src) => {
        const files = [...(document.getElementById('bench-floor-input') as HTMLInputElement).files!];
        const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
        const workers: Worker[] = [];
        try {
          for (let k = 0; k < 2; k++) workers.push(new Worker(url));
          const answer = (w: Worker) =>
            new Promise<unknown>((resolve, reject) => {
              w.onmessage = (e) => resolve(e.data);
              w.onerror = (e) => reject(new Error(e.message || 'worker failed to start'));
            });
          // Started and answering before the clock starts.
          await Promise.all(
            workers.map((w) => {
              const a = answer(w);
              w.postMessage('ping');
              return a;
            }),
          );
          const t0 = performance.now();
          const parts = workers.map((w, k) => {
            const a = answer(w);
            w.postMessage({ files: files.filter((_, i) => i % 2 === k), inFlight: 4 });
            return a as Promise<{ bytes: number }>;
          });
          const done = await Promise.all(parts);
          return { ms: performance.now() - t0, bytes: done.reduce((n, d) => n + d.bytes, 0), error: null };
        } catch (e) {
          return { ms: Number.NaN, bytes: 0, error: e instanceof Error ? e.message : String(e) };
        } finally {
          for (const w of workers) w.terminate();
          URL.revokeObjectURL(url);
        }
      }, READER_WORKER);
      if (res.error !== null) {
        workersNote = `workers could not run: ${res.error}`;
        break;
      }
      workerMs.push(res.ms);
    }

    const passMs: number[] = await page.evaluate(
      ({ n, reps: k }) => {
        const a = new Int16Array(n);
        for (let i = 0; i < n; i++) a[i] = (i * 2654435761) >> 20;
        const out: number[] = [];
        let sink = 0;
        for (let r = 0; r < k; r++) {
          const t0 = performance.now();
          let lo = 32767;
          let hi = -32768;
          for (let i = 0; i < n; i++) {
            const v = a[i];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          out.push(performance.now() - t0);
          sink += lo + hi;
        }
        (globalThis as unknown as { __sink: number }).__sink = sink;
        return out;
      },
      { n: voxels, reps },
    );

    return {
      files: counted.files,
      bytes: counted.bytes,
      readMainMs: median(mainMs),
      readWorkersMs: workerMs.length ? median(workerMs) : null,
      workersNote,
      passMs: median(passMs),
      voxels,
    };
  } finally {
    await app.context.close().catch(() => undefined);
  }
}
