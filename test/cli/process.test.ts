import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePhantomSeries } from '../../src/core/io/phantom';
import type { AnalyzeReport } from '../../src/cli/analyze';
import { OUTPUT_FILES } from '../../src/cli/analyzeOutputs';
import type { InfoResult } from '../../src/cli/info';
import { runCli, runNpmCli } from './cliProcess';

let root = '';
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lungview-cli-process-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The project's synthetic chest series (64 × 64 × 20) written into dir; `drop` leaves out those slices (volume order). */
function phantomFolder(dir: string, drop: number[] = []): string {
  const ph = makePhantomSeries({ size: 64, slices: 20, seed: 5 });
  mkdirSync(dir, { recursive: true });
  for (const f of ph.files) writeFileSync(path.join(dir, f.name), f.bytes);
  for (const z of drop) unlinkSync(path.join(dir, ph.truth.fileForSlice[z]));
  return dir;
}

describe('analyze ends at once after an early error', () => {
  const cases: [string, () => string, RegExp][] = [
    ['a folder that does not exist', () => path.join(root, 'missing'), /folder not found/],
    ['a file', () => {
      const f = path.join(root, 'file.dcm');
      writeFileSync(f, 'not a folder');
      return f;
    }, /not a folder/],
    ['an empty folder', () => {
      const d = path.join(root, 'empty');
      mkdirSync(d);
      return d;
    }, /no CT series .*no image series, 0 file/],
    ['a folder without CT', () => {
      const d = path.join(root, 'noct');
      mkdirSync(d);
      writeFileSync(path.join(d, 'notes.txt'), 'not DICOM\n');
      return d;
    }, /no CT series .*1 file\(s\) skipped/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: exit code 1, the reason on stderr, nothing on stdout`, () => {
      const r = runCli(['analyze', make(), '--json'], { timeoutMs: 15_000 });
      expect(r.hung).toBe(false);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }, 30_000);
  }
});

describe('relative paths are the caller\'s', () => {
  it('npm run cli from another folder reads a folder given relative to it', () => {
    const caller = path.join(root, 'caller');
    phantomFolder(path.join(caller, 'scans', 'chest'));
    const r = runNpmCli(['info', 'scans/chest', '--json'], caller);
    expect(r.hung).toBe(false);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as { series: { slices: number }[] };
    expect(info.series.map((s) => s.slices)).toEqual([20]);
  }, 60_000);

  it('npm run cli analyze from another folder writes a relative --out there', () => {
    const caller = path.join(root, 'caller-out');
    phantomFolder(path.join(caller, 'scan'));
    const r = runNpmCli(['analyze', 'scan', '--json', '--out', 'results'], caller, 90_000);
    expect(r.hung).toBe(false);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as AnalyzeReport;
    expect(report.outputs?.map((p) => path.dirname(p))).toEqual(OUTPUT_FILES.map(() => path.join(caller, 'results')));
    for (const f of OUTPUT_FILES) expect(existsSync(path.join(caller, 'results', f))).toBe(true);
  }, 120_000);
});

describe('--out that cannot be written is found before the folder is read', () => {
  const noCt = () => {
    const d = path.join(root, 'outcheck-noct');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'notes.txt'), 'not DICOM\n');
    return d;
  };
  const cases: [string, () => string, RegExp][] = [
    ['a file', () => {
      const f = path.join(root, 'out-is-a-file');
      writeFileSync(f, 'x');
      return f;
    }, /--out .*out-is-a-file is not a folder/],
    ['a path under a file', () => {
      const f = path.join(root, 'plain-file');
      writeFileSync(f, 'x');
      return path.join(f, 'out');
    }, /cannot write into --out .*plain-file\/out: .*ENOTDIR/],
    ['a read-only file system', () => '/proc/lungview-out', /cannot write into --out \/proc\/lungview-out/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: exit code 1 with the reason, before the folder (here one without CT) is read`, () => {
      const r = runCli(['analyze', noCt(), '--out', make()]);
      expect(r.hung).toBe(false);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/no CT series/);
      expect(r.stdout).toBe('');
    }, 30_000);
  }

  it('when writing fails after the analysis, the JSON report is still printed (with the error) and the exit code is 1', () => {
    const scan = phantomFolder(path.join(root, 'out-late', 'scan'));
    const out = path.join(root, 'out-late', 'out');
    // A folder where a mesh file should go: the folder itself is writable, that one file is not.
    mkdirSync(path.join(out, 'lung.stl'), { recursive: true });
    const r = runCli(['analyze', scan, '--json', '--out', out], { timeoutMs: 60_000 });
    expect(r.hung).toBe(false);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: writing the outputs failed: .*lung\.stl/);
    const report = JSON.parse(r.stdout) as AnalyzeReport;
    expect(report.outputsError).toMatch(/EISDIR/);
    expect(report.voxels.lungFill).toBeGreaterThan(0);
    // The masks come before the meshes: written, and listed.
    expect(report.outputs?.map((p) => path.basename(p))).toEqual(OUTPUT_FILES.slice(0, 6));
    for (const p of report.outputs ?? []) expect(existsSync(p)).toBe(true);
    // The write check leaves nothing behind.
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 90_000);
});

