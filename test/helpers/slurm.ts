/**
 * A real Slurm for the tests: Debian's slurm-wlm (22.05) as a single-node
 * cluster of plain child processes, no systemd. In a temporary folder: a
 * munge key (random bytes, mode 0400) and `munged -F` on its own socket,
 * pid, log and seed files; a minimal slurm.conf (this host as controller and
 * as the one node, on 127.0.0.1, free TCP ports, auth/munge on that socket,
 * state, spool, logs and pid files in the folder, no cgroups, no
 * accounting); then `slurmctld -D` and `slurmd -D`. Ready when `sinfo` says
 * the node is idle. The client commands (sbatch, squeue, scontrol) get the
 * same SLURM_CONF from `env`. Stopping cancels the cluster's jobs, kills
 * exactly the daemons started here (by their PIDs) and removes the folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { freePort } from './orthanc';

const DAEMONS = ['munged', 'slurmctld', 'slurmd'] as const;
const CLIENTS = ['sbatch', 'squeue', 'sinfo', 'scontrol', 'scancel'] as const;

/** The full path of `name` on PATH or in /usr/sbin, /sbin (daemons live there), or null. */
function findBin(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'];
  for (const d of dirs) if (existsSync(path.join(d, name))) return path.join(d, name);
  return null;
}

const missing = [...DAEMONS, ...CLIENTS].filter((n) => !findBin(n));

/** Why a single-node Slurm cannot run here (for describeRequiring), or null. */
export const slurmProblem: string | null = missing.length
  ? `Slurm not found: ${missing.join(', ')} (Debian packages slurm-wlm and munge)`
  : process.getuid?.() !== 0
    ? `the single-node Slurm runs as root (slurmd starts the jobs), and this runs as uid ${process.getuid?.()}`
    : null;

export interface SlurmCluster {
  /** The temporary folder holding the configuration, state, spool and logs. */
  dir: string;
  /** The cluster's slurm.conf. */
  conf: string;
  /** The one node's name (this host's short name). */
  node: string;
  /** process.env with SLURM_CONF set (and npm's own variables of the test run removed), for sbatch & co. */
  env: NodeJS.ProcessEnv;
  /** PIDs of munged, slurmctld and slurmd. */
  pids: Record<(typeof DAEMONS)[number], number>;
  /** Runs a client command (sbatch, squeue, scontrol …) against this cluster; throws with its stderr when it fails. */
  run(cmd: (typeof CLIENTS)[number], args: string[], opts?: { cwd?: string }): string;
  /** The last lines of the daemons' logs, for error messages. */
  logs(): string;
  /** Cancels every job, stops the three daemons (those PIDs only) and removes the folder. */
  stop(): Promise<void>;
}

function tail(file: string, chars = 1500): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-chars) : '(no file)';
}

