import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBatchArgs, runBatch, runBatchWith } from '../../src/cli/batch';
import { parseShard, shardFromEnv, type BatchRow } from '../../src/cli/batchPlan';
import type { AnalyzeReport } from '../../src/cli/analyze';
import { dicomParser } from '../../src/core/dicom/dicomParserLib';
import { makePhantomSeries, type PhantomTruth } from '../../src/core/io/phantom';
import { describeWithRealData, readReferenceSummary, REAL_SERIES, seriesDir } from '../helpers/sharedData';
import { captureIo } from './captureIo';
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot, runCli } from './cliProcess';

let tmp = '';
let root = '';
const truths: Record<string, PhantomTruth> = {};

/** Bytes of the Modality element (0008,0060) CS "CT" as the phantom writes it (explicit VR little endian). */
const MODALITY_CT = [0x08, 0x00, 0x60, 0x00, 0x43, 0x53, 0x02, 0x00, 0x43, 0x54];

function indexOfBytes(b: Uint8Array, pattern: number[]): number {
  outer: for (let i = 0; i + pattern.length <= b.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (b[i + k] !== pattern[k]) continue outer;
    return i;
  }
  return -1;
}

/** A phantom series written into root/dir; `change` may alter each file's bytes. */
function putSeries(dir: string, seed: number, slices: number, change?: (b: Uint8Array) => Uint8Array): PhantomTruth {
  const ph = makePhantomSeries({ size: 64, slices, seed });
  mkdirSync(path.join(root, dir), { recursive: true });
  for (const f of ph.files) writeFileSync(path.join(root, dir, f.name), change ? change(f.bytes) : f.bytes);
  return ph.truth;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'lungview-batch-'));
  root = path.join(tmp, 'archive');
  // Two CT series in nested study folders, a series of truncated files, an MR series, junk files.
  truths.a = putSeries('p1/study1/s1', 11, 20);
  // A birth date on series a (the phantom leaves it empty), set with pydicom.
  const py = spawnSync('/usr/bin/python3', ['-c', [
    'import sys, os, pydicom',
    'd = sys.argv[1]',
    'for f in os.listdir(d):',
    '    ds = pydicom.dcmread(os.path.join(d, f)); ds.PatientBirthDate = "19450317"; ds.save_as(os.path.join(d, f))',
  ].join('\n'), path.join(root, 'p1/study1/s1')], { encoding: 'utf8' });
  if (py.status !== 0) throw new Error(`pydicom failed: ${py.stderr}`);
  truths.b = putSeries('p2/study/a/b', 12, 20);
  truths.broken = putSeries('p3/broken', 13, 10, (b) => b.subarray(0, b.length - 1000));
  truths.mr = putSeries('p4/mr', 14, 6, (b) => {
    const c = b.slice();
    const at = indexOfBytes(c, MODALITY_CT);
    if (at < 0) throw new Error('Modality element not found');
    c.set([0x4d, 0x52], at + 8);
    return c;
  });
  writeFileSync(path.join(root, 'README.txt'), 'cohort export\n');
  writeFileSync(path.join(root, 'p1/.DS_Store'), 'junk');
  mkdirSync(path.join(root, 'p2/notes'), { recursive: true });
  writeFileSync(path.join(root, 'p2/notes/list.csv'), 'a,b\n');
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function batch(...args: string[]): Promise<{ code: number; stderr: string; rows: BatchRow[] }> {
  const io = captureIo();
  const code = await runBatch(args, io);
  const out = args[args.indexOf('--out') + 1];
  const rows = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
  return { code, stderr: io.stderr, rows };
}

