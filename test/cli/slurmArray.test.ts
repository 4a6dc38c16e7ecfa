/**
 * `batch` as a real Slurm job array (test/helpers/slurm.ts: Debian's
 * slurm-wlm as a single-node cluster started by the test). The job script
 * and the submission (the array, then `batch-merge` as a job depending on
 * it) are the ones public/docs/batch.md shows, read from the doc; only the
 * site settings change: paths, the array size, CPUs and memory. The merged
 * results must be the bytes of one plain `batch` run over the same archive,
 * and each array task must have written its own disjoint shard.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BatchRow } from '../../src/cli/batchPlan';
import { makePhantomSeries } from '../../src/core/io/phantom';
import { slurmProblem, startSlurm, type SlurmCluster } from '../helpers/slurm';
import { describeRequiring } from '../helpers/sharedData';
import { repoRoot, runNpmCli } from './cliProcess';

const TASKS = 3;

/** The fenced ```bash block of the doc that starts with `firstLine`. */
function docBlock(doc: string, firstLine: string): string {
  const at = doc.indexOf(`\`\`\`bash\n${firstLine}\n`);
  if (at < 0) throw new Error(`public/docs/batch.md has no bash block starting with ${firstLine}`);
  const body = doc.slice(at + '```bash\n'.length);
  return body.slice(0, body.indexOf('```'));
}

/** `text` with each line starting with a key of `lines` replaced by its value; every key must occur exactly once. */
function withSiteSettings(text: string, lines: Record<string, string>): string {
  const out = text.split('\n');
  for (const [start, line] of Object.entries(lines)) {
    const at = out.flatMap((l, i) => (l.startsWith(start) ? [i] : []));
    if (at.length !== 1) throw new Error(`the doc's sbatch script has ${at.length} lines starting with ${start}`);
    out[at[0]] = line;
  }
  return out.join('\n');
}

const seriesIds = (jsonl: string): string[] => jsonl.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as BatchRow).seriesId);

