import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { warmUpDicomWorkers } from '../state/services';
import { warmUpSliceDrawing } from '../viewer2d/sliceCanvas';
import { App } from './App';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
// The DICOM workers boot while the page waits for a drop, not after it.
setTimeout(warmUpDicomWorkers, 0);
// So does a software GPU's code for drawing slices (see warmUpSliceDrawing).
setTimeout(warmUpSliceDrawing, 0);
