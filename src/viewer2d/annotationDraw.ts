/**
 * Draws measurements over a slice view in screen pixels (the canvas context
 * already scaled for the device pixel ratio): a ruler's segment, an
 * ellipse, a bidirectional measurement's two axes, their handles, and a
 * label with the values on a dark backing. Which points and what text is
 * the caller's; the positions go through the view transform, so the marks
 * follow zoom, pan and flips exactly as the pixels do.
 */
import type { MeasurementKind } from '../core/measure/measurementReport';
import type { PointUv } from '../core/measure/planeMeasure';
import { imageToScreen, type ViewTransform } from './viewTransform';

export interface AnnotationMark {
  kind: MeasurementKind;
  /** The annotation's points on this slice (see shared/annotations). */
  pointsUv: readonly PointUv[];
  /** Lines of the label. */
  label: readonly string[];
  selected: boolean;
}

const COLOR = '#4fd2ff';
const SELECTED_COLOR = '#7dff9a';
/** Half the side of a handle's square, in CSS px. */
export const HANDLE_HALF_PX = 4;

export function drawAnnotationMarks(ctx: CanvasRenderingContext2D, t: ViewTransform, marks: readonly AnnotationMark[]): void {
  for (const m of marks) {
    const p = m.pointsUv.map((q) => imageToScreen(t, q[0], q[1]));
    const color = m.selected ? SELECTED_COLOR : COLOR;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = m.selected ? 2 : 1.5;
    ctx.beginPath();
    if (m.kind === 'ellipse') {
      const cx = (p[0][0] + p[1][0]) / 2;
      const cy = (p[0][1] + p[1][1]) / 2;
      ctx.ellipse(cx, cy, Math.abs(p[1][0] - p[0][0]) / 2, Math.abs(p[1][1] - p[0][1]) / 2, 0, 0, Math.PI * 2);
    } else {
      for (let i = 0; i + 1 < p.length; i += 2) {
        ctx.moveTo(p[i][0], p[i][1]);
        ctx.lineTo(p[i + 1][0], p[i + 1][1]);
      }
    }
    ctx.stroke();
    if (m.kind === 'ellipse') {
      ctx.setLineDash([3, 3]);
      ctx.lineWidth = 1;
      ctx.strokeRect(Math.min(p[0][0], p[1][0]), Math.min(p[0][1], p[1][1]), Math.abs(p[1][0] - p[0][0]), Math.abs(p[1][1] - p[0][1]));
      ctx.setLineDash([]);
    }
    ctx.fillStyle = color;
    for (const [x, y] of p) ctx.fillRect(x - HANDLE_HALF_PX, y - HANDLE_HALF_PX, 2 * HANDLE_HALF_PX, 2 * HANDLE_HALF_PX);
    drawLabel(ctx, m.label, Math.max(p[0][0], p[1][0]) + 8, Math.min(p[0][1], p[1][1]), color);
    ctx.restore();
  }
}

function drawLabel(ctx: CanvasRenderingContext2D, lines: readonly string[], x: number, y: number, color: string): void {
  if (!lines.length) return;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  const lineH = 15;
  const w = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 8;
  const h = lines.length * lineH + 4;
  const cw = ctx.canvas.width / (ctx.getTransform().a || 1);
  const left = Math.min(x, Math.max(0, cw - w));
  ctx.fillStyle = 'rgba(0, 0, 0, 0.7)';
  ctx.fillRect(left, y, w, h);
  ctx.fillStyle = color;
  lines.forEach((l, i) => ctx.fillText(l, left + 4, y + 2 + i * lineH));
}