describeRequiring('batch as a Slurm job array on a real single-node Slurm', slurmProblem, () => {
  let slurm: SlurmCluster | undefined;
  const tmp = mkdtempSync(path.join(tmpdir(), 'lungview-slurm-array-'));
  const root = path.join(tmp, 'archive');

  beforeAll(async () => {
    // Five CT series in nested folders and a folder of truncated files (a
    // failed row: the tasks holding it exit with 3, which the script maps to 0).
    const folders = ['p1/study/s1', 'p1/study/s2', 'p2/s1', 'p3/a/b/c', 'p4/s1'];
    folders.forEach((dir, k) => {
      const ph = makePhantomSeries({ size: 48, slices: 16, seed: 41 + k });
      mkdirSync(path.join(root, dir), { recursive: true });
      for (const f of ph.files) writeFileSync(path.join(root, dir, f.name), f.bytes);
    });
    const broken = makePhantomSeries({ size: 48, slices: 6, seed: 49 });
    mkdirSync(path.join(root, 'p5/broken'), { recursive: true });
    for (const f of broken.files) writeFileSync(path.join(root, 'p5/broken', f.name), f.bytes.subarray(0, f.bytes.length - 500));
    writeFileSync(path.join(root, 'README.txt'), 'cohort export\n');
    slurm = await startSlurm();
  }, 70_000);

  afterAll(async () => {
    await slurm?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(`the doc's sbatch array (${TASKS} tasks) and its batch-merge job give the bytes of one batch run, each task its own disjoint shard`, async () => {
    const cluster = slurm!;
    // One plain run over the whole archive (this also builds the CLI bundle the tasks then share).
    const one = path.join(tmp, 'one');
    const plain = runNpmCli(['batch', root, '--out', one, '--jobs', '1'], tmp, 60_000);
    expect(plain.status, plain.stderr).toBe(3); // the truncated folder failed

    // The doc's job script and submission, with this machine's site settings.
    const doc = readFileSync(path.join(repoRoot, 'public/docs/batch.md'), 'utf8');
    const out = path.join(tmp, 'scratch');
    const script = withSiteSettings(docBlock(doc, '#!/bin/bash'), {
      '#SBATCH --array=': `#SBATCH --array=0-${TASKS - 1}`,
      '#SBATCH --cpus-per-task=': '#SBATCH --cpus-per-task=1',
      '#SBATCH --mem=': '#SBATCH --mem=256M',
      'LUNGVIEW=': `LUNGVIEW=${repoRoot}`,
      'ARCHIVE=': `ARCHIVE=${root}`,
      'OUT=': `OUT=${out}`,
    });
    expect(script).toContain('npm --prefix "$LUNGVIEW" run --silent cli -- batch "$ARCHIVE"');
    writeFileSync(path.join(tmp, 'lungview-batch.sbatch'), script);
    const submit = docBlock(doc, 'job=$(sbatch --parsable lungview-batch.sbatch)')
      .replaceAll('$HOME/lungview', repoRoot)
      .replaceAll('/scratch/$USER/lungview', out);
    expect(submit).toContain(`batch-merge ${out}/shard-* --out ${out}/all`);
    const sub = spawnSync('/bin/bash', ['-euc', submit], { cwd: tmp, env: cluster.env, encoding: 'utf8', timeout: 30_000 });
    expect(sub.status, `${sub.stderr}\n${cluster.logs()}`).toBe(0);
    const mergeJob = /Submitted batch job (\d+)/.exec(sub.stdout)?.[1];
    expect(mergeJob, sub.stdout).toBeDefined();

    // Wait for the array and the merge job (polling: `sbatch --wait` checks
    // after 2, 10, 42 s…, which would triple the test's time).
    const t0 = Date.now();
    while (cluster.run('squeue', ['-h', '-o', '%i']).trim()) {
      if (Date.now() - t0 > 90_000) throw new Error(`the jobs did not end within 90 s: ${cluster.run('squeue', [])}\n${cluster.logs()}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // Every task and the merge job ended with exit code 0 (scontrol keeps ended jobs for MinJobAge, 300 s).
    const jobs = cluster.run('scontrol', ['-o', 'show', 'job']).trim().split('\n');
    const field = (line: string, key: string) => new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
    const tasks = jobs.filter((l) => field(l, 'ArrayTaskId') !== undefined);
    expect(tasks.map((l) => Number(field(l, 'ArrayTaskId'))).sort((a, b) => a - b)).toEqual([0, 1, 2]);
    const arrayJob = field(tasks[0], 'ArrayJobId');
    // A failed job's message carries its own log (StdOut), which is gone with the temporary folder afterwards.
    const jobLog = (l: string) => {
      const f = field(l, 'StdOut');
      return f && existsSync(f) ? readFileSync(f, 'utf8').slice(-3000) : '(no log)';
    };
    for (const l of jobs) expect([field(l, 'JobState'), field(l, 'ExitCode')], `${l}\n${jobLog(l)}`).toEqual(['COMPLETED', '0:0']);
    // The merge job started once every task had ended (afterany).
    const merge = jobs.find((l) => field(l, 'JobId') === mergeJob);
    expect(merge, jobs.join('\n')).toBeDefined();
    const lastEnd = tasks.map((l) => field(l, 'EndTime')!).sort().at(-1)!;
    expect(field(merge!, 'StartTime')! >= lastEnd, `${field(merge!, 'StartTime')} vs ${lastEnd}`).toBe(true);

    // Each task analysed its own share, named by SLURM_ARRAY_TASK_ID / _COUNT: disjoint, together the archive.
    const shares: string[][] = [];
    for (let id = 0; id < TASKS; id++) {
      const log = readFileSync(path.join(tmp, `lungview-${arrayJob}_${id}.log`), 'utf8');
      expect(log).toMatch(new RegExp(`^batch: shard ${id + 1}/${TASKS}: `, 'm'));
      shares.push(seriesIds(readFileSync(path.join(out, `shard-${id}`, 'results.jsonl'), 'utf8')));
      expect(shares[id].length, `task ${id}`).toBeGreaterThan(0);
    }
    const all = seriesIds(readFileSync(path.join(one, 'results.jsonl'), 'utf8'));
    expect(all).toHaveLength(6);
    expect(shares.flat().sort()).toEqual(all);

    // The merge job's results are the bytes of the plain run.
    expect(readFileSync(path.join(out, 'all', 'results.csv')).equals(readFileSync(path.join(one, 'results.csv')))).toBe(true);
    expect(readFileSync(path.join(out, 'all', 'results.jsonl'), 'utf8')).toBe(readFileSync(path.join(one, 'results.jsonl'), 'utf8'));
  }, 120_000);
});