function rowOf(rows: BatchRow[], uid: string): BatchRow {
  const r = rows.find((x) => x.seriesInstanceUid === uid);
  if (!r) throw new Error(`no row for ${uid}`);
  return r;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('batch on a phantom archive', () => {
  let out = '';
  let first: { code: number; stderr: string; rows: BatchRow[] };
  beforeAll(async () => {
    out = path.join(tmp, 'out-all');
    first = await batch(root, '--out', out, '--jobs', '2');
  }, 60_000);

  it('finds every series under the root, a row each, the failed ones with their reason', () => {
    expect(first.code).toBe(3); // some series failed
    expect(first.rows).toHaveLength(4);
    expect(first.rows.map((r) => r.seriesId)).toEqual([...first.rows.map((r) => r.seriesId)].sort());
    for (const t of [truths.a, truths.b]) {
      const r = rowOf(first.rows, t.seriesInstanceUid);
      expect(r).toMatchObject({ status: 'ok', reason: '', studyInstanceUid: t.studyInstanceUid, modality: 'CT', nz: 20, ny: 64, nx: 64, geometryTrusted: true, split: 'ok' });
      expect(r.spacingZMm).toBeCloseTo(t.spacingMmZyx[0], 6);
      expect(r.spacingXMm).toBeCloseTo(t.spacingMmZyx[2], 6);
      // The row carries the analyze JSON's numbers.
      const report = JSON.parse(readFileSync(path.join(out, r.seriesId, 'analyze.json'), 'utf8')) as AnalyzeReport;
      expect(report.series.id).toBe(t.seriesInstanceUid);
      expect(r.lungFillMl).toBe(report.lungMl.fill);
      expect(r.rightLungMl).toBe(report.lungMl.right);
      // The mask measured (analyze's default, the inclusive one) and its volume: the split's parts add up to it.
      expect(r.lungMask).toBe('inclusive');
      expect(report.densitometry!.lungMask).toBe('lungs-inclusive');
      expect(r.measuredLungMl).toBe(report.lungMl.measured);
      expect(r.rightLungMl! + r.leftLungMl! + r.airwayMl!).toBeCloseTo(r.measuredLungMl!, 6);
      expect(r.densWholeMl).toBe(report.densitometry!.whole.volumeMl);
      expect(r.laa950Left).toBe(report.densitometry!.left.laa950);
      expect(r.perc15Right).toBe(report.densitometry!.right.perc15);
      expect(r.meanHuWhole).toBe(report.densitometry!.whole.meanHu);
      expect(r.lungFillMl! / t.lungsAndAirwaysMl).toBeGreaterThan(0.8);
      // Without --meshes no surface is made: the report says so rather than giving sizes.
      expect(report.meshes).toBeNull();
      expect(report.timingsMs.meshLung + report.timingsMs.meshInternal).toBe(0);
      expect(readdirSync(path.join(out, r.seriesId)).sort()).toEqual(
        ['analyze.json', 'internal.nii.gz', 'lung-fill.nii.gz', 'lung-labels.nii.gz', 'lung-measured.nii.gz', 'lung-nofill.nii.gz', 'report.csv', 'report.html', 'report.json'],
      );
    }
    const broken = rowOf(first.rows, truths.broken.seriesInstanceUid);
    expect(broken.status).toBe('failed');
    expect(broken.reason).toMatch(/no series could be read: 10 DICOM file\(s\) skipped: truncated/);
    const mr = rowOf(first.rows, truths.mr.seriesInstanceUid);
    expect(mr).toMatchObject({ status: 'failed', reason: 'not a CT series (modality MR)', nz: 6 });
    expect(existsSync(path.join(out, broken.seriesId))).toBe(false);
    expect(first.stderr).toMatch(/batch: failed .*p3\/broken/);
    // The CSV has the same rows, in the same order.
    const csv = readFileSync(path.join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(first.rows.map((r) => r.seriesId));
    expect(existsSync(path.join(out, '.partial'))).toBe(false);
  });

  it('--lung-mask fill measures the tutorial\'s filled mask, as analyze --lung-mask fill does', async () => {
    const out2 = path.join(tmp, 'out-fill');
    const r = await batch(root, '--out', out2, '--jobs', '1', '--lung-mask', 'fill');
    for (const t of [truths.a, truths.b]) {
      const row = rowOf(r.rows, t.seriesInstanceUid);
      const inclusive = rowOf(first.rows, t.seriesInstanceUid);
      expect(row.lungMask).toBe('fill');
      expect(row.measuredLungMl).toBe(row.lungFillMl);
      expect(row.lungFillMl).toBe(inclusive.lungFillMl);
      expect(row.rightLungMl! + row.leftLungMl! + row.airwayMl!).toBeCloseTo(row.lungFillMl!, 6);
      const report = JSON.parse(readFileSync(path.join(out2, row.seriesId, 'analyze.json'), 'utf8')) as AnalyzeReport;
      expect(report.lungMask).toBe('fill');
      expect(report.densitometry?.lungMask).toBe('lung-fill');
      expect(report.densitometry?.whole.volumeMl).toBe(row.densWholeMl);
    }
    expect(() => parseBatchArgs(['root', '--out', 'o', '--lung-mask', 'lobes'])).toThrow(/--lung-mask must be one of inclusive, fill, nofill/);
    // Resumed with another mask, the series are measured again (not mixed with the fill rows); with the same, skipped.
    const again = await batch(root, '--out', out2, '--jobs', '1', '--lung-mask', 'fill', '--resume');
    expect(again.stderr).toMatch(/0 to do/);
    const other = await batch(root, '--out', out2, '--jobs', '1', '--resume');
    expect(other.stderr).not.toMatch(/0 to do/);
    expect(rowOf(other.rows, truths.a.seriesInstanceUid).lungMask).toBe('inclusive');
  });

  it('writes no patient identifiers, and writes them with --with-identifiers (meshes with --meshes)', async () => {
    const everything = filesUnder(out).map((f) => readFileSync(f, 'latin1')).join('\n');
    for (const id of ['Phantom^Chest', 'PHANTOM0011', 'PHANTOM0012', '19450317', 'p1/study1']) expect(everything).not.toContain(id);
    const out2 = path.join(tmp, 'out-ids');
    const r = await batch(root, '--out', out2, '--jobs', '1', '--with-identifiers', '--meshes');
    const a = rowOf(r.rows, truths.a.seriesInstanceUid);
    expect(a).toMatchObject({ folder: 'p1/study1/s1', patientName: 'Phantom^Chest', patientId: 'PHANTOM0011', patientBirthDate: '19450317' });
    expect(rowOf(r.rows, truths.b.seriesInstanceUid).patientBirthDate).toBe('');
    expect(rowOf(r.rows, truths.broken.seriesInstanceUid)).toMatchObject({ folder: 'p3/broken', patientId: '' });
    expect(readFileSync(path.join(out2, 'results.csv'), 'utf8').split('\n')[0]).toMatch(/,folder,patientName,patientId,patientBirthDate$/);
    expect(readFileSync(path.join(out2, a.seriesId, 'analyze.json'), 'utf8')).toContain('PHANTOM0011');
    for (const f of ['lung.stl', 'lung.obj', 'internal.stl', 'internal.obj']) expect(existsSync(path.join(out2, a.seriesId, f))).toBe(true);
    const withMeshes = JSON.parse(readFileSync(path.join(out2, a.seriesId, 'analyze.json'), 'utf8')) as AnalyzeReport;
    expect(withMeshes.meshes?.lung.triangles).toBe((statSync(path.join(out2, a.seriesId, 'lung.stl')).size - 84) / 50);
    // The numbers do not depend on the flags or the number of workers.
    const strip = (x: BatchRow) => ({ ...x, folder: undefined, patientName: undefined, patientId: undefined, patientBirthDate: undefined });
    expect(r.rows.map(strip)).toEqual(first.rows.map(strip));
    // Resumed without the flag, the results leave out the identifiers recorded with it.
    const resumed = await batch(root, '--out', out2, '--jobs', '1', '--resume');
    expect(resumed.stderr).toMatch(/0 to do/);
    expect(readFileSync(path.join(out2, 'results.csv')).equals(readFileSync(path.join(out, 'results.csv')))).toBe(true);
  }, 60_000);

  it('--resume skips the series done and redoes one without analyze.json', async () => {
    const a = rowOf(first.rows, truths.a.seriesInstanceUid).seriesId;
    const b = rowOf(first.rows, truths.b.seriesInstanceUid).seriesId;
    const mtime = (id: string, f: string) => statSync(path.join(out, id, f)).mtimeMs;
    const before = { a: mtime(a, 'analyze.json'), aMask: mtime(a, 'lung-fill.nii.gz') };
    const csvBefore = readFileSync(path.join(out, 'results.csv'));
    unlinkSync(path.join(out, b, 'analyze.json'));
    await new Promise((r) => setTimeout(r, 20));
    const r = await batch(root, '--out', out, '--resume', '--jobs', '1');
    expect(r.stderr).toMatch(/done before, 1 to do/);
    expect(mtime(a, 'analyze.json')).toBe(before.a);
    expect(mtime(a, 'lung-fill.nii.gz')).toBe(before.aMask);
    expect(existsSync(path.join(out, b, 'analyze.json'))).toBe(true);
    expect(readFileSync(path.join(out, 'results.csv')).equals(csvBefore)).toBe(true);
  }, 60_000);

  it('N = 2 and N = 3 shards as separate processes, merged, give the bytes of one run; SLURM_ARRAY_TASK_ID picks the share of --shard', () => {
    const csvOne = readFileSync(path.join(out, 'results.csv'));
    const shardRows: Record<string, string> = {};
    for (const n of [2, 3]) {
      const dirs: string[] = [];
      for (let k = 1; k <= n; k++) {
        const d = path.join(tmp, `shard-${k}-of-${n}`);
        const p = runCli(['batch', root, '--out', d, '--shard', `${k}/${n}`, '--jobs', '1'], { timeoutMs: 60_000 });
        expect(p.hung).toBe(false);
        expect([0, 3]).toContain(p.status);
        shardRows[`${k}/${n}`] = readFileSync(path.join(d, 'results.jsonl'), 'utf8');
        dirs.push(d);
      }
      const merged = path.join(tmp, `merged-${n}`);
      const m = runCli(['batch-merge', ...dirs.reverse(), '--out', merged], { timeoutMs: 30_000 });
      expect(m.status, m.stderr).toBe(0);
      expect(readFileSync(path.join(merged, 'results.csv')).equals(csvOne)).toBe(true);
      expect(readFileSync(path.join(merged, 'results.jsonl'), 'utf8')).toBe(readFileSync(path.join(out, 'results.jsonl'), 'utf8'));
    }
    // Shards are disjoint: each series in exactly one of the three.
    const ids = ['1/3', '2/3', '3/3'].flatMap((s) => shardRows[s].trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as BatchRow).seriesId));
    expect(ids.sort()).toEqual(first.rows.map((r) => r.seriesId));
    const slurm = path.join(tmp, 'slurm-1');
    const p = runCli(['batch', root, '--out', slurm, '--jobs', '1'], {
      timeoutMs: 60_000, env: { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '0' },
    });
    expect(p.stderr).toMatch(/shard 2\/2/);
    expect(readFileSync(path.join(slurm, 'results.jsonl'), 'utf8')).toBe(shardRows['2/2']);
  }, 120_000);
});

