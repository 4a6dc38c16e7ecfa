/**
 * A real series re-encoded with DCMTK and GDCM (test/fixtures/reencode.ts)
 * must give exactly the HU volume of the original files, through readFolder
 * and through the command line (`npm run cli -- info --json`). The compressed
 * edge files are also decompressed by those tools and compared with the
 * project's own decoding, pixel for pixel.
 *
 * Every 4th file of lung-pet-ct-dx-a0001 (16 files) keeps the run short.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCodecSet } from '../../src/codecs/codecSet';
import { runInfo, type InfoResult } from '../../src/cli/info';
import { readFolder, type ReadFolderResult } from '../../src/cli/readFolder';
import { parseDicomFile } from '../../src/core/dicom/parseDicomFile';
import type { DecodedSlice } from '../../src/core/dicom/types';
import { copyFiles, describeWithCodecTools, LOSSLESS_ENCODINGS, pickFiles, reencodeMixed, reencodeSeries } from '../fixtures/reencode';
import { edgeFile, seriesDir } from '../helpers/sharedData';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERIES = 'lung-pet-ct-dx-a0001';

function sha256(hu: Int16Array): string {
  return createHash('sha256').update(new Uint8Array(hu.buffer, hu.byteOffset, hu.byteLength)).digest('hex');
}

async function info(dir: string): Promise<InfoResult> {
  let out = '';
  const code = await runInfo([dir, '--json'], { out: (t) => void (out += t), err: () => undefined });
  expect(code).toBe(0);
  return JSON.parse(out) as InfoResult;
}

describeWithCodecTools('re-encoded real series and edge files checked against DCMTK / GDCM', () => {
  let dir = '';
  let original: ReadFolderResult;
  let originalInfo: InfoResult;
  const files = pickFiles(seriesDir(SERIES), 4);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lungview-reencode-'));
    copyFiles(seriesDir(SERIES), files, path.join(dir, 'original'));
    for (const enc of LOSSLESS_ENCODINGS) reencodeSeries(seriesDir(SERIES), files, path.join(dir, enc.id), enc);
    reencodeMixed(seriesDir(SERIES), files, path.join(dir, 'mixed'));
    original = await readFolder(path.join(dir, 'original'));
    originalInfo = await info(path.join(dir, 'original'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the original subset is one 16-slice series', () => {
    expect(original.skipped).toEqual([]);
    expect(original.series.map((s) => s.summary.dimsZyx)).toEqual([[16, 512, 512]]);
  });

  for (const enc of LOSSLESS_ENCODINGS) {
    it(`${enc.id} (${enc.transferSyntaxUid}): readFolder gives the original HU volume exactly, and info the same statistics`, async () => {
      const r = await readFolder(path.join(dir, enc.id));
      expect(r.skipped).toEqual([]);
      expect(r.series).toHaveLength(1);
      const [s] = r.series;
      expect(s.summary.firstHeader.transferSyntaxUid).toBe(enc.transferSyntaxUid);
      expect(s.summary.dimsZyx).toEqual(original.series[0].summary.dimsZyx);
      expect(s.summary.slicePositionsMm).toEqual(original.series[0].summary.slicePositionsMm);
      expect(sha256(s.volume.hu)).toBe(sha256(original.series[0].volume.hu));
      expect(Buffer.compare(Buffer.from(s.volume.hu.buffer), Buffer.from(original.series[0].volume.hu.buffer))).toBe(0);
      const i = await info(path.join(dir, enc.id));
      expect(i.series.map((x) => [x.huMin, x.huMax, x.huMean])).toEqual(originalInfo.series.map((x) => [x.huMin, x.huMax, x.huMean]));
    });
  }

  it('npm run cli -- info --json on a folder mixing all seven encodings gives the original statistics', () => {
    const r = spawnSync('npm', ['run', '--silent', 'cli', '--', 'info', path.join(dir, 'mixed'), '--json'], {
      cwd: repoRoot, encoding: 'utf8', timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as InfoResult;
    expect(out.skipped).toEqual([]);
    expect(out.series).toHaveLength(1);
    const [a] = out.series;
    const [b] = originalInfo.series;
    expect([a.files, a.dimsZyx, a.huMin, a.huMax, a.huMean]).toEqual([b.files, b.dimsZyx, b.huMin, b.huMax, b.huMean]);
  });

  // The tools' own decoders (DCMTK's IJG for JPEG, GDCM's CharLS / OpenJPEG) as the second implementation.
  const decompress: Array<[string, string[]]> = [
    ['ct1-jpeg-lossless-sv1.dcm', ['dcmdjpeg']],
    ['ct-chest-jpeg-lossless-sv1-nonsquare-400x512.dcm', ['dcmdjpeg']],
    ['jpeg-baseline-8bit-gray.dcm', ['dcmdjpeg']],
    ['ct1-rle-lossless.dcm', ['dcmdrle']],
    ['ct1-jpegls-lossless.dcm', ['dcmdjpls']],
    ['ct1-jpegls-near-lossless.dcm', ['dcmdjpls']],
    ['ct1-j2k-lossless.dcm', ['gdcmconv', '--raw']],
    ['ct1-j2k-lossy.dcm', ['gdcmconv', '--raw']],
  ];
  for (const [name, [tool, ...options]] of decompress) {
    it(`${name}: same HU as ${tool}'s decompressed copy`, async () => {
      const out = path.join(dir, `raw-${name}`);
      const r = spawnSync(tool, [...options, edgeFile(name), out], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const plain = parseDicomFile(new Uint8Array(readFileSync(out)), name);
      const ours = await createCodecSet().parse(new Uint8Array(readFileSync(edgeFile(name))), name);
      if (!plain.ok || !ours.ok) throw new Error(`not decoded: ${JSON.stringify([plain, ours].map((x) => (x.ok ? 'ok' : x.skipped.reason)))}`);
      expect(plain.slices[0].header.transferSyntaxUid).not.toBe(ours.slices[0].header.transferSyntaxUid);
      const a: DecodedSlice = plain.slices[0];
      const b: DecodedSlice = ours.slices[0];
      expect(b.hu.length).toBe(a.hu.length);
      expect(sha256(b.hu)).toBe(sha256(a.hu));
    });
  }
});
