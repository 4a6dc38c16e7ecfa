/**
 * What tells look-alike series apart in the list: the folder their files
 * came from, the study date and the series number.
 */

/** The folder a file path (relative to the drop, '/'-separated) lies in; '' for a loose file. */
export function folderOf(file: string): string {
  const parts = file.split('/').filter(Boolean);
  return parts.length > 1 ? parts[parts.length - 2] : '';
}

/** A DICOM DA value (YYYYMMDD, or the old YYYY.MM.DD) as YYYY-MM-DD; '' when absent or malformed. */
export function formatDicomDate(da: string | undefined): string {
  const d = (da ?? '').trim().replace(/\./g, '');
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : '';
}
