import { describe, expect, it } from 'vitest';
import { applyLookupTable, conversionPath, convertToHu, huLookupTable, PADDING_HU, type PixelFormat, type PixelPadding, type Rescale } from '../../../src/core/dicom/pixelToHu';

/** Straightforward per-pixel conversion written from the standard, bit by bit. */
function directHu(word: number, f: PixelFormat, slope: number, intercept: number, pad: [number, number] | null): number {
  let w = word;
  if (f.bigEndian && f.bitsAllocated === 16) w = ((word & 0xff) << 8) | (word >> 8);
  const lowBit = f.highBit - f.bitsStored + 1;
  let v = 0;
  for (let b = 0; b < f.bitsStored; b++) if ((w >> (lowBit + b)) & 1) v += 2 ** b;
  if (f.pixelRepresentation === 1 && v >= 2 ** (f.bitsStored - 1)) v -= 2 ** f.bitsStored;
  if (pad && v >= Math.min(...pad) && v <= Math.max(...pad)) return PADDING_HU;
  return Math.min(32767, Math.max(-32768, Math.round(v * slope + intercept)));
}

const formats: Array<[string, PixelFormat]> = [
  ['16-bit signed', { bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1, bigEndian: false }],
  ['16-bit unsigned', { bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 0, bigEndian: false }],
  ['12-bit unsigned', { bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 0, bigEndian: false }],
  ['12-bit signed', { bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1, bigEndian: false }],
  ['12-bit unsigned, high bit 15', { bitsAllocated: 16, bitsStored: 12, highBit: 15, pixelRepresentation: 0, bigEndian: false }],
  ['16-bit signed big endian', { bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1, bigEndian: true }],
  ['8-bit unsigned', { bitsAllocated: 8, bitsStored: 8, highBit: 7, pixelRepresentation: 0, bigEndian: false }],
];

