import type { HuHistogram as Histogram } from '../../core/segmentation/huHistogram';
import { HISTOGRAM_THRESHOLDS_HU, countTicks, huText, shortCount } from './histogramAxes';

const W = 300;
const H = 178;
const PAD_L = 40;
const PAD_R = 8;
const PAD_T = 42;
const PAD_B = 30;
/** Height of one row of threshold labels (they are staggered so that close thresholds stay readable). */
const THRESHOLD_ROW = 9;

/**
 * Bars of the lung HU histogram: a count axis (voxels, with ticks), the HU
 * axis (ticks every 500 HU), the mean, and the densitometry thresholds
 * (−950, −910, −856, −700 HU) as labelled vertical lines.
 */
export function HuHistogram({ histogram }: { histogram: Histogram }) {
  const { counts, loHu, binHu } = histogram;
  const n = counts.length;
  const hiHu = loHu + n * binHu;
  const yTicks = countTicks(Math.max(1, ...counts));
  // The count axis ends at the tallest bar or the next tick above it.
  const top = Math.max(1, ...counts, yTicks[yTicks.length - 1]);
  const plotW = W - PAD_L - PAD_R;
  const plotH = H - PAD_T - PAD_B;
  const bottom = PAD_T + plotH;
  const x = (hu: number) => PAD_L + ((hu - loHu) / (hiHu - loHu)) * plotW;
  const y = (count: number) => bottom - (count / top) * plotH;
  const barW = plotW / n;
  const ticks: number[] = [];
  for (let t = Math.ceil(loHu / 500) * 500; t <= hiHu; t += 500) ticks.push(t);
  const mean = histogram.meanHu;
  const thresholds = HISTOGRAM_THRESHOLDS_HU.filter((t) => t > loHu && t < hiHu);
  return (
    <svg
      className="hu-histogram"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Histogram of lung HU values, ${loHu} to ${hiHu} HU, mean ${Number.isFinite(mean) ? Math.round(mean) : '–'} HU; thresholds ${thresholds.join(', ')} HU`}
      data-testid="hu-histogram"
    >
      <rect x={PAD_L} y={PAD_T} width={plotW} height={plotH} className="hist-bg" />
      {yTicks.map((t) => (
        <g key={`y${t}`} data-testid="hist-count-tick">
          <line x1={PAD_L} x2={PAD_L + plotW} y1={y(t)} y2={y(t)} className="hist-grid" />
          <line x1={PAD_L - 3} x2={PAD_L} y1={y(t)} y2={y(t)} className="hist-axis" />
          <text x={PAD_L - 5} y={y(t) + 3} textAnchor="end" className="hist-label">
            {shortCount(t)}
          </text>
        </g>
      ))}
      {counts.map((c, k) => {
        const h = (c / top) * plotH;
        return c > 0 ? <rect key={k} x={PAD_L + k * barW + 0.15} y={bottom - h} width={Math.max(0.5, barW - 0.3)} height={h} className="hist-bar" /> : null;
      })}
      {Number.isFinite(mean) ? <line x1={x(mean)} x2={x(mean)} y1={PAD_T} y2={bottom} className="hist-mean" /> : null}
      {thresholds.map((t, k) => (
        <g key={`t${t}`} data-testid={`hist-threshold-${-t}`}>
          <line x1={x(t)} x2={x(t)} y1={PAD_T - 4 - (thresholds.length - 1 - k) * THRESHOLD_ROW} y2={bottom} className="hist-threshold" />
          <text x={x(t) + 2} y={PAD_T - 6 - (thresholds.length - 1 - k) * THRESHOLD_ROW} className="hist-threshold-label">
            {huText(t)}
          </text>
        </g>
      ))}
      <line x1={PAD_L} x2={PAD_L + plotW} y1={bottom} y2={bottom} className="hist-axis" />
      <line x1={PAD_L} x2={PAD_L} y1={PAD_T} y2={bottom} className="hist-axis" />
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={bottom} y2={bottom + 3} className="hist-axis" />
          <text x={x(t)} y={bottom + 12} textAnchor="middle" className="hist-label">
            {huText(t)}
          </text>
        </g>
      ))}
      <text x={PAD_L + plotW / 2} y={H - 3} textAnchor="middle" className="hist-axis-title" data-testid="hist-hu-axis-title">
        HU
      </text>
      <text x={10} y={PAD_T + plotH / 2} textAnchor="middle" transform={`rotate(-90 10 ${PAD_T + plotH / 2})`} className="hist-axis-title" data-testid="hist-count-axis-title">
        voxels
      </text>
    </svg>
  );
}