describe('memory budget', () => {
  it('--max-hu-mib refuses a series larger than the budget from its headers, with the reason, exit code 1', () => {
    const scan = phantomFolder(path.join(root, 'budget', 'scan'));
    const r = runCli(['analyze', scan, '--json', '--max-hu-mib', '0.1']);
    expect(r.hung).toBe(false);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/largest CT series .* was not loaded: 64 × 64 × 20 voxels, 0\.16 MiB of HU: more than the 0\.10 MiB one series may take \(--max-hu-mib/);
    expect(r.stdout).toBe('');
    // Within the budget, the same folder is analysed.
    const ok = runCli(['analyze', scan, '--json', '--max-hu-mib', '0.2'], { timeoutMs: 60_000 });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as AnalyzeReport).dimsZyx).toEqual([20, 64, 64]);
  }, 90_000);

  it('info lists a series over the budget as not loaded, with the reason, instead of dropping it', () => {
    const scan = phantomFolder(path.join(root, 'budget-info', 'scan'));
    const r = runCli(['info', scan, '--json', '--max-hu-mib=0.1']);
    expect(r.status).toBe(0);
    const info = JSON.parse(r.stdout) as InfoResult;
    expect(info.series).toEqual([]);
    expect(info.refused.map((s) => [s.modality, s.dimsZyx, s.reason])).toEqual([
      ['CT', [20, 64, 64], '64 × 64 × 20 voxels, 0.16 MiB of HU: more than the 0.10 MiB one series may take'],
    ]);
    const text = runCli(['info', scan, '--max-hu-mib', '0.1']);
    expect(text.stdout).toMatch(/not loaded \(memory budget, --max-hu-mib sets it\):\n {2}CT .*: 64 × 64 × 20 voxels/);
  }, 60_000);

  it('rejects a budget that is not a positive number with exit code 2', () => {
    for (const cmd of ['analyze', 'info']) {
      for (const v of ['0', '-5', 'lots']) {
        const r = runCli([cmd, root, '--max-hu-mib', v]);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/--max-hu-mib must be/);
      }
    }
  }, 60_000);
});

describe('exit codes and streams', () => {
  it('the usage lists the exit codes', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/exit codes: 0 done, 1 failed .*, 2 usage error/);
    expect(r.stdout).toMatch(/--max-hu-mib/);
  }, 30_000);

  it('analyze --json on a series with missing slices: stdout is the JSON report alone, not trusted and why; warnings on stderr', () => {
    const scan = phantomFolder(path.join(root, 'gappy', 'scan'), [8, 9, 10, 11]);
    const r = runCli(['analyze', scan, '--json'], { timeoutMs: 60_000 });
    expect(r.hung).toBe(false);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as AnalyzeReport;
    expect(report.dimsZyx[0]).toBe(16);
    expect(report.warnings.some((w) => /gap in the slice positions/.test(w))).toBe(true);
    expect(report.geometryTrusted).toBe(false);
    expect(report.trust.problems).toContain('gap');
    expect(r.stderr).toMatch(/warning: gap in the slice positions/);
    expect(r.stderr).toMatch(/warning: not trusted: /);
  }, 90_000);
});
