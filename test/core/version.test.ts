import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LUNGVIEW_VERSION } from '../../src/core/version';

describe('LUNGVIEW_VERSION', () => {
  it('is the version in package.json (reports name the code that made them)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(LUNGVIEW_VERSION).toBe(pkg.version);
  });
});
