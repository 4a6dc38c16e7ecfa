/**
 * Saving a Blob as a file from the page: an object URL on a temporary
 * <a download> that is clicked, then removed; the URL is revoked once the
 * download has started. Also the PNG helper for any canvas (slice view,
 * 3D views).
 */

/** Starts the download of `blob` as `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click has handed the URL to the download manager; give it a moment before revoking.
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  }
}

/** Bytes made in memory as a download. */
export function downloadBytes(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  downloadBlob(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), fileName);
}
