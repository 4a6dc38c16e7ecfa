/**
 * Files written by `analyze --out DIR`: the three masks as gzipped NIfTI-1
 * (uint8 0/1, with the voxel -> RAS affine of the CT, so viewers that read the
 * DICOM series overlay them in place) and the two meshes as binary STL and
 * Wavefront OBJ (patient LPS millimetres, the frame of the DICOM series),
 * and, given the series, the labels as one DICOM SEG referencing its slices
 * (segmentation.dcm: core/io/analysisSeg.ts says which segments).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { internalStructuresMask } from '../core/analysis/internalMask';
import type { AnyAnalysisResult } from '../core/analysis/runAnalysis';
import { gzipSync } from 'node:zlib';
import { writeNifti, type NiftiSource, type NiftiWriteOptions } from '../core/io/nifti';
import { maskOfRuns } from '../core/segmentation/runs';
import { lungLabelsOfSplit } from '../core/analysis/stages';
import { buildDensitometryReport, reportCsv, reportHtml } from '../core/analysis/report';
import { DEFAULT_HU_CLASSES } from '../core/analysis/densitometry';
import type { LoadedSeries, SeriesSummary } from '../core/dicom/types';
import { analysisSegments } from '../core/io/analysisSeg';
import { writeDicomSeg } from '../core/io/dicomSeg';
import { writeObj } from '../core/io/obj';
import { writeStlBinary } from '../core/io/stl';
import { geometryOf, type Mask, type Volume } from '../core/volume/volume';

/**
 * A mask as .nii.gz, compressed by Node's native zlib (level 1): about ten
 * times as fast as the core's pure-TypeScript deflate (fflate), which was
 * most of the time a `batch` series spent writing its outputs; any gzip
 * reader (the core's readNifti, 3D Slicer, NiiVue) reads it the same.
 */
function niftiGz(img: NiftiSource, opts: NiftiWriteOptions): Uint8Array {
  const z = gzipSync(writeNifti(img, opts), { level: 1 });
  return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
}

export const OUTPUT_FILES = [
  'lung-fill.nii.gz', 'lung-nofill.nii.gz', 'internal.nii.gz', 'segmentation.dcm', 'lung-measured.nii.gz', 'lung-labels.nii.gz',
  'lung.stl', 'lung.obj', 'internal.stl', 'internal.obj',
] as const;

/**
 * Writes the masks and meshes (not with `meshes: false`, nor for an
 * analysis made without them) into dir (created
 * if needed); returns the paths written, which are also pushed onto
 * `written` as each file is done (so a caller knows what was written when a
 * later file fails).
 */
export async function writeAnalysisOutputs(
  dir: string, volume: Volume, r: AnyAnalysisResult, written: string[] = [], options: { meshes?: boolean; series?: SeriesSummary } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const put = async (name: string, bytes: Uint8Array | string) => {
    const p = path.join(dir, name);
    await writeFile(p, bytes);
    written.push(p);
  };
  // The masks carry the CT's grid (geometry copied from the volume by the segmentation).
  const mask = (m: Mask) => ({ ...geometryOf(volume), data: m.data });
  await put('lung-fill.nii.gz', niftiGz(mask(r.fill), { description: 'lung mask (filled)' }));
  await put('lung-nofill.nii.gz', niftiGz(mask(r.noFill), { description: 'lung mask (not filled)' }));
  await put('internal.nii.gz', niftiGz(mask(internalStructuresMask(r.internal)), { description: 'internal structures (fill - nofill)' }));
  const series = options.series;
  if (series) await put('segmentation.dcm', writeDicomSeg({ source: { geometry: volume, summary: series }, segments: analysisSegments(r, volume) }));
  // The mask the measurements used (0/1), and its labels: 1 right lung, 2 left lung, 3 airway (when the split succeeded).
  await put('lung-measured.nii.gz', niftiGz(maskOfRuns(r.measured, volume), { description: `lung mask measured (${r.params.lungMask})` }));
  const labels = lungLabelsOfSplit(r.split, volume);
  if (labels) {
    await put('lung-labels.nii.gz', niftiGz({ ...geometryOf(volume), data: labels }, { description: `1 right, 2 left, 3 airway (${r.params.lungMask})` }));
  }
  if (options.meshes === false || !r.meshes) return written;
  for (const [name, m] of [['lung', r.meshes.lung.mesh], ['internal', r.meshes.internal.mesh]] as const) {
    await put(`${name}.stl`, writeStlBinary(m, { header: `lungview ${name} surface, binary STL, units mm (patient LPS)` }));
    await put(`${name}.obj`, writeObj(m, { name }));
  }
  return written;
}

/**
 * Writes the densitometry report of an analysis into dir (checked writable
 * before the analysis): report.json (the same JSON the browser's report
 * button gives for the same series and parameters), report.csv, report.html
 * (printable). Appends the paths written to `written`.
 */
export async function writeDensitometryReport(
  dir: string, series: LoadedSeries, r: AnyAnalysisResult, trusted: boolean, reasons: string[], written: string[],
): Promise<void> {
  if (!r.densitometry) throw new Error('no densitometry in this analysis');
  const report = await buildDensitometryReport({
    series: series.summary,
    volume: series.volume,
    thresholdHu: r.params.thresholdHu,
    background: r.params.background,
    classes: r.params.densitometry?.classes ?? DEFAULT_HU_CLASSES,
    geometry: { trusted, reasons },
    densitometry: r.densitometry,
  });
  await mkdir(dir, { recursive: true });
  for (const [name, text] of [['report.json', `${JSON.stringify(report, null, 2)}\n`], ['report.csv', reportCsv(report)], ['report.html', reportHtml(report)]] as const) {
    const p = path.join(dir, name);
    await writeFile(p, text);
    written.push(p);
  }
}
