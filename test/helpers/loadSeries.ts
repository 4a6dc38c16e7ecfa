/**
 * Real series loaded once per test process (readFolder on ../shared/data/ct/<name>).
 */
import { readFolder } from '../../src/cli/readFolder';
import type { LoadedSeries } from '../../src/core/dicom/types';
import { seriesDir, type RealSeries } from './sharedData';

const cache = new Map<RealSeries, Promise<LoadedSeries>>();

/** The single series in ../shared/data/ct/<name>, cached per process. */
export function loadRealSeries(name: RealSeries): Promise<LoadedSeries> {
  let p = cache.get(name);
  if (!p) {
    p = readFolder(seriesDir(name)).then(({ series }) => {
      if (series.length !== 1) throw new Error(`expected one series in ${name}, found ${series.length}`);
      return series[0];
    });
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}
