/** Text for mesh statistics in the 3D panels (pure). */
import type { MeshMeta } from '../../state/meshCache';

/** A count in short form: 950, 12.3k, 300k, 1.37M. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  const short = (v: number, unit: string) => {
    const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return `${Number(v.toFixed(digits))}${unit}`;
  };
  if (a < 1000) return String(Math.round(n));
  if (a < 1e6) return short(n / 1e3, 'k');
  return short(n / 1e6, 'M');
}

/** mm² as cm² with 3 significant figures at least 1 decimal below 100. */
export function formatAreaCm2(areaMm2: number): string {
  const cm2 = areaMm2 / 100;
  return `${cm2 >= 100 ? Math.round(cm2).toLocaleString('en-US') : cm2.toFixed(1)} cm²`;
}

export function formatMl(ml: number): string {
  return `${Math.abs(ml) >= 100 ? Math.round(ml).toLocaleString('en-US') : ml.toFixed(1)} mL`;
}

/** "1.37M triangles · 812 cm² · 4,321 mL". */
export function meshStatsText(m: Pick<MeshMeta, 'triangles' | 'areaMm2' | 'volumeMl'>): string {
  return `${formatCount(m.triangles)} triangles · ${formatAreaCm2(m.areaMm2)} · ${formatMl(m.volumeMl)}`;
}

/** "showing 300k of 1.37M triangles" when the drawn mesh is decimated, else null. */
export function decimationText(m: Pick<MeshMeta, 'decimated' | 'displayTriangles' | 'triangles'>): string | null {
  return m.decimated ? `showing ${formatCount(m.displayTriangles)} of ${formatCount(m.triangles)} triangles` : null;
}
