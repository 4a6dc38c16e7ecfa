/**
 * The command line against a real DICOMweb server: Debian's Orthanc with
 * its DICOMweb plugin (test/helpers/orthanc.ts), loaded with two real
 * series. QIDO lists them; `info` and `analyze` on a series URL give what
 * they give on the folder (the HU volume voxel for voxel); `analyze --out
 * --stow` stores the SEG, and WADO-RS gives it back with the same labels.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAnalyze, type AnalyzeReport } from '../../src/cli/analyze';
import { runInfo } from '../../src/cli/info';
import { readFolder } from '../../src/cli/readFolder';
import { readDicomSeg } from '../../src/core/io/dicomSeg';
import { DicomWebClient, parseSeriesUrl } from '../../src/core/io/dicomweb';
import type { LoadedSeries } from '../../src/core/dicom/types';
import { freePort, orthancProblem, startOrthanc, type OrthancServer } from '../helpers/orthanc';
import { dataDir, describeRequiring, haveRealData, seriesDir } from '../helpers/sharedData';
import { captureIo } from './captureIo';
import { runCli } from './cliProcess';

const SERIES = ['lung-pet-ct-dx-a0001', 'cptac-lscc-c3n-00247'] as const;
const problem = orthancProblem ?? (haveRealData ? null : `real data not found at ${dataDir}`);
const fetchFn = (url: string, init?: RequestInit) => fetch(url, init);

function sha256(d: Uint8Array | Int16Array): string {
  return createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex');
}

const huSha256 = (s: LoadedSeries): string => sha256(s.volume.hu);

describeRequiring('DICOMweb: the CLI on a real Orthanc', problem, () => {
  let server: OrthancServer;
  let client: DicomWebClient;
  const urlOf = new Map<string, string>();
  const out = mkdtempSync(path.join(tmpdir(), 'lungview-dicomweb-'));

  beforeAll(async () => {
    server = await startOrthanc();
    client = new DicomWebClient(server.dicomWebRoot, fetchFn);
    for (const name of SERIES) {
      await server.upload(seriesDir(name));
      const folder = await readFolder(seriesDir(name));
      const ct = folder.series[0].summary;
      urlOf.set(name, `${server.dicomWebRoot}/studies/${ct.firstHeader.studyInstanceUid}/series/${ct.seriesInstanceUid}`);
    }
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  it('QIDO-RS lists the studies and series, and finds them by modality, description and date', async () => {
    const studies = await client.searchStudies();
    expect(studies.length).toBe(2);
    const series = await client.searchSeries(undefined, { modality: 'CT' });
    const byUid = new Map(series.map((s) => [s.seriesUid, s]));
    for (const name of SERIES) {
      const ref = parseSeriesUrl(urlOf.get(name)!)!;
      const folder = (await readFolder(seriesDir(name))).series[0].summary;
      expect(byUid.get(ref.seriesUid)?.instanceCount).toBe(folder.sliceCount);
      expect(byUid.get(ref.seriesUid)?.studyUid).toBe(ref.studyUid);
    }
    const desc = byUid.get(parseSeriesUrl(urlOf.get('lung-pet-ct-dx-a0001')!)!.seriesUid)!.description;
    expect(desc).not.toBe('');
    const found = await client.searchSeries(undefined, { description: desc });
    expect(found.map((s) => s.seriesUid)).toContain(parseSeriesUrl(urlOf.get('lung-pet-ct-dx-a0001')!)!.seriesUid);
    expect(await client.searchSeries(undefined, { modality: 'MR' })).toEqual([]);
    const date = studies[0].date;
    expect((await client.searchStudies({ date })).map((s) => s.studyUid)).toContain(studies[0].studyUid);
    expect(await client.searchStudies({ date: '19000101-19000102' })).toEqual([]);
  });

  it('a series URL reads to the same HU volume as its folder, voxel for voxel', async () => {
    for (const name of SERIES) {
      const [web, folder] = [await readFolder(urlOf.get(name)!), await readFolder(seriesDir(name))];
      expect(web.skipped).toEqual([]);
      expect(web.series.length).toBe(1);
      const [a, b] = [web.series[0], folder.series[0]];
      expect([a.volume.nx, a.volume.ny, a.volume.nz]).toEqual([b.volume.nx, b.volume.ny, b.volume.nz]);
      expect(a.volume.spacingMmXyz).toEqual(b.volume.spacingMmXyz);
      expect(a.volume.originMm).toEqual(b.volume.originMm);
      expect(huSha256(a)).toBe(huSha256(b));
      expect(a.summary.sopInstanceUids).toEqual(b.summary.sopInstanceUids);
    }
  });

  it('`info --json` on the URL says what it says on the folder', async () => {
    const [web, folder] = [captureIo(), captureIo()];
    expect(await runInfo([urlOf.get('lung-pet-ct-dx-a0001')!, '--json'], web)).toBe(0);
    expect(await runInfo([seriesDir('lung-pet-ct-dx-a0001'), '--json'], folder)).toBe(0);
    expect(JSON.parse(web.stdout)).toEqual(JSON.parse(folder.stdout));
  });

  it('`analyze --out --stow` gives the folder\'s numbers, stores the SEG, and WADO-RS gives back the same labels', async () => {
    const url = urlOf.get('lung-pet-ct-dx-a0001')!;
    // Each analysis in its own CLI process, as a user runs it.
    const web = runCli(['analyze', url, '--json', '--out', out, '--stow'], { timeoutMs: 180_000 });
    const folder = runCli(['analyze', seriesDir('lung-pet-ct-dx-a0001'), '--json'], { timeoutMs: 180_000 });
    expect([web.status, web.stderr]).toEqual([0, '']);
    expect(folder.status).toBe(0);
    const [a, b] = [JSON.parse(web.stdout) as AnalyzeReport, JSON.parse(folder.stdout) as AnalyzeReport];
    expect(a.voxels).toEqual(b.voxels);
    expect(a.lungMl).toEqual(b.lungMl);
    expect(a.densitometry?.whole).toEqual(b.densitometry?.whole);
    // The same slices clustered the same way (the files are named by their place in the WADO-RS answer).
    expect({ ...a.gk, sliceFiles: [] }).toEqual({ ...b.gk, sliceFiles: [] });
    // The server's confirmation, and the SEG back from it.
    const written = new Uint8Array(readFileSync(path.join(out, 'segmentation.dcm')));
    expect(a.stow?.root).toBe(server.dicomWebRoot);
    const stored = /\/studies\/([0-9.]+)\/series\/([0-9.]+)\/instances\/([0-9.]+)$/.exec(a.stow!.retrieveUrl)!;
    expect(stored[1]).toBe(parseSeriesUrl(url)!.studyUid);
    expect(stored[3]).toBe(a.stow!.sopInstanceUid);
    const segs = await client.searchSeries(stored[1], { modality: 'SEG' });
    expect(segs.map((s) => s.seriesUid)).toEqual([stored[2]]);
    const back: Uint8Array[] = [];
    await client.retrieveSeries({ studyUid: stored[1], seriesUid: stored[2] }, (bytes) => void back.push(bytes));
    expect(back.length).toBe(1);
    const ct = (await readFolder(seriesDir('lung-pet-ct-dx-a0001'))).series[0];
    const target = { geometry: ct.volume, summary: ct.summary };
    const [fromServer, fromFile] = [readDicomSeg(back[0], target), readDicomSeg(written, target)];
    if (!fromServer.ok || !fromFile.ok) throw new Error(`SEG not read: ${JSON.stringify([fromServer, fromFile].map((r) => (r.ok ? 'ok' : r.reason)))}`);
    expect(fromServer.segments.map((s) => s.name)).toEqual(fromFile.segments.map((s) => s.name));
    expect(fromServer.segments.map((s) => s.name)).toContain('Right lung');
    // Voxel for voxel (a hash: a deep comparison of 16 M voxels would take minutes).
    expect(fromServer.segments.map((s) => sha256(s.mask))).toEqual(fromFile.segments.map((s) => sha256(s.mask)));
    expect(fromServer.segments.every((s) => s.mask.some((v) => v !== 0))).toBe(true);
    expect(fromServer.matchedByUid).toBe(fromServer.frames);
  });

  it('says clearly when the server does not answer, the series is not there, or the URL is not a series', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/dicom-web/studies/1.2/series/3.4`;
    const cases: [string, RegExp][] = [
      [dead, /the DICOMweb server at http:\/\/127\.0\.0\.1:\d+\/dicom-web does not answer \(retrieving series 3\.4\): fetch failed \(ECONNREFUSED\)/],
      [`${server.dicomWebRoot}/studies/1.2/series/3.4`, /retrieving series 3\.4: the server answered 404 Not Found: Accessing an inexistent series/],
      [`${server.dicomWebRoot}/studies/1.2`, /not a DICOMweb series URL: .*studies\/1\.2 \(expected/],
    ];
    for (const [url, message] of cases) {
      const io = captureIo();
      expect(await runInfo([url], io)).toBe(1);
      expect(io.stderr).toMatch(message);
    }
    const io = captureIo();
    expect(await runAnalyze([seriesDir('lung-pet-ct-dx-a0001'), '--out', out, '--stow'], io)).toBe(2);
    expect(io.stderr).toMatch(/--stow needs a DICOMweb series URL/);
  });
});
