import { describe, expect, it } from 'vitest';
import { countTicks, huText, shortCount } from '../../src/ui/stats/histogramAxes';

describe('histogram count axis', () => {
  it('steps by 1, 2 or 5 × 10^k from 0 to at most the maximum', () => {
    expect(countTicks(9000)).toEqual([0, 5000]);
    expect(countTicks(9000, 8)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(countTicks(123456)).toEqual([0, 50000, 100000]);
    expect(countTicks(3, 4)).toEqual([0, 1, 2, 3]);
    expect(countTicks(0)).toEqual([0]);
  });

  it('labels counts short and HU with a minus sign', () => {
    expect(shortCount(950)).toBe('950');
    expect(shortCount(12000)).toBe('12k');
    expect(shortCount(1500)).toBe('1.5k');
    expect(shortCount(2_500_000)).toBe('2.5M');
    expect(huText(-950)).toBe('\u2212950');
    expect(huText(0)).toBe('0');
  });
});
