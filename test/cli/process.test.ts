import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { runCli, runNpmCli } from './cliProcess';

let root = '';
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'lungview-cli-process-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function phantomFolder(dir: string): string {
  const ph = makePhantomSeries({ size: 64, slices: 20, seed: 5 });
  mkdirSync(dir, { recursive: true });
  for (const f of ph.files) writeFileSync(path.join(dir, f.name), f.bytes);
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
});
