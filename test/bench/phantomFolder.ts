/**
 * Writes a synthetic chest-CT series (src/core/io/phantom.ts) as one DICOM
 * file per slice into a fresh temporary folder, for the browser benchmark's
 * scale runs; remove() deletes the folder again.
 *
 * The stack is kept at a chest's height whatever the slice count (the slice
 * spacing is stackMm / slices), so a 600- or 1000-slice series has lungs of
 * a realistic size (about 0.72 of the stack, i.e. some 250 mm tall) sampled
 * more finely, like a thin-slice scan, rather than lungs stretched along z.
 * Files are written as they are made (phantom onFile): memory of one slice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePhantomSeries } from '../../src/core/io/phantom';

export interface PhantomFolderParams {
  /** Slices (files). */
  slices: number;
  /** Rows = columns. Default 512. */
  size?: number;
  /** Height of the stack in mm. Default 350. */
  stackMm?: number;
  seed?: number;
  /** Parent of the temporary folder. Default os.tmpdir(). */
  parentDir?: string;
}

export interface PhantomFolder {
  dir: string;
  files: number;
  bytes: number;
  dims: { nx: number; ny: number; nz: number };
  thicknessMm: number;
  /** Lung + airway volume of the ground truth (mL). */
  lungsAndAirwaysMl: number;
  /** Time to generate and write the files (ms). */
  writeMs: number;
  /** Deletes the folder (idempotent). */
  remove(): void;
}

export function writePhantomFolder(params: PhantomFolderParams): PhantomFolder {
  const size = params.size ?? 512;
  const nz = params.slices;
  const stackMm = params.stackMm ?? 350;
  // Three decimals: the DS value stays short, and the stack height stays within a slice of stackMm.
  const thicknessMm = Number((stackMm / nz).toFixed(3));
  const dir = mkdtempSync(path.join(params.parentDir ?? os.tmpdir(), `lungview-phantom-${size}x${size}x${nz}-`));
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t0 = performance.now();
    let files = 0;
    let bytes = 0;
    const { truth } = makePhantomSeries({
      size,
      slices: nz,
      thicknessMm,
      seed: params.seed ?? 1,
      onFile: (f) => {
        writeFileSync(path.join(dir, f.name), f.bytes);
        files++;
        bytes += f.bytes.length;
      },
    });
    return {
      dir,
      files,
      bytes,
      dims: { nx: size, ny: size, nz },
      thicknessMm,
      lungsAndAirwaysMl: truth.lungsAndAirwaysMl,
      writeMs: performance.now() - t0,
      remove,
    };
  } catch (e) {
    remove();
    throw e;
  }
}