describe('batch interrupted', () => {
  it('Ctrl-C leaves complete files only, exit code 130, and --resume finishes the rest', async () => {
    const root2 = path.join(tmp, 'archive-long');
    const out = path.join(tmp, 'out-interrupted');
    const uids: string[] = [];
    for (let k = 0; k < 4; k++) {
      const ph = makePhantomSeries({ size: 128, slices: 48, seed: 21 + k });
      mkdirSync(path.join(root2, `p${k}`), { recursive: true });
      for (const f of ph.files) writeFileSync(path.join(root2, `p${k}`, f.name), f.bytes);
      uids.push(ph.truth.seriesInstanceUid);
    }
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), [path.join(repoRoot, 'src/cli/main.ts'), 'batch', root2, '--out', out, '--jobs', '1'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Ctrl-C once the first series is complete.
    const done = () => uids.filter((u) => existsSync(path.join(out, u, 'analyze.json')));
    const t0 = Date.now();
    while (done().length === 0 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const complete = done();
    expect(complete.length).toBeGreaterThan(0);
    expect(complete.length).toBeLessThan(4);
    expect(existsSync(path.join(out, '.partial'))).toBe(false);
    expect(filesUnder(out).filter((f) => /\.tmp$/.test(f))).toEqual([]);
    const rows = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BatchRow);
    expect(rows.map((r) => r.seriesId).sort()).toEqual([...complete].sort());
    const mtimes = complete.map((u) => statSync(path.join(out, u, 'analyze.json')).mtimeMs);
    const r = await batch(root2, '--out', out, '--resume', '--jobs', '1');
    expect(r.code).toBe(0);
    expect(r.rows.map((x) => x.seriesId).sort()).toEqual([...uids].sort());
    expect(complete.map((u) => statSync(path.join(out, u, 'analyze.json')).mtimeMs)).toEqual(mtimes);
  }, 60_000);
});

