/** Small text formatters shared by the panels (pure). */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let k = 0;
  while (v >= 1024 && k < units.length - 1) {
    v /= 1024;
    k++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[k]}`;
}

/** A length in mm with up to `digits` decimals and no trailing zeros. */
export function formatMm(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${Number(v.toFixed(digits))} mm`;
}

/** Voxel spacing as "x × y × z mm" from a z,y,x triple. */
export function formatSpacingZyx(s: readonly [number, number, number]): string {
  const f = (v: number) => `${Number(v.toFixed(3))}`;
  return `${f(s[2])} × ${f(s[1])} × ${f(s[0])} mm`;
}

/** Volume size as "columns × rows × slices" from a z,y,x triple. */
export function formatDimsZyx(d: readonly [number, number, number]): string {
  return `${d[2]} × ${d[1]} × ${d[0]}`;
}

export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0 %';
  return `${Math.floor((100 * done) / total)} %`;
}

/** A patient-space point as "x, y, z mm" with one decimal. */
export function formatPointMm(p: readonly [number, number, number]): string {
  return `${p.map((v) => (Math.round(v * 10) / 10 + 0).toFixed(1)).join(', ')} mm`;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** A series' name for lists: its description, else its number, else its first file. */
export function seriesTitle(s: { description: string; firstHeader: { seriesNumber: number | null; file: string } }): string {
  if (s.description.trim()) return s.description;
  if (s.firstHeader.seriesNumber !== null) return `Series ${s.firstHeader.seriesNumber}`;
  const f = s.firstHeader.file;
  return f.slice(f.lastIndexOf('/') + 1) || '(unnamed series)';
}
