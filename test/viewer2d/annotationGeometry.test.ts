import { describe, expect, it } from 'vitest';
import { buildDensitometryReport, reportCsv, reportHtml } from '../../src/core/analysis/report';
import { runAnalysis } from '../../src/core/analysis/runAnalysis';
import { ellipseOfCornersUv, ellipseRoiStatsHu } from '../../src/core/measure/planeMeasure';
import type { Annotation } from '../../src/shared/annotations';
import type { SliceAxis } from '../../src/shared/view';
import { annotationValues, patientMmToUv, planeSpacingMmUv, reportMeasurements, uvToPatientMm } from '../../src/viewer2d/annotationGeometry';
import { extractSlice } from '../../src/viewer2d/renderSlice';
import { phantomSeries } from '../workers/phantomSeries';

const { summary, volume } = phantomSeries(96, 40, 5);

function annotation(kind: Annotation['kind'], axis: SliceAxis, sliceIndex: number, uv: [number, number][]): Annotation {
  return { id: `a-${kind}-${axis}`, seriesId: summary.id, kind, axis, sliceIndex, pointsLps: uv.map((p) => uvToPatientMm(volume, axis, sliceIndex, p)) };
}

describe('annotations between patient coordinates and a slice', () => {
  it('goes from a slice point to LPS mm and back on every view', () => {
    for (const axis of ['axial', 'coronal', 'sagittal'] as const) {
      const p = uvToPatientMm(volume, axis, 7, [12.25, 30.75]);
      const [back] = patientMmToUv(volume, axis, [p]);
      expect(back[0]).toBeCloseTo(12.25, 9);
      expect(back[1]).toBeCloseTo(30.75, 9);
    }
    // A pixel centre is the voxel centre.
    const c = uvToPatientMm(volume, 'axial', 3, [0.5, 0.5]);
    expect(c).toEqual(volume.originMm.map((v, i) => v + volume.directionXyz[2][i] * 3 * volume.spacingMmXyz[2]));
  });

  it('measures a ruler with the spacing of its plane (thick slices on the coronal view) and an ellipse on its own slice', () => {
    const [sx, , sz] = volume.spacingMmXyz;
    const ruler = annotationValues(volume, annotation('ruler', 'coronal', 40, [[10.5, 5.5], [40.5, 9.5]]));
    expect(planeSpacingMmUv(volume, 'coronal')).toEqual([sx, sz]);
    expect(ruler.lengthMm).toBeCloseTo(Math.hypot(30 * sx, 4 * sz), 9);
    const corners: [number, number][] = [[20, 30], [60, 62]];
    const ell = annotationValues(volume, annotation('ellipse', 'axial', 20, corners));
    const slice = extractSlice(volume, 'axial', 20);
    const want = ellipseRoiStatsHu(slice.data, slice.width, slice.height, ellipseOfCornersUv(corners[0], corners[1]));
    expect(ell.pixels).toBe(want.pixels);
    expect(ell.meanHu).toBeCloseTo(want.meanHu!, 9);
    expect(ell.minHu).toBe(want.minHu);
    expect(ell.pixels).toBeGreaterThan(900);
  });

  it('puts the measurements in the report (JSON, CSV rows, printable page) and keeps its other keys', async () => {
    const result = runAnalysis(volume, {}, { splitLabels: true });
    const ms = reportMeasurements(volume, [annotation('ruler', 'axial', 20, [[10.5, 10.5], [40.5, 50.5]]), annotation('bidirectional', 'sagittal', 48, [[10, 10], [30, 10], [20, 14], [20, 6]])]);
    const r = await buildDensitometryReport({ series: summary, volume, thresholdHu: -700, background: 'border', classes: [], geometry: { trusted: true, reasons: [] }, densitometry: result.densitometry!, measurements: ms });
    expect(Object.keys(r)).toEqual(['lungview', 'series', 'huSha256', 'params', 'geometry', 'warnings', 'densitometry', 'measurements']);
    const json = JSON.parse(JSON.stringify(r));
    expect(json.measurements[0]).toMatchObject({ number: 1, kind: 'ruler', view: 'axial', slice: 21 });
    expect(json.measurements[0].values.lengthMm).toBeCloseTo(Math.hypot(30 * volume.spacingMmXyz[0], 40 * volume.spacingMmXyz[1]), 9);
    expect(json.measurements[1].values.longMm).toBeCloseTo(20 * volume.spacingMmXyz[1], 9);
    expect(json.measurements[1].values.shortMm).toBeCloseTo(8 * volume.spacingMmXyz[2], 9);
    const csv = reportCsv(r).trim().split('\n');
    expect(csv[0]).toBe('region,measure,value,unit');
    expect(csv).toContain(`measurement-1-ruler-axial-slice-21,lengthMm,${json.measurements[0].values.lengthMm},mm`);
    expect(csv.filter((l) => l.startsWith('measurement-2-bidirectional-sagittal-slice-49,'))).toHaveLength(2);
    expect(reportHtml(r)).toContain('<h2>Measurements</h2>');
    // Without measurements the section is there and empty.
    const none = await buildDensitometryReport({ series: summary, volume, thresholdHu: -700, background: 'border', classes: [], geometry: { trusted: true, reasons: [] }, densitometry: result.densitometry! });
    expect(none.measurements).toEqual([]);
    expect(reportCsv(none)).not.toContain('measurement-');
  });
});
