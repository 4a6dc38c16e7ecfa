/**
 * The DICOM SEG export of the selected series' analysis: copies of the
 * lungs measured, the internal and the GK structures (state/maskImports.ts,
 * the same masks a comparison uses) go to the export worker, which splits
 * the lungs as the CLI's analysis does, writes the SEG (core/io/dicomSeg.ts)
 * and hands back the bytes; the page only downloads them.
 */
import { analysisMasksForSeg, segSourceOf } from '../../state/maskImports';
import { exportFileClient } from '../../state/services';
import { appStore } from '../../state/store';
import { downloadBytes } from './download';
import { exportFileName } from './fileNames';

/** The analysis of the selected series as one DICOM SEG, made in the export worker, and its file name. */
export async function buildSeg(files: Pick<typeof exportFileClient, 'segFile'> = exportFileClient): Promise<{ bytes: Uint8Array; name: string }> {
  const state = appStore.getState();
  const source = segSourceOf(state, state.selectedSeriesId);
  const masks = analysisMasksForSeg(state);
  if (!source || !masks) throw new Error('The SEG needs the analysis (lungs measured, internal and GK structures): wait for it to finish.');
  const bytes = await files.segFile({ source, ...masks });
  return { bytes, name: exportFileName(source.summary.description || null, 'segmentation', 'dcm') };
}

/** Downloads the analysis of the selected series as one DICOM SEG (`<series>-segmentation.dcm`). */
export async function exportSeg(files: Pick<typeof exportFileClient, 'segFile'> = exportFileClient): Promise<void> {
  const { bytes, name } = await buildSeg(files);
  downloadBytes(bytes, name, 'application/dicom');
}
