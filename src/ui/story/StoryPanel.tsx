import { useEffect, useRef } from 'react';
import { maskCache } from '../../state/maskCache';
import { appStore, selectedSeries, useAppStore } from '../../state/store';
import { volumeCache } from '../../state/volumeCache';
import { useSliceNumbers } from '../viewer/useSliceNumbers';
import { bindStoryView, type StoryStep } from './bindStoryView';

const STEPS: readonly { step: StoryStep; title: string; waiting: string }[] = [
  { step: 0, title: '1 · Original', waiting: '' },
  { step: 1, title: '2 · Lung mask', waiting: 'Waiting for the lung mask…' },
  { step: 2, title: '3 · Internal structures on the lung', waiting: 'Waiting for the internal structures…' },
  { step: 3, title: '4 · GK structures', waiting: 'Waiting for GK clustering…' },
];

function GkNote() {
  const gk = useAppStore((s) => (s.analysisResults?.seriesId === s.selectedSeriesId ? s.analysisResults?.gk : undefined));
  const z = useAppStore((s) => s.sliceZ);
  const setSlice = useAppStore((s) => s.setSlice);
  const numbers = useSliceNumbers('axial', useAppStore((s) => selectedSeries(s)?.sliceCount ?? 0));
  if (!gk || (z >= gk.zFrom && z < gk.zFrom + gk.planes)) return null;
  const centre = gk.zFrom + Math.floor(gk.planes / 2);
  return (
    <div className="story-note" data-testid="story-gk-note">
      <p>
        GK clustered slices {numbers.range(gk.zFrom, gk.planes)}; this is slice {numbers.number(z)}.
      </p>
      <button
        type="button"
        className="button"
        data-testid="story-goto-gk"
        onClick={(e) => {
          e.stopPropagation();
          setSlice(centre);
        }}
      >
        Go to slice {numbers.number(centre)}
      </button>
    </div>
  );
}

function StoryView({ step, title, waiting }: { step: StoryStep; title: string; waiting: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const enlarged = useAppStore((s) => s.storyEnlarged);
  const setEnlarged = useAppStore((s) => s.setStoryEnlarged);
  const phase = useAppStore((s) => s.analysis.phase);
  const r = useAppStore((s) => (s.analysisResults?.seriesId === s.selectedSeriesId ? s.analysisResults : null));
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    return bindStoryView(canvas, { store: appStore, volumes: volumeCache, masks: maskCache }, step);
  }, [step]);
  const ready = step === 0 ? true : !!(step === 1 ? r?.maskIds.fill : step === 2 ? r?.maskIds.internal : r?.maskIds.gk);
  const big = enlarged === step;
  return (
    <figure
      className={`story-view${big ? ' story-view-big' : ''}`}
      data-testid={`story-view-${step}`}
      onClick={() => setEnlarged(big ? null : step)}
      title={big ? 'Click to show all four' : 'Click to enlarge'}
    >
      <figcaption>{title}</figcaption>
      <canvas ref={ref} className="story-canvas" data-testid={`story-canvas-${step}`} />
      {!ready ? <div className="story-note">{phase === 'running' ? waiting : 'Run the analysis to see this step.'}</div> : null}
      {step === 3 && ready ? <GkNote /> : null}
    </figure>
  );
}

/**
 * The tutorial's four-step story of the current slice: original → lung mask
 * → internal structures over the lung-only image → GK structures. The slice
 * slider drives all four; a click enlarges one (and a second click returns).
 */
export function StoryPanel() {
  const enlarged = useAppStore((s) => s.storyEnlarged);
  return (
    <div className={`story-grid${enlarged !== null ? ' story-grid-enlarged' : ''}`} data-testid="story-panel">
      {STEPS.map((s) => (
        <StoryView key={s.step} step={s.step} title={s.title} waiting={s.waiting} />
      ))}
    </div>
  );
}
