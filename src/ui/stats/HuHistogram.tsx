import type { HuHistogram as Histogram } from '../../core/segmentation/huHistogram';

const W = 260;
const H = 110;
const PAD_L = 6;
const PAD_R = 6;
const PAD_T = 6;
const PAD_B = 18;

/** Bars of the lung HU histogram, with ticks every 500 HU and the mean marked. */
export function HuHistogram({ histogram }: { histogram: Histogram }) {
  const { counts, loHu, binHu } = histogram;
  const n = counts.length;
  const hiHu = loHu + n * binHu;
  const max = Math.max(1, ...counts);
  const plotW = W - PAD_L - PAD_R;
  const plotH = H - PAD_T - PAD_B;
  const x = (hu: number) => PAD_L + ((hu - loHu) / (hiHu - loHu)) * plotW;
  const barW = plotW / n;
  const ticks: number[] = [];
  for (let t = Math.ceil(loHu / 500) * 500; t <= hiHu; t += 500) ticks.push(t);
  const mean = histogram.meanHu;
  return (
    <svg
      className="hu-histogram"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Histogram of lung HU values, ${loHu} to ${hiHu} HU, mean ${Number.isFinite(mean) ? Math.round(mean) : '–'} HU`}
      data-testid="hu-histogram"
    >
      <rect x={PAD_L} y={PAD_T} width={plotW} height={plotH} className="hist-bg" />
      {counts.map((c, k) => {
        const h = (c / max) * plotH;
        return c > 0 ? <rect key={k} x={PAD_L + k * barW + 0.15} y={PAD_T + plotH - h} width={Math.max(0.5, barW - 0.3)} height={h} className="hist-bar" /> : null;
      })}
      {Number.isFinite(mean) ? <line x1={x(mean)} x2={x(mean)} y1={PAD_T} y2={PAD_T + plotH} className="hist-mean" /> : null}
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={PAD_T + plotH} y2={PAD_T + plotH + 3} className="hist-axis" />
          <text x={x(t)} y={H - 4} textAnchor="middle" className="hist-label">
            {t}
          </text>
        </g>
      ))}
    </svg>
  );
}
