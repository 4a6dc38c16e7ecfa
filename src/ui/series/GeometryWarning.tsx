import type { SeriesSummary } from '../../core/dicom/types';
import './geometryWarning.css';

/** The reasons a series' geometry does not hold in 3D, or none (trusted, or not known). */
function geometryReasons(series: Pick<SeriesSummary, 'geometry3d'> | null | undefined): string[] {
  const g = series?.geometry3d;
  return g && !g.trusted ? g.reasons : [];
}

/** The part of a reason before its consequence: "Gantry tilt 15.0°" of "Gantry tilt 15.0°: the 3D surface …". */
function reasonHeadline(reason: string): string {
  const k = reason.indexOf(': ');
  return k > 0 ? reason.slice(0, k) : reason;
}

interface GeometryWarningProps {
  series: Pick<SeriesSummary, 'geometry3d'> | null | undefined;
  /**
   * block: a boxed alert with every reason in full (series information, 3D tab);
   * line: one short line of headlines (series list, small 3D cell), full text on hover.
   */
  variant?: 'block' | 'line';
  testId: string;
  className?: string;
}

/**
 * Says, visibly, that a series' volume cannot be trusted in 3D and why
 * (gantry tilt, missing slices, uneven spacing, missing positions, one
 * slice). Renders nothing for a trusted series. Reasons are plain text.
 */
export function GeometryWarning({ series, variant = 'block', testId, className }: GeometryWarningProps) {
  const reasons = geometryReasons(series);
  if (reasons.length === 0) return null;
  if (variant === 'line') {
    return (
      <span className={`geometry-warning-line ${className ?? ''}`} data-testid={testId} title={reasons.join('\n')}>
        ⚠ Not reliable in 3D: {reasons.map(reasonHeadline).join('; ')}
      </span>
    );
  }
  return (
    <div className={`geometry-warning ${className ?? ''}`} role="alert" data-testid={testId}>
      <strong className="geometry-warning-title">⚠ Not reliable in 3D</strong>
      <ul className="geometry-warning-reasons">
        {reasons.map((r, i) => (
          <li key={i}>{r}</li>
        ))}
      </ul>
    </div>
  );
}