describe('batch arguments and shards', () => {
  it('reads shards from --shard, Slurm arrays and Kubernetes Indexed Jobs', () => {
    expect(parseShard('2/3')).toEqual({ index: 1, count: 3 });
    for (const bad of ['0/3', '4/3', '1', 'a/b']) expect(() => parseShard(bad)).toThrow(/K\/N/);
    expect(shardFromEnv({})).toBeNull();
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 3, count: 4 });
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2' })).toEqual({ index: 2, count: 3 });
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4' })).toThrow(/not one of the 4 tasks/);
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 5)).toEqual({ index: 0, count: 5 });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0' })).toThrow(/--shard-count/);
  });

  it('shows progress as one line redrawn on a terminal and as plain lines otherwise', async () => {
    const small = path.join(tmp, 'archive-one');
    const ph = makePhantomSeries({ size: 48, slices: 16, seed: 31 });
    mkdirSync(path.join(small, 's'), { recursive: true });
    for (const f of ph.files) writeFileSync(path.join(small, 's', f.name), f.bytes);
    for (const tty of [true, false]) {
      const io = captureIo();
      const o = parseBatchArgs([small, '--out', path.join(tmp, `out-progress-${tty}`), '--jobs', '1']);
      expect(await runBatchWith(o, io, new Promise(() => undefined), tty)).toBe(0);
      if (tty) expect(io.stderr).toMatch(new RegExp(`\r${String.fromCharCode(27)}\\[Kbatch: 1/1 folders, 1 series ok, 0 failed, 0:\\d\\d elapsed\n`));
      else expect(io.stderr).toMatch(/^batch: 1\/1 folders, 1 series ok, 0 failed, 0:\d\d elapsed$/m);
      expect(io.stderr.includes('\r')).toBe(tty);
    }
  }, 30_000);

  it('rejects a missing --out, unknown options and bad values with exit code 2', async () => {
    for (const args of [[root], [root, '--out'], [root, '--out', 'o', '--fast'], [root, '--out', 'o', '--jobs', '0'], [root, '--out', 'o', '--shard', '3/2'], []]) {
      const io = captureIo();
      expect(await runBatch(args, io)).toBe(2);
      expect(io.stderr).toMatch(/usage: batch/);
    }
  });
});

