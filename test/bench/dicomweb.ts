/**
 * `npm run bench:dicomweb [-- --runs N]`: the time to read each real series
 * from a DICOMweb server (WADO-RS from a local Orthanc, test/helpers/orthanc.ts,
 * through readFolder on the series URL) against reading its folder, medians
 * of N runs (default 5), alternating the two so both see the same machine
 * load. Both give the same HU volume (test/cli/dicomweb.test.ts checks it).
 */
import { readFolder } from '../../src/cli/readFolder';
import { startOrthanc } from '../helpers/orthanc';
import { REAL_SERIES, seriesDir } from '../helpers/sharedData';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const server = await startOrthanc();
try {
  console.log(`| series | slices | folder read (ms) | DICOMweb read (ms) | ratio |`);
  console.log(`|---|---:|---:|---:|---:|`);
  for (const name of REAL_SERIES) {
    const dir = seriesDir(name);
    await server.upload(dir);
    const first = (await readFolder(dir)).series[0];
    const url = `${server.dicomWebRoot}/studies/${first.summary.firstHeader.studyInstanceUid}/series/${first.summary.seriesInstanceUid}`;
    await readFolder(url); // warm: the server's first read of its files
    const folderMs: number[] = [];
    const webMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      await readFolder(dir);
      folderMs.push(performance.now() - t);
      t = performance.now();
      await readFolder(url);
      webMs.push(performance.now() - t);
    }
    const [f, w] = [median(folderMs), median(webMs)];
    console.log(`| ${name} | ${first.summary.sliceCount} | ${f.toFixed(0)} | ${w.toFixed(0)} | ${(w / f).toFixed(2)} |`);
  }
} finally {
  await server.stop();
}
