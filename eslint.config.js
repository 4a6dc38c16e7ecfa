import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'coverage'] },
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
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-dom', 'react-dom/*', 'three', 'three/*', 'zustand', 'zustand/*', 'comlink'], message: 'src/core is pure TypeScript' },
          { group: ['node:*', 'fs', 'path', 'zlib', 'os'], message: 'src/core must run in the browser too' },
          { group: ['../app/*', '../ui/*', '../state/*', '../viewer2d/*', '../viewer3d/*', '../workers/*', '../../app/*', '../../ui/*', '../../state/*', '../../viewer2d/*', '../../viewer3d/*', '../../workers/*'], message: 'imports point down only' },
        ],
      }],
    },
  },
);
