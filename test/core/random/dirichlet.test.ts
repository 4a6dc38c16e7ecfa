import { describe, expect, it } from 'vitest';
import { cachedDirichletOnes, dirichletOnes } from '../../../src/core/random/dirichlet';
import { logCorrectlyRounded } from '../../../src/core/random/logCorrectlyRounded';
import { Mt19937 } from '../../../src/core/random/mt19937';
import { describeWithRealData, readReferenceSummary, REAL_SERIES } from '../../helpers/sharedData';

describe('dirichletOnes', () => {
  it('draws row by row: g = -log(1 - res53), each row scaled by 1/(sequential row sum)', () => {
    const n = 7;
    const rows = 3;
    const g = new Mt19937(3);
    const expected: number[] = [];
    for (let r = 0; r < rows; r++) {
      const row: number[] = [];
      let acc = 0;
      for (let j = 0; j < n; j++) {
        row.push(-logCorrectlyRounded(1 - g.nextDouble()));
        acc += row[j];
      }
      const inv = 1 / acc;
      for (const v of row) expected.push(v * inv);
    }
    expect(Array.from(dirichletOnes(new Mt19937(3), n, rows))).toEqual(expected);
  });

  it('gives rows that are positive and sum to 1', () => {
    const u = dirichletOnes(new Mt19937(1), 1000, 4);
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let j = 0; j < 1000; j++) {
        expect(u[r * 1000 + j]).toBeGreaterThan(0);
        s += u[r * 1000 + j];
      }
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it('cachedDirichletOnes returns the same draws, and the same array for the same key', () => {
    const a = cachedDirichletOnes(5, 100, 2);
    expect(Array.from(a)).toEqual(Array.from(dirichletOnes(new Mt19937(5), 100, 2)));
    expect(cachedDirichletOnes(5, 100, 2)).toBe(a);
    expect(cachedDirichletOnes(6, 100, 2)).not.toBe(a);
  });
});

describeWithRealData('dirichletOnes against numpy (reference summaries)', () => {
  it('equals RandomState(0).dirichlet(ones(262144), size=5) bit for bit on the recorded first values', () => {
    const N = 262144;
    const u = dirichletOnes(new Mt19937(0), N, 5);
    let checked = 0;
    for (const name of REAL_SERIES) {
      for (const slice of readReferenceSummary(name).gk.per_slice) {
        expect(slice.init_u_first3.length).toBe(5);
        slice.init_u_first3.forEach((row, r) => {
          row.forEach((v, j) => expect(u[r * N + j]).toBe(v));
          checked += row.length;
        });
      }
    }
    expect(checked).toBe(15 * 15);
  });
});
