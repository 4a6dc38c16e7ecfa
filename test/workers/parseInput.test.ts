/**
 * The header pass's parse (parseInput in 'headers' mode) gives, file for
 * file, what parsing the whole 64 KiB prefix gives (and, for what cannot
 * wait for the pixel pass, the whole file): on every file of the real
 * series, on the edge files, and on a real file whose header was made
 * longer than HEADER_FIRST_TRY_BYTES (a 30 KB private element added with
 * pydicom), which must fall back to the whole prefix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createCodecSet } from '../../src/codecs/codecSet';
import { transferSyntaxInfo } from '../../src/core/dicom/transferSyntax';
import type { ParseFileResult } from '../../src/core/dicom/types';
import { HEADER_FIRST_TRY_BYTES, HEADER_PREFIX_BYTES, parseInput } from '../../src/workers/parseInput';
import { dataDir, describeWithRealData, REAL_SERIES, seriesDir } from '../helpers/sharedData';

const codecs = createCodecSet();

/** The header pass as it was: the whole prefix, and the whole file when the result cannot wait for the pixel pass. */
async function wholePrefixParse(bytes: Uint8Array, file: string): Promise<ParseFileResult> {
  if (bytes.length <= HEADER_PREFIX_BYTES) return codecs.parse(bytes, file);
  const r = await codecs.parse(bytes.slice(0, HEADER_PREFIX_BYTES), file, { prefixOfFileBytes: bytes.length });
  const waits = r.ok && r.slices.length === 1 && transferSyntaxInfo(r.slices[0].header.transferSyntaxUid).kind === 'native';
  return waits ? r : codecs.parse(bytes, file);
}

async function expectSameAsWholePrefix(bytes: Uint8Array, file: string): Promise<ParseFileResult> {
  const got = await parseInput({ path: file, source: new Blob([bytes.slice()]) }, 'headers', codecs);
  expect(got).toEqual(await wholePrefixParse(bytes, file));
  return got;
}

describeWithRealData('header pass: the first 16 KiB tried first, the same result as the whole prefix', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'lungview-header-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each(REAL_SERIES)('every file of %s', async (name) => {
    const dir = seriesDir(name);
    for (const f of readdirSync(dir).sort()) {
      const r = await expectSameAsWholePrefix(new Uint8Array(readFileSync(path.join(dir, f))), f);
      expect(r.ok && r.slices[0].hu.length).toBe(0);
    }
  });

  it('every edge file', async () => {
    const dir = path.join(dataDir, 'edge');
    for (const f of readdirSync(dir).sort()) await expectSameAsWholePrefix(new Uint8Array(readFileSync(path.join(dir, f))), f);
  });

  it('a real file whose header ends after the first 16 KiB falls back to the whole prefix', async () => {
    const src = path.join(seriesDir('dsb2017-00cba091'), readdirSync(seriesDir('dsb2017-00cba091')).sort()[0]);
    const dst = path.join(tmp, 'long-header.dcm');
    const py = spawnSync('/usr/bin/python3', ['-c', [
      'import sys, pydicom',
      'ds = pydicom.dcmread(sys.argv[1])',
      'block = ds.private_block(0x0011, "LUNGVIEW TEST", create=True)',
      'block.add_new(0x01, "OB", b"\\x01" * 30000)',
      'ds.save_as(sys.argv[2])',
    ].join('\n'), src, dst], { encoding: 'utf8' });
    expect(py.stderr).toBe('');
    const bytes = new Uint8Array(readFileSync(dst));
    // The pixel data starts after the first try's bytes.
    const firstTry = await codecs.parse(bytes.slice(0, HEADER_FIRST_TRY_BYTES), 'long-header.dcm', { prefixOfFileBytes: bytes.length });
    expect(firstTry.ok).toBe(false);
    const r = await expectSameAsWholePrefix(bytes, 'long-header.dcm');
    expect(r.ok && r.slices[0].hu.length === 0 && r.slices[0].storedPixels!.fileOffsetBytes > HEADER_FIRST_TRY_BYTES).toBe(true);
  });
});
