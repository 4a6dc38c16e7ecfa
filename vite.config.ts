/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The app never talks to another origin. The one source of its
 * Content-Security-Policy: written into index.html's meta tag (at build and
 * in the dev server) and sent as a header by `vite preview` (npm start).
 * Nothing is fetched from or sent to another origin: scans stay on this
 * computer. Workers are same-origin module scripts (blob: for tooling that
 * needs it); images only from this origin, data: or blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The header adds what a meta tag cannot carry: no page may frame this one. */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** Headers of every response of the dev server (`npm run dev`). */
export const DEV_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Headers of every response of the preview server (`npm start`). The dev
 * server sends no CSP header: React's refresh preamble is an inline script
 * placed before the meta tag, which the header would block (the meta tag
 * still applies to everything after it).
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY_HEADER,
  ...DEV_HEADERS,
};

/** The placeholder in index.html's CSP meta tag. */
export const CSP_PLACEHOLDER = '%LUNGVIEW_CSP%';

function injectCsp(): Plugin {
  return {
    name: 'lungview-csp',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        // The app's page must carry the policy; other pages (test/ dev pages) may.
        if (ctx.path === '/index.html' && !html.includes(CSP_PLACEHOLDER)) {
          throw new Error(`index.html has no ${CSP_PLACEHOLDER} for the Content-Security-Policy`);
        }
        return html.replaceAll(CSP_PLACEHOLDER, CONTENT_SECURITY_POLICY);
      },
    },
  };
}

/**
 * `npm start` on a port another program holds: say what to do instead of
 * Vite's stack trace (the port is fixed so the printed address stays the same).
 */
function portInUseHint(): Plugin {
  return {
    name: 'lungview-port-in-use',
    configurePreviewServer(server) {
      server.httpServer.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EADDRINUSE') return;
        const port = server.config.preview.port;
        process.stderr.write(
          `lungview: port ${port} is already in use (another lungview, or another program).\n` +
            `Stop it, or start lungview on another port: npm start -- --port ${(port ?? 4173) + 1}\n`,
        );
        process.exit(1);
      });
    },
  };
}

/**
 * `LUNGVIEW_DICOMWEB=http://host:port/dicom-web npm start`: the page's
 * /dicomweb/* is forwarded to that DICOMweb root by the server that serves
 * the page, so the page itself still connects only to its own origin
 * (connect-src 'self'). Without the variable nothing is forwarded.
 */
export function dicomWebProxy(root = process.env.LUNGVIEW_DICOMWEB): Record<string, { target: string; changeOrigin: boolean; rewrite: (p: string) => string }> {
  if (!root) return {};
  if (!/^https?:\/\//.test(root)) throw new Error(`LUNGVIEW_DICOMWEB must be an http(s) URL, got '${root}'`);
  return { '/dicomweb': { target: root.replace(/\/+$/, ''), changeOrigin: true, rewrite: (p) => p.replace(/^\/dicomweb/, '') } };
}

export default defineConfig({
  plugins: [injectCsp(), portInUseHint(), react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  preview: { host: '127.0.0.1', headers: SECURITY_HEADERS, proxy: dicomWebProxy() },
  server: { host: '127.0.0.1', headers: DEV_HEADERS, proxy: dicomWebProxy() },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
