import { describe, expect, it } from 'vitest';
import { formatBytes, formatDimsZyx, formatMm, formatPointMm, formatSpacingZyx, plural, seriesTitle } from '../../src/ui/format';

describe('panel text formats', () => {
  it('shows sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(33.8 * 1024 * 1024)).toBe('34 MB');
    expect(formatBytes(-1)).toBe('–');
  });
  it('shows lengths without trailing zeros and a dash when unknown', () => {
    expect(formatMm(5)).toBe('5 mm');
    expect(formatMm(0.841797, 3)).toBe('0.842 mm');
    expect(formatMm(null)).toBe('–');
  });
  it('shows spacing and dimensions in x × y × z order from z,y,x triples', () => {
    expect(formatSpacingZyx([2.5, 0.597656, 0.597656])).toBe('0.598 × 0.598 × 2.5 mm');
    expect(formatDimsZyx([134, 400, 512])).toBe('512 × 400 × 134');
  });
  it('shows a patient-space point with one decimal and no negative zero', () => {
    expect(formatPointMm([-0.04, 12.345, -300])).toBe('0.0, 12.3, -300.0 mm');
  });
  it('pluralises counts', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(3, 'file')).toBe('3 files');
  });
});

describe('series titles', () => {
  const h = (seriesNumber: number | null, file: string) => ({ seriesNumber, file });
  it('uses the description, else the series number, else the first file name', () => {
    expect(seriesTitle({ description: 'LUNG 3.0 B70f', firstHeader: h(4, 'a/b.dcm') })).toBe('LUNG 3.0 B70f');
    expect(seriesTitle({ description: ' ', firstHeader: h(4, 'a/b.dcm') })).toBe('Series 4');
    expect(seriesTitle({ description: '', firstHeader: h(null, 'scan/IM0001.dcm') })).toBe('IM0001.dcm');
  });
});
