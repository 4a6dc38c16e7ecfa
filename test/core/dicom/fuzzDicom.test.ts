/**
 * Seeded fuzzing of the DICOM parsing boundary (test/fuzz: mutations in
 * mutateDicom.ts, invariants in checkParse.ts): a bounded number of mutated
 * files per run, the same cases on every machine. Each case goes through
 * parseDicomFile (full, header only, from a 64 KiB prefix, from a deep call
 * stack) and through the codec set, and must keep every invariant: no throw,
 * a readable reason, no call slower than 2 s, no allocation beyond what the
 * file justifies, the paths agreeing. The unmodified files are parsed again
 * every 200 cases and at the end with the same codec set: corrupt files must
 * not break the codecs for the files after them.
 *
 * The long-running version is `npm run fuzz` (test/fuzz/fuzzDicom.mts).
 */
import { describe, expect, it } from 'vitest';
import { createCodecSet } from '../../../src/codecs/codecSet';
import { PARSE_LIMITS } from '../../../src/core/dicom/limits';
import { sharedCorpus, syntheticCorpus } from '../../fuzz/corpus';
import { baselines, formatSummary, indexCorpus, runFuzz, type FuzzSummary } from '../../fuzz/runFuzz';
import { dataDir, describeWithRealData } from '../../helpers/sharedData';

const MAX_CALL_MS = 2000;

function expectClean(s: FuzzSummary, cases: number): void {
  console.log(formatSummary(s));
  expect(s.failures.map((f) => `case ${f.caseIndex} (${f.source}: ${f.what}): ${f.failures.join(' | ')}`)).toEqual([]);
  expect(s.cases).toBe(cases);
  expect(s.healthChecks).toBeGreaterThanOrEqual(2);
  // Some mutations leave a decodable file, most make it a skipped one: both sides are exercised.
  expect(s.decoded).toBeGreaterThan(cases / 20);
  expect(s.skipped).toBeGreaterThan(cases / 2);
  expect(s.slowest!.ms).toBeLessThan(MAX_CALL_MS);
}

describe('DICOM parsing boundary under seeded fuzzing: synthetic files (no ../shared needed)', () => {
  it('400 mutations of 9 synthetic files (writer, phantom, implicit, big endian, enhanced, deflated, RLE, encapsulated, HTJ2K) keep every invariant', async () => {
    const corpus = indexCorpus(await syntheticCorpus());
    const set = createCodecSet();
    const baseline = await baselines(corpus, set);
    // Every synthetic file decodes before it is mutated.
    expect(baseline.filter((b) => b.outcome.startsWith('skipped'))).toEqual([]);
    const s = await runFuzz({ corpus, seed: 20261124, cases: 400, set, maxCallMs: MAX_CALL_MS, baseline, healthEvery: 200 });
    expectClean(s, 400);
    expect(s.largestOutput!.huBytes).toBeLessThanOrEqual(2 * PARSE_LIMITS.maxFilePixels);
  });
});

describeWithRealData('DICOM parsing boundary under seeded fuzzing: real and edge files', () => {
  it('600 mutations of the 24 edge files and a slice of each real series keep every invariant, through the WebAssembly codecs too', async () => {
    const corpus = indexCorpus(sharedCorpus(dataDir));
    expect(corpus.length).toBe(27);
    const set = createCodecSet();
    const baseline = await baselines(corpus, set);
    const s = await runFuzz({ corpus, seed: 7, cases: 600, set, maxCallMs: MAX_CALL_MS, baseline, healthEvery: 200 });
    expectClean(s, 600);
    // The codecs' heaps stay at their start size: no code stream made one allocate for a size the header does not have.
    for (const c of set.memory()) expect(c.heapBytes, c.name).toBeLessThanOrEqual(64 * 1048576);
  });
});
