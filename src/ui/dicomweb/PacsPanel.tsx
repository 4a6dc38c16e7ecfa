/**
 * "PACS (DICOMweb)": search the DICOMweb server behind the page's
 * same-origin /dicomweb proxy (QIDO-RS, by study date, modality and
 * description), list the series, and load one (WADO-RS) into the same
 * ingest as a dropped folder. Nothing is sent until a button is pressed.
 */
import { useState } from 'react';
import type { DicomWebSeries } from '../../core/io/dicomweb';
import { loadRunning, useAppStore } from '../../state/store';
import { Panel } from '../layout/Panel';
import { analysisMasksReady } from '../../state/maskImports';
import { loadPacsSeries, pacsErrorText, searchPacsSeries, storeSegToPacs } from './pacsActions';
import './pacs.css';

function showDate(d: string): string {
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d;
}

export function PacsPanel() {
  const busy = useAppStore((s) => loadRunning(s.load.phase));
  const [date, setDate] = useState('');
  const [modality, setModality] = useState('CT');
  const [description, setDescription] = useState('');
  const [state, setState] = useState<{ phase: 'idle' | 'searching' | 'done' | 'error'; series: DicomWebSeries[]; message: string }>({ phase: 'idle', series: [], message: '' });

  async function search(): Promise<void> {
    setState({ phase: 'searching', series: [], message: 'searching…' });
    try {
      const series = await searchPacsSeries({ date, modality, description });
      setState({ phase: 'done', series, message: `${series.length} series` });
    } catch (e) {
      setState({ phase: 'error', series: [], message: pacsErrorText(e) });
    }
  }

  return (
    <Panel title="PACS (DICOMweb)" testId="pacs-panel">
      <form
        className="pacs-search"
        onSubmit={(ev) => {
          ev.preventDefault();
          void search();
        }}
      >
        <label>
          Study date
          <input data-testid="pacs-date" value={date} placeholder="2020-01-01..2020-12-31" onChange={(e) => setDate(e.currentTarget.value)} />
        </label>
        <label>
          Modality
          <input data-testid="pacs-modality" value={modality} size={4} onChange={(e) => setModality(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <input data-testid="pacs-description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <button type="submit" className="button" data-testid="pacs-search" disabled={state.phase === 'searching'}>Search</button>
      </form>
      <p className={`pacs-status ${state.phase === 'error' ? 'pacs-error' : ''}`} data-testid="pacs-status" role={state.phase === 'error' ? 'alert' : undefined}>
        {state.phase === 'idle' ? 'Lists the series of the server behind /dicomweb.' : state.message}
      </p>
      {state.series.length ? (
        <ul className="pacs-list" data-testid="pacs-list">
          {state.series.map((s) => (
            <li key={s.seriesUid} data-testid="pacs-series">
              <span className="pacs-series-text">
                {showDate(s.studyDate) || 'no date'} · {s.modality || '?'} · {s.description || '(no description)'}
                {s.instanceCount !== null ? ` · ${s.instanceCount} images` : ''}
              </span>
              <button type="button" className="button" data-testid="pacs-load" disabled={busy} onClick={() => void loadPacsSeries(s)}>
                Load
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <StoreSeg />
    </Panel>
  );
}

/** "Store segmentation on the PACS": the open series' SEG sent with STOW-RS on a click, and the server's answer. */
function StoreSeg() {
  const ready = useAppStore(analysisMasksReady);
  const [state, setState] = useState<{ phase: 'idle' | 'storing' | 'done' | 'error'; message: string }>({ phase: 'idle', message: '' });
  if (!ready) return null;
  const store = async () => {
    setState({ phase: 'storing', message: 'storing…' });
    try {
      setState({ phase: 'done', message: await storeSegToPacs() });
    } catch (e) {
      setState({ phase: 'error', message: pacsErrorText(e) });
    }
  };
  return (
    <div className="pacs-store">
      <button
        type="button"
        className="button"
        data-testid="pacs-store-seg"
        disabled={state.phase === 'storing'}
        onClick={() => void store()}
        title="Send this series' segmentation (right lung, left lung, airway, internal and GK structures, as the DICOM SEG download) to the PACS with STOW-RS, into the CT's study"
      >
        Store segmentation on the PACS
      </button>
      {state.message ? (
        <p className={state.phase === 'error' ? 'pacs-error' : 'muted'} data-testid="pacs-store-status" data-phase={state.phase}>
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
