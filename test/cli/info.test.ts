import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInfo, type InfoResult } from '../../src/cli/info';
import { describeWithRealData, edgeFile, readReferenceSummary, seriesDir } from '../helpers/sharedData';
import { captureIo } from './captureIo';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');

function cli(...args: string[]) {
  return spawnSync(tsx, ['src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
}

describe('cli', () => {
  it('fails with a clear message and exit code 1 for a missing folder', () => {
    const r = cli('info', '/nonexistent/lungview-folder');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('folder not found: /nonexistent/lungview-folder');
    expect(r.stdout).toBe('');
  });

  it('rejects an unknown command and a missing folder argument with exit code 2', async () => {
    const r = cli('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command: frobnicate/);
    const io = captureIo();
    expect(await runInfo([], io)).toBe(2);
    expect(io.stderr).toMatch(/usage: info <folder>/);
  });
});

describeWithRealData('cli info on real data', () => {
  let mixed = '';
  beforeAll(() => {
    mixed = mkdtempSync(path.join(tmpdir(), 'lungview-info-'));
    const series = path.join(mixed, 'scan');
    mkdirSync(series);
    for (const f of readdirSync(seriesDir('lung-pet-ct-dx-a0001'))) copyFileSync(path.join(seriesDir('lung-pet-ct-dx-a0001'), f), path.join(series, f));
    mkdirSync(path.join(mixed, 'reports'));
    copyFileSync(edgeFile('sr-structured-report-nonimage.dcm'), path.join(mixed, 'reports', 'sr.dcm'));
    writeFileSync(path.join(mixed, 'notes.txt'), 'not a DICOM file\n');
  });
  afterAll(() => {
    if (mixed) rmSync(mixed, { recursive: true, force: true });
  });

  it('--json on a real series gives its size, spacing and the reference HU range', async () => {
    const io = captureIo();
    expect(await runInfo([seriesDir('cptac-lscc-c3n-00247'), '--json'], io)).toBe(0);
    const r = JSON.parse(io.stdout) as InfoResult;
    const ref = readReferenceSummary('cptac-lscc-c3n-00247');
    expect(r.skipped).toEqual([]);
    expect(r.series).toHaveLength(1);
    const s = r.series[0];
    expect(s.modality).toBe('CT');
    expect(s.description).toBe('LUNG 3.0  B70f');
    expect(s.seriesUid).toMatch(/^[0-9.]+$/);
    expect(s.files).toBe(99);
    expect(s.dimsZyx).toEqual(ref.dims_zyx);
    expect(s.spacingMmZyx[0]).toBeCloseTo(3, 6);
    expect([s.huMin, s.huMax]).toEqual([ref.hu.min, ref.hu.max]);
    expect(s.huMean).toBeCloseTo(ref.hu.mean, 9);
    expect(s.warnings).toEqual([]);
  });

  it('a folder mixing a series, a junk file and an SR lists one series and two skipped files (paths relative)', () => {
    const r = cli('info', mixed, '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as InfoResult;
    expect(out.series).toHaveLength(1);
    expect(out.series[0].files).toBe(64);
    expect(out.series[0].dimsZyx).toEqual([64, 512, 512]);
    expect(out.skipped.map((s) => s.file)).toEqual(['notes.txt', 'reports/sr.dcm']);
    expect(out.skipped[0].reason).toMatch(/not a DICOM file/);
    expect(out.skipped[1].reason).toMatch(/no Pixel Data/);
  });

  it('prints a readable table with the skipped files and reasons', async () => {
    const io = captureIo();
    expect(await runInfo([mixed], io)).toBe(0);
    expect(io.stdout).toMatch(/1 series, 2 skipped file\(s\)/);
    expect(io.stdout).toMatch(/CT\s+5mm\s+64\s+64×512×512\s+5 \/ 0\.8418 \/ 0\.8418\s+-1024\s+2976/);
    expect(io.stdout).toMatch(/reports\/sr\.dcm\s+no Pixel Data/);
  });
});
