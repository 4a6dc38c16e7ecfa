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
import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { NIFTI_DATA_OFFSET, writeUint8NiftiInPlace, type NiftiWriteOptions } from '../core/io/nifti';
import { paintRuns } from '../core/segmentation/runs';
import { lungLabelsOfSplit } from '../core/analysis/stages';
import { buildDensitometryReport, reportCsv, reportHtml } from '../core/analysis/report';
import { DEFAULT_HU_CLASSES } from '../core/analysis/densitometry';
import type { LoadedSeries, SeriesSummary } from '../core/dicom/types';
import { analysisSegments } from '../core/io/analysisSeg';
import { writeDicomSeg } from '../core/io/dicomSeg';
import { writeObj } from '../core/io/obj';
import { writeStlBinary } from '../core/io/stl';
import { geometryOf, type Volume, type VolumeGeometry } from '../core/volume/volume';

/**
 * The .nii.gz files of the masks on one grid: each mask is painted into one
 * buffer (NIfTI header + uint8 voxels) reused for every file, instead of a
 * new volume-sized mask and a new .nii (its copy) per file, and compressed
 * by Node's native zlib (about ten times as fast as the core's
 * pure-TypeScript deflate), level 1 with the run-length strategy: as fast
 * as plain level 1 on these masks and half the file size. Any gzip reader
 * (the core's readNifti, 3D Slicer, NiiVue) reads them the same.
 */
class MaskNiftiGz {
  private file: Uint8Array | null = null;

  constructor(private readonly geometry: VolumeGeometry) {}

  /** `paint` writes the mask's voxels (all 0 before) into the array it is given; false from it means no file (null). */
  gz(paint: (voxels: Uint8Array) => boolean, opts: NiftiWriteOptions): Uint8Array | null {
    const g = this.geometry;
    this.file ??= new Uint8Array(NIFTI_DATA_OFFSET + g.nx * g.ny * g.nz);
    const voxels = this.file.subarray(NIFTI_DATA_OFFSET);
    voxels.fill(0);
    if (!paint(voxels)) return null;
    const z = gzipSync(writeUint8NiftiInPlace(this.file, g, opts), { level: 1, strategy: zlibConstants.Z_RLE });
    return new Uint8Array(z.buffer, z.byteOffset, z.byteLength);
  }
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
  const masks = new MaskNiftiGz(geometryOf(volume));
  const putMask = async (name: string, paint: (voxels: Uint8Array) => boolean, description: string) => {
    const bytes = masks.gz(paint, { description });
    if (bytes) await put(name, bytes);
  };
  await putMask('lung-fill.nii.gz', (v) => (v.set(r.fill.data), true), 'lung mask (filled)');
  await putMask('lung-nofill.nii.gz', (v) => (v.set(r.noFill.data), true), 'lung mask (not filled)');
  const internal = r.internal.runs;
  await putMask('internal.nii.gz', (v) => (internal ? paintRuns(internal, v, 1) : v.set(internalStructuresMask(r.internal).data), true), 'internal structures (fill - nofill)');
  const series = options.series;
  if (series) await put('segmentation.dcm', writeDicomSeg({ source: { geometry: volume, summary: series }, segments: analysisSegments(r, volume) }));
  // The mask the measurements used (0/1), and its labels: 1 right lung, 2 left lung, 3 airway (when the split succeeded).
  await putMask('lung-measured.nii.gz', (v) => (paintRuns(r.measured, v, 1), true), `lung mask measured (${r.params.lungMask})`);
  await putMask('lung-labels.nii.gz', (v) => lungLabelsOfSplit(r.split, volume, v) !== null, `1 right, 2 left, 3 airway (${r.params.lungMask})`);
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