function slurmConf(dir: string, node: string, ctldPort: number, slurmdPort: number): string {
  const user = userInfo().username;
  return [
    'ClusterName=lungviewtest',
    `SlurmctldHost=${node}(127.0.0.1)`,
    `SlurmctldPort=${ctldPort}`,
    `SlurmdPort=${slurmdPort}`,
    `SlurmUser=${user}`,
    `SlurmdUser=${user}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${path.join(dir, 'munge.sock')}`,
    `StateSaveLocation=${path.join(dir, 'state')}`,
    `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
    `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
    `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${path.join(dir, 'slurmctld.log')}`,
    `SlurmdLogFile=${path.join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'SchedulerType=sched/builtin',
    'MpiDefault=none',
    'SwitchType=switch/none',
    'ReturnToService=2',
    'KillWait=2',
    // Two CPUs at most (the machine is shared), fewer when it has fewer: a node
    // configured with more CPUs than it has is drained by slurmd.
    `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${Math.min(2, availableParallelism())} RealMemory=1024 State=UNKNOWN`,
    `PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

/**
 * Starts munged, slurmctld and slurmd; resolves once the node is idle.
 * Fails within `timeoutMs` saying why, with the daemons' logs.
 */
export async function startSlurm(timeoutMs = 60_000): Promise<SlurmCluster> {
  if (slurmProblem) throw new Error(slurmProblem);
  const t0 = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), 'lungview-slurm-'));
  // munged refuses a socket whose folders are not searchable by everyone.
  chmodSync(dir, 0o711);
  for (const d of ['state', 'spool']) mkdirSync(path.join(dir, d));
  writeFileSync(path.join(dir, 'munge.key'), randomBytes(1024), { mode: 0o400 });
  const node = hostname().split('.')[0];
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, node, ctldPort, slurmdPort));

  const env: NodeJS.ProcessEnv = { SLURM_CONF: conf };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('npm_') && k !== 'INIT_CWD') env[k] = v;
  env.SLURM_CONF = conf;

  // One shell keeps the three daemons: it starts them (munged first, the
  // others once its socket exists), says their PIDs, and kills exactly those
  // PIDs when its stdin closes: when stop() closes it, and also when this
  // process dies without stopping them (no daemons left behind).
  const keeper = [
    'd="$1"',
    '"$MUNGED" -F --socket="$d/munge.sock" --key-file="$d/munge.key" --pid-file="$d/munged.pid" --log-file="$d/munged.log" --seed-file="$d/munged.seed" </dev/null >"$d/munged.out" 2>&1 & m=$!',
    'i=0; while [ ! -S "$d/munge.sock" ] && kill -0 "$m" 2>/dev/null && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i+1)); done',
    '"$SLURMCTLD" -D -f "$d/slurm.conf" </dev/null >"$d/slurmctld.out" 2>&1 & c=$!',
    '"$SLURMD" -D -f "$d/slurm.conf" </dev/null >"$d/slurmd.out" 2>&1 & s=$!',
    'echo "pids $m $c $s"',
    'cat >/dev/null',
    'kill "$s" "$c" 2>/dev/null; wait "$s" "$c"; kill "$m" 2>/dev/null; wait "$m"',
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', keeper, 'slurm-keeper', dir], {
    cwd: dir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...env, MUNGED: findBin('munged')!, SLURMCTLD: findBin('slurmctld')!, SLURMD: findBin('slurmd')! },
  });
  let keeperErr = '';
  child.stderr!.on('data', (d: Buffer) => (keeperErr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const logs = () =>
    ['munged.out', 'slurmctld.log', 'slurmctld.out', 'slurmd.log', 'slurmd.out'].map((f) => `--- ${f}\n${tail(path.join(dir, f))}`).join('\n') +
    (keeperErr ? `\n--- keeper\n${keeperErr}` : '');

  const pids = await new Promise<SlurmCluster['pids']>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /^pids (\d+) (\d+) (\d+)\n/.exec(text);
      if (m) resolve({ munged: Number(m[1]), slurmctld: Number(m[2]), slurmd: Number(m[3]) });
    });
    child.once('exit', () => reject(new Error(`the Slurm daemons did not start:\n${logs()}`)));
  });

  const run: SlurmCluster['run'] = (cmd, args, opts = {}) => {
    const r = spawnSync(findBin(cmd)!, args, { cwd: opts.cwd ?? dir, env, encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}): ${r.stderr}`);
    return r.stdout;
  };

  const stop = async (): Promise<void> => {
    if (alive()) {
      // Jobs still running (a test that failed half-way) are cancelled first, so
      // no job outlives its cluster; then the daemons go, by their PIDs.
      spawnSync(findBin('scancel')!, ['--user', userInfo().username], { env, timeout: 10_000 });
      const t = Date.now();
      while (Date.now() - t < 5000) {
        const q = spawnSync(findBin('squeue')!, ['-h', '-o', '%i'], { env, encoding: 'utf8', timeout: 5000 });
        if (q.status !== 0 || !q.stdout.trim()) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      child.stdin!.end();
      const kill = setTimeout(() => {
        // Not stopped on SIGTERM within 10 s: those PIDs, and nothing else.
        for (const pid of Object.values(pids)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, 10_000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (;;) {
      if (!alive()) throw new Error(`the Slurm daemons exited before the node was up:\n${logs()}`);
      for (const [name, pid] of Object.entries(pids)) {
        try {
          process.kill(pid, 0);
        } catch {
          throw new Error(`${name} (pid ${pid}) exited before the node was up:\n${logs()}`);
        }
      }
      const s = spawnSync(findBin('sinfo')!, ['-h', '-N', '-n', node, '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 });
      const state = s.status === 0 ? s.stdout.trim() : '';
      if (state === 'idle') break;
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`the Slurm node ${node} was not idle within ${timeoutMs} ms (sinfo: ${state || s.stderr.trim() || 'no answer'}):\n${logs()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, conf, node, env, pids, run, logs, stop };
}
