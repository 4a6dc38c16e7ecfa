/**
 * File names of exports: the series description made safe for every file
 * system, then what was exported, then the extension, e.g.
 * "LUNG_3.0_B70f-lung-mesh.stl". Pure.
 */

const MAX_PART = 80;

/**
 * A piece of a file name: ASCII letters, digits, '.', '_' and '-' only;
 * every other run of characters (spaces, slashes, accents, control
 * characters) becomes one '_'; no leading or trailing '_' / '.' / '-'; at
 * most 80 characters; `fallback` when nothing is left.
 */
export function sanitizeFilePart(text: string, fallback = 'series'): string {
  const ascii = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let s = ascii.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_+/g, '_');
  s = s.replace(/^[._-]+|[._-]+$/g, '');
  if (s.length > MAX_PART) s = s.slice(0, MAX_PART).replace(/[._-]+$/g, '');
  return s || fallback;
}

/**
 * `<series>-<what>.<extension>`; `what` is made of words joined by '-'
 * ("lung mesh" -> "lung-mesh"), the extension may have several parts ("nii.gz").
 */
export function exportFileName(seriesDescription: string | null | undefined, what: string, extension: string): string {
  const series = sanitizeFilePart(seriesDescription ?? '', 'series');
  const part = sanitizeFilePart(what.trim().replace(/\s+/g, '-'), 'export').toLowerCase();
  const ext = extension.replace(/^\.+/, '').toLowerCase().replace(/[^a-z0-9.]+/g, '');
  return `${series}-${part}.${ext || 'bin'}`;
}
