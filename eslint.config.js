import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

// Layers of src/, lowest first. Each folder may import the folders below it
// and never the ones above; the rules below say which imports each one is
// refused, and test/lint/layers.test.ts breaks each rule on purpose.
//   core      pure TypeScript: no other layer, no DOM, Node or UI library
//   shared    view and cancellation vocabulary: core only
//   codecs    image decoders for the DICOM readers: core and shared
//   workers   web workers and their clients: no store, interface or viewer
//   viewer2d  slice drawing, viewer3d three.js scenes: no store or interface
//   state     the store and the app's jobs: no interface, no viewer
//   ui        React panels: workers only through src/state/services.ts
//   app       the page: like ui
//   cli       the Node command line: core, shared and codecs, nothing of the browser app

/** A relative import of one of these layers (the layers are siblings in src/). */
function layers(...names) {
  return `^(?:\\.\\.?/)+(?:${names.join('|')})(?:/|$)`;
}

const UI_LIBS = ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'three', 'three/*'];
const NODE = ['node:*', 'fs', 'fs/*', 'path', 'zlib', 'os', 'worker_threads', 'url', 'module'];

/** `no-restricted-imports` with these groups ({ regex | group, message }). */
function restrict(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] };
}

export default tseslint.config(
  { ignores: ['dist', 'dist-cli', 'node_modules', 'coverage'] },
  {
    // The command line's launcher and bundler run in Node as they are (no TypeScript).
    files: ['src/cli/launch/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core runs in workers, Node and the CLI: it must not reach for UI libraries.
    files: ['src/core/**/*.{ts,tsx}'],
    rules: {
      ...restrict(
        { group: [...UI_LIBS, 'comlink'], message: 'src/core is pure TypeScript' },
        { group: NODE, message: 'src/core must run in the browser too' },
        { regex: layers('app', 'ui', 'state', 'viewer2d', 'viewer3d', 'workers', 'codecs', 'cli', 'shared'), message: 'src/core imports no other layer' },
      ),
      'no-restricted-globals': ['error',
        ...['window', 'document', 'navigator', 'self', 'Worker', 'process', 'Buffer', 'require'].map((name) => ({ name, message: 'src/core uses no DOM and no Node' })),
      ],
    },
  },
  {
    files: ['src/shared/**/*.{ts,tsx}'],
    rules: restrict(
      { group: [...UI_LIBS, 'comlink', ...NODE], message: 'src/shared is pure TypeScript' },
      { regex: layers('app', 'ui', 'state', 'viewer2d', 'viewer3d', 'workers', 'codecs', 'cli'), message: 'src/shared imports only src/core' },
    ),
  },
  {
    files: ['src/codecs/**/*.{ts,tsx}'],
    rules: restrict(
      { group: [...UI_LIBS, 'comlink'], message: 'src/codecs decode images: no UI library' },
      { regex: layers('app', 'ui', 'state', 'viewer2d', 'viewer3d', 'workers', 'cli'), message: 'src/codecs imports only src/core and src/shared' },
    ),
  },
  {
    files: ['src/workers/**/*.{ts,tsx}'],
    rules: restrict(
      { group: UI_LIBS, message: 'src/workers run off the page: no React, zustand or three' },
      { regex: layers('app', 'ui', 'state', 'viewer2d', 'viewer3d', 'cli'), message: 'src/workers import no store, interface or viewer' },
    ),
  },
  {
    files: ['src/viewer2d/**/*.{ts,tsx}', 'src/viewer3d/**/*.{ts,tsx}'],
    rules: restrict(
      { group: ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*', 'comlink'], message: 'the viewers draw: no React, store or worker library' },
      { regex: layers('app', 'ui', 'state', 'workers', 'cli'), message: 'the viewers import no store, interface or worker' },
    ),
  },
  {
    files: ['src/state/**/*.{ts,tsx}'],
    rules: restrict(
      { regex: layers('app', 'ui', 'viewer2d', 'viewer3d', 'cli'), message: 'src/state imports no interface and no viewer (shared view types are in src/shared)' },
    ),
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    rules: restrict(
      { regex: layers('workers'), message: 'the interface reaches workers only through src/state/services.ts' },
      { regex: layers('cli'), message: 'src/app imports no CLI code' },
    ),
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: restrict(
      { regex: layers('workers'), message: 'the interface reaches workers only through src/state/services.ts' },
      { regex: layers('app', 'cli'), message: 'src/ui imports no app or CLI code' },
    ),
  },
  {
    files: ['src/cli/**/*.{ts,tsx}'],
    rules: restrict(
      { group: [...UI_LIBS, 'comlink'], message: 'the CLI runs in Node: no React, zustand, three or comlink' },
      { regex: layers('app', 'ui', 'state', 'viewer2d', 'viewer3d', 'workers'), message: 'the CLI imports only src/core, src/shared and src/codecs' },
    ),
  },
);
