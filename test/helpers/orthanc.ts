/**
 * A real DICOMweb server for the tests and the benchmark: Debian's Orthanc
 * with its DICOMweb plugin, started as a plain child process with a JSON
 * configuration in a temporary folder (HTTP on a free loopback port, no
 * DICOM port, no authentication, storage in that folder), loaded with real
 * series through its REST API (POST /instances), and stopped by killing
 * exactly the process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listFiles } from '../../src/cli/readFolder';

export const ORTHANC_BIN = process.env.LUNGVIEW_ORTHANC ?? '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB_PLUGIN = process.env.LUNGVIEW_ORTHANC_DICOMWEB ?? '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** Why Orthanc cannot run here (for describeRequiring), or null. */
export const orthancProblem: string | null = !existsSync(ORTHANC_BIN)
  ? `Orthanc not found at ${ORTHANC_BIN} (Debian package orthanc)`
  : !existsSync(ORTHANC_DICOMWEB_PLUGIN)
    ? `Orthanc's DICOMweb plugin not found at ${ORTHANC_DICOMWEB_PLUGIN} (Debian package orthanc-dicomweb)`
    : null;

export interface OrthancServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The DICOMweb root: http://127.0.0.1:PORT/dicom-web */
  dicomWebRoot: string;
  pid: number;
  /** Uploads every file under `folder` (POST /instances); returns how many the server took. */
  upload(folder: string): Promise<number>;
  /** Stops the Orthanc process it started (that PID only) and removes its folder. */
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilAnswers(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Orthanc exited (${child.exitCode ?? child.signalCode}) before it answered: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    try {
      const r = await fetch(`${url}/system`);
      if (r.ok) {
        await r.arrayBuffer();
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`Orthanc did not answer on ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a fresh Orthanc with the DICOMweb plugin; resolves once it answers. */
export async function startOrthanc(timeoutMs = 30_000): Promise<OrthancServer> {
  if (orthancProblem) throw new Error(orthancProblem);
  const dir = mkdtempSync(path.join(tmpdir(), 'lungview-orthanc-'));
  const port = await freePort();
  const config = {
    Name: 'lungview-test',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    DicomPort: 0,
    HttpsVerifyPeers: false,
    StorageCompression: false,
    ConcurrentJobs: 1,
    HttpThreadsCount: 4,
    Plugins: [ORTHANC_DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
  };
  const configFile = path.join(dir, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(dir, 'orthanc.log');
  // A small shell keeps Orthanc: it starts it, says its PID, and kills
  // exactly that PID when its stdin closes: when stop() closes it, and also
  // when this process dies without stopping it (no Orthanc left behind).
  const keeper = 'o="$1"; shift; "$o" "$@" </dev/null >>"$LOG" 2>&1 & pid=$!; echo "$pid"; cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid"';
  const child = spawn('/bin/sh', ['-c', keeper, 'orthanc-keeper', ORTHANC_BIN, configFile], {
    cwd: dir, stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, LOG: logFile },
  });
  writeFileSync(logFile, '');
  const orthancPid = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /^(\d+)\n/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`Orthanc did not start: ${readFileSync(logFile, 'utf8').slice(-2000)}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.stdin!.end();
      const t = setTimeout(() => {
        // Orthanc did not stop on SIGTERM within 10 s: the PID it was started with, and nothing else.
        try {
          process.kill(orthancPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswers(url, child, logFile, timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    dicomWebRoot: `${url}/dicom-web`,
    pid: orthancPid,
    async upload(folder: string): Promise<number> {
      let n = 0;
      for (const f of await listFiles(folder)) {
        const r = await fetch(`${url}/instances`, { method: 'POST', body: readFileSync(path.join(folder, f)), headers: { 'Content-Type': 'application/dicom' } });
        if (!r.ok) throw new Error(`Orthanc refused ${f}: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
        n++;
      }
      return n;
    },
    stop,
  };
}