describe('huLookupTable', () => {
  for (const [name, f] of formats) {
    it(`matches a bit-by-bit conversion for every ${name} word (slope 1.5, intercept -1000.25, padding)`, () => {
      const padWord = f.pixelRepresentation === 1 ? 0xf830 /* -2000 */ : 7;
      const lut = huLookupTable(f, { slope: 1.5, intercept: -1000.25 }, { valueWord: padWord, rangeLimitWord: null });
      const padValue = f.pixelRepresentation === 1 ? -2000 : 7;
      const mismatches: number[] = [];
      for (let w = 0; w < lut.length; w++) {
        if (lut[w] !== directHu(w, f, 1.5, -1000.25, [padValue, padValue])) mismatches.push(w);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('reads a padding value written with VR US (63536) as -2000 for signed pixels', () => {
    const f = formats[0][1];
    const lut = huLookupTable(f, { slope: 1, intercept: -1024 }, { valueWord: 63536, rangeLimitWord: null });
    expect(lut[0xffff & -2000]).toBe(PADDING_HU);
    expect(lut[0xffff & -1999]).toBe(-1999 - 1024);
    expect(lut[0]).toBe(-1024);
  });

  it('treats the whole PixelPaddingRangeLimit interval as padding', () => {
    const f = formats[1][1];
    const lut = huLookupTable(f, { slope: 1, intercept: 0 }, { valueWord: 10, rangeLimitWord: 5 });
    expect([4, 5, 7, 10, 11].map((w) => lut[w])).toEqual([4, PADDING_HU, PADDING_HU, PADDING_HU, 11]);
  });

  it('clamps to the int16 range instead of wrapping', () => {
    const f = formats[1][1];
    const lut = huLookupTable(f, { slope: 2, intercept: 0 }, null);
    expect(lut[65535]).toBe(32767);
    const neg = huLookupTable(formats[0][1], { slope: 2, intercept: -1024 }, null);
    expect(neg[0x8000]).toBe(-32768);
  });

  it('applyLookupTable maps every pixel through the table', () => {
    const lut = huLookupTable(formats[2][1], { slope: 1, intercept: -1024 }, null);
    const raw = new Uint16Array([0, 1, 4095, 0xf000 | 5]);
    const out = new Int16Array(4);
    applyLookupTable(raw, lut, out);
    expect([...out]).toEqual([-1024, -1023, 3071, 5 - 1024]);
  });
});

describe('convertToHu', () => {
  /** Every 16-bit word once, little endian, starting `shift` bytes into its buffer. */
  function allWords(shift: number): Uint8Array {
    const b = new Uint8Array(2 * 65536 + shift);
    for (let w = 0; w < 65536; w++) {
      b[2 * w + shift] = w & 0xff;
      b[2 * w + 1 + shift] = w >> 8;
    }
    return b.subarray(shift);
  }

  const cases: Array<[string, PixelFormat, Rescale, PixelPadding | null, string]> = [
    ['unsigned 12-bit, intercept -1024', formats[2][1], { slope: 1, intercept: -1024 }, null, 'unsigned-add'],
    ['signed 16-bit, intercept -1024, padding 63536', formats[0][1], { slope: 1, intercept: -1024 }, { valueWord: 63536, rangeLimitWord: null }, 'signed-add'],
    ['signed 16-bit, intercept -1024, padding range -2000..-1990', formats[0][1], { slope: 1, intercept: -1024 }, { valueWord: 63536, rangeLimitWord: 63546 }, 'signed-add'],
    ['signed 16-bit, intercept -1024, padding 1000 (not negative)', formats[0][1], { slope: 1, intercept: -1024 }, { valueWord: 1000, rangeLimitWord: null }, 'signed-add'],
    ['signed 16-bit, intercept 0', formats[0][1], { slope: 1, intercept: 0 }, null, 'signed-add'],
    ['signed 16-bit, intercept -30000 (clamped below)', formats[0][1], { slope: 1, intercept: -30000 }, { valueWord: 0x8000, rangeLimitWord: null }, 'signed-add'],
    ['unsigned 16-bit (table)', formats[1][1], { slope: 1, intercept: -1024 }, null, 'table'],
    ['unsigned 12-bit with padding 0', formats[2][1], { slope: 1, intercept: -1024 }, { valueWord: 0, rangeLimitWord: null }, 'unsigned-add'],
    ['unsigned 12-bit with padding 4095', formats[2][1], { slope: 1, intercept: -1024 }, { valueWord: 4095, rangeLimitWord: null }, 'unsigned-add'],
    ['unsigned 12-bit with padding 0xf000 (above BitsStored, never a stored value)', formats[2][1], { slope: 1, intercept: -1024 }, { valueWord: 0xf000, rangeLimitWord: null }, 'unsigned-add'],
    ['unsigned 12-bit with a padding range (table)', formats[2][1], { slope: 1, intercept: -1024 }, { valueWord: 0, rangeLimitWord: 3 }, 'table'],
    ['signed 16-bit, fractional intercept (table)', formats[0][1], { slope: 1, intercept: -1024.5 }, null, 'table'],
  ];

  function expectBitByBit(words: Uint8Array, out: Int16Array, first: number, fmt: PixelFormat, rescale: Rescale, padding: PixelPadding | null): void {
    convertToHu(words, fmt, rescale, padding, out);
    let pad: [number, number] | null = null;
    if (padding) {
      const signed = (w: number) => (fmt.pixelRepresentation === 1 ? (w << 16) >> 16 : w);
      pad = [signed(padding.valueWord), signed(padding.rangeLimitWord ?? padding.valueWord)];
    }
    const bad: number[] = [];
    for (let i = 0; i < out.length; i++) {
      const w = first + i;
      if (out[i] !== directHu(w, fmt, rescale.slope, rescale.intercept, pad)) bad.push(w);
    }
    expect(bad).toEqual([]);
  }

  for (const [name, fmt, rescale, padding, path] of cases) {
    for (const shift of [0, 1, 2]) {
      const where = shift === 0 ? '' : ` (input ${shift} byte(s) past a 4-byte boundary)`;
      it(`${name}: ${path} path equals the bit-by-bit conversion${where}`, () => {
        expect(conversionPath(fmt, rescale, padding)).toBe(path);
        expectBitByBit(allWords(shift), new Int16Array(65536), 0, fmt, rescale, padding);
      });
    }
    it(`${name}: an odd pixel count and an output not on a 4-byte boundary give the same values`, () => {
      const words = allWords(0);
      // 65,535 pixels starting at word 1, written at element 1 of a larger array (byte offset 2).
      const target = new Int16Array(65537);
      target[0] = 1234;
      expectBitByBit(words.subarray(2), target.subarray(1, 65536), 1, fmt, rescale, padding);
      expect(target[0]).toBe(1234);
      expect(target[65536]).toBe(0);
      // Same count into an aligned output.
      expectBitByBit(words.subarray(2), new Int16Array(65535), 1, fmt, rescale, padding);
    });
  }
});
