/**
 * `analyze <series URL> --out DIR --stow`: stores the segmentation.dcm the
 * analysis wrote back on the DICOMweb server the series came from (STOW-RS
 * to the URL's root, into the CT's study) and says what the server answered.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DicomWebClient, parseSeriesUrl } from '../core/io/dicomweb';
import { nodeFetch } from './readFolder';

export interface StowSummary {
  /** The DICOMweb root the SEG was stored to. */
  root: string;
  sopInstanceUid: string;
  /** The stored instance's URL on the server, as the server gave it. */
  retrieveUrl: string;
  studyUrl: string;
  warnings: string[];
}

/** Why `--stow` cannot be used with these arguments, or null. */
export function stowUsageProblem(folder: string, outDir: string | undefined): string | null {
  if (!parseSeriesUrl(folder)) return '--stow needs a DICOMweb series URL (…/studies/<uid>/series/<uid>) in place of the folder';
  if (outDir === undefined) return '--stow needs --out DIR (it stores the segmentation.dcm written there)';
  return null;
}

/** Stores outDir/segmentation.dcm on the root of seriesUrl; throws with the reason when the server did not store it. */
export async function stowSegmentation(seriesUrl: string, outDir: string): Promise<StowSummary> {
  const ref = parseSeriesUrl(seriesUrl);
  if (!ref) throw new Error(`not a DICOMweb series URL: ${seriesUrl}`);
  const file = path.join(outDir, 'segmentation.dcm');
  const bytes = await readFile(file).catch(() => null);
  if (!bytes) throw new Error(`no ${file} to store (it is written with --out)`);
  const r = await new DicomWebClient(ref.root, nodeFetch).store([new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)]);
  const s = r.stored[0];
  return { root: ref.root, sopInstanceUid: s.sopInstanceUid, retrieveUrl: s.retrieveUrl, studyUrl: r.studyUrl, warnings: r.warnings };
}

/** The text report's lines on the store. */
export function formatStow(s: StowSummary): string[] {
  return [
    `stored segmentation.dcm on ${s.root} (STOW-RS): SOP Instance UID ${s.sopInstanceUid}`,
    ...(s.retrieveUrl ? [`  the server's URL for it: ${s.retrieveUrl}`] : []),
    ...s.warnings.map((w) => `  warning: ${w}`),
  ];
}
