import { describe, expect, it } from 'vitest';
import { WINDOW_PRESETS, seriesWindow, type WindowLevel } from '../../src/shared/view';
import { buildWindowLut, dragWindow, packGrey, windowGrey } from '../../src/viewer2d/windowLevel';
import { renderWindowed } from '../../src/viewer2d/renderSlice';

/** The DICOM linear VOI function written out once more, in floating point, as the second implementation. */
function dicomLinear(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 255;
  return ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
}

function greyOf(word: number): [number, number, number, number] {
  const b = new Uint8Array(new Uint32Array([word]).buffer);
  return [b[0], b[1], b[2], b[3]];
}

function lookup(lut: ReturnType<typeof buildWindowLut>, hu: number): number {
  const k = Math.min(lut.table.length - 1, Math.max(0, hu - lut.baseHu));
  return greyOf(lut.table[k])[0];
}

describe('window/level grey levels', () => {
  it('maps the lower window edge to black and the upper edge to white (mediastinum W350/L40)', () => {
    const wl = { center: 40, width: 350 };
    // Edges of DICOM linear: c - 0.5 - (w-1)/2 = -135, c - 0.5 + (w-1)/2 = 214.
    expect(windowGrey(-135, wl)).toBe(0);
    expect(windowGrey(-1000, wl)).toBe(0);
    expect(windowGrey(-134, wl)).toBe(1); // (−134 − 39.5)/349 + 0.5 = 0.00287 → 0.73 → 1
    expect(windowGrey(214, wl)).toBe(255);
    expect(windowGrey(215, wl)).toBe(255);
    expect(windowGrey(213, wl)).toBe(254);
  });

  it('maps the window centre to mid grey', () => {
    expect(windowGrey(40, { center: 40, width: 400 })).toBe(128); // 127.8 rounded
    expect(windowGrey(-600, { center: -600, width: 1500 })).toBe(128);
  });

  it('gives known greys for air, lung and soft tissue in the lung preset (W1500/L-600)', () => {
    const lung = WINDOW_PRESETS.find((p) => p.id === 'lung')!;
    expect(lung).toMatchObject({ width: 1500, center: -600 });
    expect(windowGrey(-1350, lung)).toBe(0);
    expect(windowGrey(-1000, lung)).toBe(Math.round(((-1000 + 600.5) / 1499 + 0.5) * 255)); // 60
    expect(windowGrey(-1000, lung)).toBe(60);
    expect(windowGrey(40, lung)).toBe(Math.round(((40 + 600.5) / 1499 + 0.5) * 255)); // 236
    expect(windowGrey(150, lung)).toBe(255);
  });

  it('has the four presets of the specification', () => {
    const byId = Object.fromEntries(WINDOW_PRESETS.map((p) => [p.id, [p.width, p.center]]));
    expect(byId).toEqual({ lung: [1500, -600], mediastinum: [350, 40], bone: [2000, 500], brain: [80, 40] });
  });

  it('treats a width of 1 as a threshold at the centre', () => {
    const wl = { center: 100, width: 1 };
    expect(windowGrey(99, wl)).toBe(0);
    expect(windowGrey(100, wl)).toBe(255);
  });
});

describe('window lookup table', () => {
  const windows: WindowLevel[] = [
    { center: -600, width: 1500 },
    { center: 40, width: 350 },
    { center: 500, width: 2000 },
    { center: 40, width: 80 },
    { center: 0.5, width: 2 },
    { center: 12.3, width: 7.6 },
    { center: -50, width: 1 },
    { center: 1000, width: 6000 },
  ];

  it('agrees with the floating-point DICOM function for every HU from -3100 to 3100', () => {
    for (const wl of windows) {
      const lut = buildWindowLut(wl);
      for (let hu = -3100; hu <= 3100; hu++) {
        const expected = wl.width <= 1 ? (hu < wl.center - 0.5 ? 0 : 255) : Math.round(dicomLinear(hu, wl.center, wl.width));
        if (lookup(lut, hu) !== expected) {
          throw new Error(`W${wl.width}/L${wl.center}: HU ${hu} gives ${lookup(lut, hu)}, expected ${expected}`);
        }
      }
    }
  });

  it('holds one entry per HU across the window (about the window width)', () => {
    expect(buildWindowLut({ center: -600, width: 1500 }).table.length).toBeLessThanOrEqual(1502);
    expect(buildWindowLut({ center: 40, width: 4000 }).table.length).toBeLessThanOrEqual(4002);
  });

  it('packs opaque grey pixels (R = G = B, A = 255)', () => {
    expect(greyOf(packGrey(0))).toEqual([0, 0, 0, 255]);
    expect(greyOf(packGrey(77))).toEqual([77, 77, 77, 255]);
    expect(greyOf(packGrey(255))).toEqual([255, 255, 255, 255]);
  });
});

describe('rendering a slice through the table', () => {
  it('turns known HU into known greys, clamping the Int16 extremes', () => {
    const hu = Int16Array.from([-32768, -3024, -1024, -135, 40, 214, 3071, 32767]);
    const out = new Uint32Array(hu.length);
    const wl = { center: 40, width: 350 };
    renderWindowed(hu, buildWindowLut(wl), out);
    const greys = Array.from(out, (w) => greyOf(w)[0]);
    expect(greys).toEqual([0, 0, 0, 0, windowGrey(40, wl), 255, 255, 255]);
    for (const w of out) expect(greyOf(w)[3]).toBe(255);
  });

  it('matches the per-pixel formula on random data', () => {
    const n = 10_000;
    const hu = new Int16Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      hu[i] = (s % 6000) - 3000;
    }
    const wl = { center: -600, width: 1500 };
    const out = new Uint32Array(n);
    renderWindowed(hu, buildWindowLut(wl), out);
    for (let i = 0; i < n; i++) expect(greyOf(out[i])[0]).toBe(Math.round(dicomLinear(hu[i], wl.center, wl.width)));
  });

  it('refuses an output buffer smaller than the slice', () => {
    expect(() => renderWindowed(new Int16Array(4), buildWindowLut({ center: 0, width: 10 }), new Uint32Array(3))).toThrow(RangeError);
  });

  it('renders a 512 x 512 slice well within one frame (16 ms)', () => {
    const hu = new Int16Array(512 * 512);
    for (let i = 0; i < hu.length; i++) hu[i] = ((i * 7919) % 4096) - 1024;
    const out = new Uint32Array(hu.length);
    const lut = buildWindowLut({ center: -600, width: 1500 });
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const t0 = performance.now();
      renderWindowed(hu, lut, out);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[7]).toBeLessThan(16);
  });
});

describe('window helpers', () => {
  it('uses the series window only when both values are usable', () => {
    expect(seriesWindow(-600, 1600)).toEqual({ center: -600, width: 1600 });
    expect(seriesWindow(null, 400)).toBeNull();
    expect(seriesWindow(40, 0)).toBeNull();
    expect(seriesWindow(Number.NaN, 400)).toBeNull();
  });

  it('widens the window when dragging right and raises the level when dragging down', () => {
    const start = { center: 40, width: 400 };
    const right = dragWindow(start, 100, 0);
    expect(right.width).toBeGreaterThan(400);
    expect(right.center).toBe(40);
    const down = dragWindow(start, 0, 50);
    expect(down.center).toBeGreaterThan(40);
    expect(down.width).toBe(400);
    expect(dragWindow(start, -100000, 0).width).toBe(1);
  });
});
