/** A small synthetic chest CT, parsed and assembled by the core, for the analysis tests. */
import { buildSeries } from '../../src/core/dicom/buildSeries';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import type { DecodedSlice, LoadedSeries } from '../../src/core/dicom/types';
import { makePhantomSeries } from '../../src/core/io/phantom';

const cache = new Map<string, LoadedSeries>();

/** The phantom (size x size pixels, `slices` slices) as the app would load it. */
export function phantomSeries(size = 96, slices = 40, thicknessMm = 5): LoadedSeries {
  const key = `${size}/${slices}/${thicknessMm}`;
  const hit = cache.get(key);
  if (hit) return { summary: hit.summary, volume: { ...hit.volume, hu: hit.volume.hu.slice() } };
  const ph = makePhantomSeries({ size, slices, thicknessMm, seed: 3 });
  const decoded: DecodedSlice[] = [];
  for (const f of ph.files) {
    const r = parseDicomFile(f.bytes, f.name);
    if (!r.ok) throw new Error(`phantom file ${f.name} did not parse: ${r.skipped.reason}`);
    decoded.push(...r.slices);
  }
  const [series] = buildSeries(decoded);
  cache.set(key, series);
  return { summary: series.summary, volume: { ...series.volume, hu: series.volume.hu.slice() } };
}