describeWithRealData('batch on the three real series under one root', () => {
  it('analyses each, a row each with the reference dimensions, no identifiers by default', async () => {
    const realRoot = path.join(tmp, 'real');
    mkdirSync(path.join(realRoot, 'cohort'), { recursive: true });
    for (const name of REAL_SERIES) symlinkSync(seriesDir(name), path.join(realRoot, 'cohort', name));
    const out = path.join(tmp, 'out-real');
    const r = await batch(realRoot, '--out', out, '--jobs', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.rows).toHaveLength(3);
    const byDims = new Map(r.rows.map((x) => [`${x.nz},${x.ny},${x.nx}`, x]));
    for (const name of REAL_SERIES) {
      const ref = readReferenceSummary(name);
      const row = byDims.get(ref.dims_zyx.join(','));
      expect(row?.status, name).toBe('ok');
      const report = JSON.parse(readFileSync(path.join(out, row!.seriesId, 'analyze.json'), 'utf8')) as AnalyzeReport;
      expect(report.voxels.lungFill).toBe(ref.voxel_counts.lung_fill);
      expect(row!.lungFillMl).toBe(report.lungMl.fill);
      expect(existsSync(path.join(out, row!.seriesId, 'report.json'))).toBe(true);
    }
    // The real headers' patient ids, and the folders (named after the patient), appear nowhere in the outputs.
    const everything = filesUnder(out).filter((f) => !f.endsWith('.gz')).map((f) => readFileSync(f, 'latin1')).join('\n');
    for (const name of REAL_SERIES) {
      const first = readdirSync(seriesDir(name)).sort()[0];
      const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(path.join(seriesDir(name), first))), { untilTag: 'x7fe00010' });
      const patientId = ds.string('x00100020')?.trim();
      expect(patientId).toBeTruthy();
      expect(everything).not.toContain(`"${patientId}"`);
      expect(everything).not.toContain(name);
    }
  }, 120_000);
});
