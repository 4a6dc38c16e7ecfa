import { describe, expect, it } from 'vitest';
import { DEFAULT_HU_CLASSES } from '../../../src/core/analysis/densitometry';
import { buildHuClassLut, defaultHuClassLut, huClassIndex } from '../../../src/core/density/huClassLut';

const name = (hu: number) => {
  const k = huClassIndex(defaultHuClassLut(), hu);
  return k < 0 ? null : DEFAULT_HU_CLASSES[k].name;
};

describe('HU class lookup table', () => {
  it('puts each boundary value in the class closed at the top, (lo, hi]', () => {
    expect(name(-1050)).toBeNull();
    expect(name(-1049)).toBe('emphysema');
    expect(name(-950)).toBe('emphysema');
    expect(name(-949)).toBe('inflated');
    expect(name(-750)).toBe('inflated');
    expect(name(-749)).toBe('infiltrated');
    expect(name(-400)).toBe('infiltrated');
    expect(name(-399)).toBe('collapsed');
    expect(name(0)).toBe('collapsed');
    expect(name(1)).toBe('vessels');
    expect(name(3000)).toBe('vessels');
    expect(name(3001)).toBeNull();
  });

  it('agrees with the interval definition for every int16 value', () => {
    const lut = defaultHuClassLut();
    for (let hu = -32768; hu <= 32767; hu++) {
      const want = DEFAULT_HU_CLASSES.findIndex((c) => hu > c.loHu && hu <= c.hiHu);
      if (lut.table[hu + 32768] - 1 !== want) throw new Error(`HU ${hu}: ${lut.table[hu + 32768] - 1} != ${want}`);
    }
  });

  it('follows edited classes and clips to the int16 range', () => {
    const lut = buildHuClassLut([
      { name: 'a', loHu: -40000, hiHu: -900 },
      { name: 'b', loHu: -900, hiHu: 40000 },
    ]);
    expect(huClassIndex(lut, -32768)).toBe(0);
    expect(huClassIndex(lut, -900)).toBe(0);
    expect(huClassIndex(lut, -899)).toBe(1);
    expect(huClassIndex(lut, 32767)).toBe(1);
  });
});
