/**
 * `npm start` (vite preview) sends the page's Content-Security-Policy as a
 * header too, with what only a header can say (frame-ancestors), plus
 * nosniff and no-referrer, on the page and on its scripts; the meta tag of
 * the built page is the same policy (both come from vite.config.ts). The
 * dev server sends nosniff and no-referrer, and its page still runs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../vite.config';
import { distDir, freePort, launchBrowser, openApp, repoRoot, startPreview, type PreviewServer } from './harness';

let server: PreviewServer;

beforeAll(async () => {
  // A free loopback port; stop() ends only the process started here.
  server = await startPreview();
});

afterAll(async () => {
  await server?.stop();
});

function directives(policy: string): string[] {
  return policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
}

function expectSecurityHeaders(res: Response): string {
  const csp = res.headers.get('content-security-policy');
  expect(csp, `CSP header on ${res.url}`).not.toBeNull();
  expect(directives(csp!)).toEqual(expect.arrayContaining(["default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]));
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  return csp!;
}

it('serves the page with the CSP header (frame-ancestors none), nosniff and no-referrer; the meta tag is the same policy', async () => {
  const res = await fetch(server.url);
  expect(res.status).toBe(200);
  const header = expectSecurityHeaders(res);
  const html = await res.text();
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
  expect(meta, 'CSP meta tag in the built page').not.toBeNull();
  expect(meta![1]).toBe(CONTENT_SECURITY_POLICY);
  // The header is the meta policy plus frame-ancestors (ignored in a meta tag, so not there).
  expect(directives(meta![1])).not.toContain("frame-ancestors 'none'");
  expect(directives(header).filter((d) => !d.startsWith('frame-ancestors'))).toEqual(directives(meta![1]));
});

it('sends the same headers with the scripts and the worker files', async () => {
  const html = await (await fetch(server.url)).text();
  const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const js = await fetch(new URL(script!, server.url));
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toMatch(/javascript/);
  expect(expectSecurityHeaders(js)).toBe(expectSecurityHeaders(await fetch(server.url)));
  // A worker file of the build (dicom.worker-<hash>.js).
  const worker = (await readdir(path.join(distDir, 'assets'))).find((f) => /^dicom\.worker-.*\.js$/.test(f));
  expect(worker, 'the DICOM worker in the build').toBeDefined();
  const w = await fetch(new URL(`/assets/${worker}`, server.url));
  expect(w.status).toBe(200);
  expectSecurityHeaders(w);
});

it('the dev server sends nosniff and no-referrer, and its page renders under the meta policy', async () => {
  const port = await freePort();
  const child = spawn(path.join(repoRoot, 'node_modules/.bin/vite'), ['--port', String(port), '--strictPort'], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  const browser = await launchBrowser();
  try {
    let res: Response | null = null;
    for (let k = 0; k < 150 && !res; k++) {
      res = await fetch(url).catch(() => null);
      if (!res) await new Promise((r) => setTimeout(r, 200));
    }
    expect(res?.status).toBe(200);
    expect(res!.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res!.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res!.text()).toContain(`content="${CONTENT_SECURITY_POLICY}"`);
    // React's inline refresh preamble runs (a CSP header would block it) and the app renders.
    const app = await openApp(browser, url);
    expect(app.pageErrors).toEqual([]);
  } finally {
    await browser.close();
    const exited = once(child, 'exit');
    // Only the process started above, by its own handle.
    child.kill('SIGTERM');
    await exited;
  }
});

it('npm start on a port already in use says what to do, without a stack trace, and exits with 1', async () => {
  const { createServer } = await import('node:net');
  const port = await freePort();
  const holder = createServer().listen(port, '127.0.0.1');
  await once(holder, 'listening');
  try {
    const child = spawn(path.join(repoRoot, 'node_modules/.bin/vite'), ['preview', '--port', String(port), '--strictPort'], { cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain(`port ${port} is already in use`);
    expect(stderr).toContain(`npm start -- --port ${port + 1}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  } finally {
    holder.close();
  }
});
