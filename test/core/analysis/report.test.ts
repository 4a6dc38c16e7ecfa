import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { densitometry } from '../../../src/core/analysis/densitometry';
import { buildDensitometryReport, reportCsv, reportHtml, sha256Hex } from '../../../src/core/analysis/report';
import { runAnalysis } from '../../../src/core/analysis/runAnalysis';
import { LUNGVIEW_VERSION } from '../../../src/core/version';
import { phantomSeries } from '../../workers/phantomSeries';

describe('densitometry in the pipeline and its report', () => {
  const { summary, volume } = phantomSeries(96, 40, 5);
  const result = runAnalysis(volume, { densitometry: { lungMask: 'lung-fill', convolutionKernel: 'B70f', sliceThicknessMm: 5 } }, { splitLabels: true });

  it('measures the split lungs with the densitometry stage (the same numbers as the function on the split labels)', () => {
    const d = result.densitometry;
    if (!d || !result.split?.ok) throw new Error('densitometry or split missing');
    const direct = densitometry(volume.hu, volume, { labels: result.split.labels }, { lungMask: 'lungs-inclusive', convolutionKernel: 'B70f', sliceThicknessMm: 5 });
    expect(d.lungMask).toBe('lungs-inclusive');
    expect(d).toEqual(direct);
    expect(d.whole.voxels).toBe(result.split.rightLungVoxels + result.split.leftLungVoxels);
    expect(d.qa.map((q) => q.code)).toEqual(expect.arrayContaining(['kernel-sharp', 'thickness-thick']));
    expect(result.timingsMs.densitometry).toBeGreaterThanOrEqual(0);
  });

  it('is not run without the split, nor when switched off', () => {
    expect(runAnalysis(volume, { split: false }).densitometry).toBeNull();
    expect(runAnalysis(volume, { densitometry: null }).densitometry).toBeNull();
  });

  it('reports version, parameters, the SHA-256 of the HU bytes and no patient identifiers', async () => {
    const series = { ...summary, description: 'CHEST <b>& LUNG</b>', firstHeader: { ...summary.firstHeader, patientName: 'DOE^JANE', patientId: 'PID-123' } };
    const r = await buildDensitometryReport({
      series, volume, thresholdHu: -700, background: 'border', classes: [], geometry: { trusted: true, reasons: [] }, densitometry: result.densitometry!,
    });
    expect(r.lungview.version).toBe(LUNGVIEW_VERSION);
    expect(r.huSha256).toBe(createHash('sha256').update(Buffer.from(volume.hu.buffer, volume.hu.byteOffset, volume.hu.byteLength)).digest('hex'));
    const json = JSON.stringify(r);
    expect(json).not.toContain('DOE^JANE');
    expect(json).not.toContain('PID-123');
    expect(JSON.parse(json)).toEqual(r);
    // CSV: a header and one row per region × measure.
    const lines = reportCsv(r).trim().split('\n');
    expect(lines[0]).toBe('region,measure,value,unit');
    expect(lines.some((l) => l.startsWith('rightUpper,laa950,'))).toBe(true);
    // The printable page: text from the tags is escaped, the tables are there, no script.
    const html = reportHtml(r, [{ title: 'Axial', pngDataUrl: 'data:image/png;base64,AAAA' }]);
    expect(html).toContain('CHEST &lt;b&gt;&amp; LUNG&lt;/b&gt;');
    expect(html).not.toContain('<b>& LUNG');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('@media print');
    expect(html).toContain('Right upper third');
    expect(html).toContain('data:image/png;base64,AAAA');
  });
});

describe('sha256Hex', () => {
  it('hashes bytes in shared memory (as the command line reads its HU) like the same bytes in an ordinary buffer', async () => {
    const plain = new Uint8Array(4099).map((_, i) => (i * 37) & 255);
    const shared = new Uint8Array(new SharedArrayBuffer(plain.length));
    shared.set(plain);
    const want = await sha256Hex(plain);
    expect(want).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256Hex(shared)).toBe(want);
    expect(want).toBe(createHash('sha256').update(plain).digest('hex'));
  });
});
