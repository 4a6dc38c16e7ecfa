/// <reference types="vite/client" />
/**
 * Development page for the 3D panels (never built into the app; served by
 * the Vite dev server at /test/viewer3d/dev/index.html). It builds the
 * synthetic chest phantom in the page, makes its lung and vessel surfaces
 * from the phantom's own labels (no analysis needed) and shows the 3D view
 * and the crop panel. `window.__lv3dDev` holds the caches and helpers for
 * scripts.
 */
import { createRoot } from 'react-dom/client';
import { makePhantomSeries, PHANTOM_LABEL } from '../../../src/core/io/phantom';
import { decimateForDisplay } from '../../../src/core/mesh/decimateForDisplay';
import { heightColors } from '../../../src/core/mesh/heightColors';
import { marchingCubes } from '../../../src/core/mesh/marchingCubes';
import { meshAreaMm2, meshVolumeMl, type Mesh } from '../../../src/core/mesh/mesh';
import { voxelToPatientMm, type Mask, type Volume } from '../../../src/core/volume/volume';
import { maskCache } from '../../../src/state/maskCache';
import { meshCache, type MeshKind } from '../../../src/state/meshCache';
import { appStore } from '../../../src/state/store';
import { volumeCache } from '../../../src/state/volumeCache';
import { CropPanel } from '../../../src/ui/view3d/CropPanel';
import { View3DPanel } from '../../../src/ui/view3d/View3DPanel';
import { summary } from '../../state/fixtures';
import '../../../src/app/styles.css';

let loads = 0;

function putMesh(kind: MeshKind, seriesId: string, full: Mesh, maxDisplay: number): void {
  const id = `${seriesId}:${kind}:${loads}`;
  const nt = full.indices.length / 3;
  const dec = nt > maxDisplay ? decimateForDisplay(full, maxDisplay).mesh : null;
  const shown = dec ?? full;
  meshCache.set(id, { mesh: shown, heightColors: heightColors(shown) });
  appStore.getState().setMesh(kind, {
    id, kind, seriesId, triangles: nt, vertices: full.positionsMm.length / 3, displayTriangles: shown.indices.length / 3,
    decimated: dec !== null, areaMm2: meshAreaMm2(full), volumeMl: meshVolumeMl(full),
  });
}

/** Builds the phantom, its volume, masks and meshes, and opens it as the selected series. */
function loadPhantom(size = 512, slices = 120, maxDisplay = 300_000, seed = 1): { ms: number; lungTriangles: number } {
  const t0 = performance.now();
  loads++;
  const { truth } = makePhantomSeries({ size, slices, thicknessMm: 2.5, seed, withLabels: true, withVolume: true });
  const [nz, ny, nx] = truth.dimsZyx;
  const [sz, sy, sx] = truth.spacingMmZyx;
  const id = `phantom-${loads}`;
  const geometry = { nx, ny, nz, spacingMmXyz: [sx, sy, sz] as [number, number, number], originMm: truth.originMm, directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as Volume['directionXyz'] };
  const volume: Volume = { ...geometry, hu: truth.volumeHu! };
  const labels = truth.labels!;
  const lung = new Uint8Array(labels.length);
  const vessels = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    lung[i] = labels[i] & (PHANTOM_LABEL.lung | PHANTOM_LABEL.vessel | PHANTOM_LABEL.nodule) ? 1 : 0;
    vessels[i] = labels[i] & (PHANTOM_LABEL.vessel | PHANTOM_LABEL.nodule) && labels[i] & PHANTOM_LABEL.lung ? 1 : 0;
  }
  volumeCache.clear();
  volumeCache.set(id, volume);
  const st = appStore.getState();
  st.beginLoad('dev phantom', 0);
  st.finishLoad([summary(id, nz, { description: `Phantom ${loads} B70f`, dimsZyx: [nz, ny, nx], spacingMmZyx: [sz, sy, sx] })], [], [], 1);
  const lungMask: Mask = { ...geometry, data: lung };
  const internalMask: Mask = { ...geometry, data: vessels };
  maskCache.clear();
  maskCache.set(`${id}:internal`, { kind: 'internal', seriesId: id, nx, ny, nz, zOffset: 0, data: vessels });
  const runId = appStore.getState().beginAnalysis(id, 0);
  appStore.getState().updateAnalysisResults(runId, { maskIds: { internal: `${id}:internal` } });
  const lm = marchingCubes(lungMask);
  putMesh('lung', id, lm, maxDisplay);
  putMesh('internal', id, marchingCubes(internalMask), maxDisplay);
  return { ms: performance.now() - t0, lungTriangles: lm.indices.length / 3 };
}

function pick(x: number, y: number, z: number): void {
  const v = volumeCache.get(appStore.getState().selectedSeriesId)!;
  appStore.getState().setPickedPoint({ voxel: [x, y, z], patientMm: voxelToPatientMm(v, x, y, z) });
}

(window as unknown as Record<string, unknown>).__lv3dDev = { appStore, meshCache, volumeCache, maskCache, loadPhantom, pick };

const root = document.getElementById('root')!;
root.style.cssText = 'display:grid;grid-template-columns:minmax(0,1fr) 380px;gap:8px;padding:8px;height:100%';
createRoot(root).render(
  <>
    <View3DPanel />
    <CropPanel />
  </>,
);
