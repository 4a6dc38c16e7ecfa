/**
 * The layer rules of eslint.config.js, each broken on purpose: a one-line
 * module placed (by its virtual path) in a layer, importing what the layer is
 * refused, must be reported with the rule's message; the same module
 * importing what the layer may use must lint clean. The texts never exist
 * as files, so `npm run lint` and tsc never see them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Case {
  /** Where the text is placed, relative to the repository. */
  file: string;
  /** Module text. */
  code: string;
  /** Part of the message that must be reported (by no-restricted-imports or no-restricted-globals). */
  message: string;
}

/** A module that imports `spec` and uses it. */
const importing = (spec: string) => `import * as m from '${spec}';\nexport default m;\n`;

const CORE = 'src/core/mesh/__fixture__.ts';
const SHARED = 'src/shared/__fixture__.ts';
const CODECS = 'src/codecs/__fixture__.ts';
const WORKERS = 'src/workers/__fixture__.ts';
const VIEWER2D = 'src/viewer2d/__fixture__.ts';
const VIEWER3D = 'src/viewer3d/__fixture__.ts';
const STATE = 'src/state/__fixture__.ts';
const UI = 'src/ui/view3d/__fixture__.tsx';
const APP = 'src/app/__fixture__.tsx';
const CLI = 'src/cli/__fixture__.ts';

function refused(file: string, specs: string[], message: string): Case[] {
  return specs.map((spec) => ({ file, code: importing(spec), message }));
}

const VIOLATIONS: Case[] = [
  ...refused(CORE, ['../../state/store', '../../workers/dicomPool', '../../viewer2d/mpr', '../../shared/view', '../../ui/format', '../../cli/io'], 'src/core imports no other layer'),
  ...refused(CORE, ['react', 'react-dom/client', 'three', 'zustand/vanilla', 'comlink'], 'src/core is pure TypeScript'),
  ...refused(CORE, ['node:fs', 'path'], 'src/core must run in the browser too'),
  { file: CORE, code: 'export const w = window.innerWidth;\n', message: 'src/core uses no DOM and no Node' },
  { file: CORE, code: 'export const d = document.title;\n', message: 'src/core uses no DOM and no Node' },
  { file: CORE, code: 'export const e = process.env;\n', message: 'src/core uses no DOM and no Node' },
  ...refused(SHARED, ['../viewer2d/renderSlice', '../state/store', '../workers/dicomPool'], 'src/shared imports only src/core'),
  ...refused(SHARED, ['react', 'node:fs'], 'src/shared is pure TypeScript'),
  ...refused(CODECS, ['../workers/dicomPool', '../state/store'], 'src/codecs imports only src/core and src/shared'),
  ...refused(WORKERS, ['../state/store', '../ui/format', '../app/App', '../viewer2d/mpr', '../viewer3d/lungScene'], 'src/workers import no store, interface or viewer'),
  ...refused(WORKERS, ['react', 'zustand', 'three'], 'src/workers run off the page: no React, zustand or three'),
  ...refused(VIEWER2D, ['../state/store', '../ui/format', '../app/App'], 'the viewers import no store, interface or worker'),
  ...refused(VIEWER3D, ['../state/meshCache', '../ui/format', '../app/App'], 'the viewers import no store, interface or worker'),
  ...refused(STATE, ['../ui/format', '../app/App', '../viewer2d/maskSlice', '../viewer3d/lungScene'], 'src/state imports no interface and no viewer'),
  { file: STATE, code: "import type { MaskBits } from '../viewer2d/maskSlice';\nexport type B = MaskBits;\n", message: 'src/state imports no interface and no viewer' },
  ...refused(UI, ['../../workers/cropClient', '../../workers/dicomPool'], 'the interface reaches workers only through src/state/services.ts'),
  { file: UI, code: "export { cropClient } from '../../workers/cropClient';\n", message: 'the interface reaches workers only through src/state/services.ts' },
  ...refused(UI, ['../../app/App'], 'src/ui imports no app or CLI code'),
  ...refused(APP, ['../workers/dicomPool'], 'the interface reaches workers only through src/state/services.ts'),
  ...refused(CLI, ['react', 'zustand', 'three', 'comlink'], 'the CLI runs in Node: no React, zustand, three or comlink'),
  ...refused(CLI, ['../state/store', '../ui/format', '../app/App', '../viewer2d/mpr', '../viewer3d/lungScene', '../workers/dicomPool'], 'the CLI imports only src/core, src/shared and src/codecs'),
];

/** What each layer may import: these must lint clean. */
const ALLOWED: Array<[string, string[]]> = [
  [CORE, ['../volume/volume', '../../core/segmentation/runs', 'fflate', 'dicom-parser']],
  [SHARED, ['../core/volume/volume']],
  [CODECS, ['../core/dicom/types', '../shared/cancel']],
  [WORKERS, ['comlink', '../core/mesh/mesh', '../codecs/codecSet', '../shared/cancel']],
  [VIEWER2D, ['../core/volume/volume', '../shared/view']],
  [VIEWER3D, ['three', '../core/mesh/mesh']],
  [STATE, ['zustand', '../workers/dicomPool', '../shared/view', '../core/volume/volume']],
  [UI, ['react', '../../state/services', '../../state/store', '../../viewer2d/mpr', '../../viewer3d/lungScene', '../../shared/cancel', '../../core/io/stl']],
  [APP, ['react-dom/client', '../state/services', '../ui/format']],
  [CLI, ['node:fs', '../core/volume/volume', '../codecs/codecSet', '../shared/cancel']],
];

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot, overrideConfigFile: path.join(repoRoot, 'eslint.config.js') });
});

async function messagesOf(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result.messages;
}

describe('layer rules', () => {
  it.each(VIOLATIONS.map((c) => [c.file, c.code.split('\n')[0], c] as const))('%s: %s is refused', async (_file, _line, c) => {
    const messages = await messagesOf(c.file, c.code);
    const layerMessages = messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals');
    expect(layerMessages.map((m) => m.message).join('\n')).toContain(c.message);
    expect(messages.every((m) => m.severity === 2 && m.fatal !== true)).toBe(true);
  });

  it.each(ALLOWED.flatMap(([file, specs]) => specs.map((spec) => [file, spec] as const)))('%s may import %s', async (file, spec) => {
    expect(await messagesOf(file, importing(spec))).toEqual([]);
  });

  it('every layer folder is under a layer block', async () => {
    // A path that matched no layer block would silently escape the rules.
    for (const [file] of ALLOWED) {
      const config = await eslint.calculateConfigForFile(path.join(repoRoot, file));
      expect(config.rules?.['no-restricted-imports']?.[0], file).toBe(2);
    }
  });
});
