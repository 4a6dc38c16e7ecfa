/**
 * What the PACS panel does: QIDO-RS searches and a WADO-RS load through the
 * page's same-origin /dicomweb proxy. A chosen series' instances go to the
 * ingest job as the files of a dropped folder do (the same workers, codecs
 * and memory budget). No React here; nothing is sent unless the user clicks.
 */
import type { DicomWebSearch, DicomWebSeries } from '../../core/io/dicomweb';
import { appIngest } from '../../state/appIngest';
import { pacsClient } from '../../state/services';
import { buildSeg } from '../export/segExport';

/** The proxy answered the page itself (no LUNGVIEW_DICOMWEB): say how to set one up. */
const NOT_CONFIGURED = 'no DICOMweb server behind /dicomweb: start lungview with LUNGVIEW_DICOMWEB=http://host:port/dicom-web npm start';

export function pacsErrorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return /not DICOM JSON|not a list of DICOM JSON|answered 404 Not Found$/.test(msg) ? NOT_CONFIGURED : msg;
}

/** The CT (or other) series matching the search, newest study first. */
export async function searchPacsSeries(q: DicomWebSearch): Promise<DicomWebSeries[]> {
  const list = await pacsClient().searchSeries(undefined, q);
  return list.sort((a, b) => b.studyDate.localeCompare(a.studyDate) || a.studyUid.localeCompare(b.studyUid) || (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0));
}

/** The bytes as an ArrayBuffer of their own (the parser hands each part over in one). */
function ownBuffer(b: Uint8Array): ArrayBuffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b.buffer : (b.slice().buffer as ArrayBuffer);
}

/** Loads one series with WADO-RS into the session, like a dropped folder. */
export function loadPacsSeries(s: DicomWebSeries): Promise<void> {
  performance.clearMarks('lungview:load-start');
  performance.mark('lungview:load-start');
  const label = `PACS: ${s.description || s.modality || 'series'}${s.studyDate ? ` (${s.studyDate})` : ''}`;
  return appIngest.run(label, async (signal) => {
    const inputs: { path: string; source: ArrayBuffer }[] = [];
    await pacsClient().retrieveSeries(s, (bytes, i) => {
      inputs.push({ path: `pacs/${s.seriesUid}/instance-${String(i + 1).padStart(5, '0')}.dcm`, source: ownBuffer(bytes) });
    }, { cancelled: () => signal.aborted });
    return { inputs, skipped: [] };
  });
}

/**
 * Stores the open series' analysis as one DICOM SEG on the PACS (STOW-RS,
 * into the CT's study) and returns what the server confirmed. Only on the
 * user's click; the SEG is the one *DICOM SEG* downloads.
 */
export async function storeSegToPacs(): Promise<string> {
  const { bytes } = await buildSeg();
  const r = await pacsClient().store([bytes]);
  const uid = r.stored[0]?.sopInstanceUid ?? '';
  const warnings = r.warnings.length ? ` (the server warned: ${r.warnings.join('; ')})` : '';
  return `Stored on the PACS: segmentation ${uid}${warnings}`;
}
