import { afterEach, describe, expect, it, vi } from 'vitest';
import { decimateForDisplay } from '../../src/core/mesh/decimateForDisplay';
import { meshCache } from '../../src/state/meshCache';
import { appStore } from '../../src/state/store';
import { readNifti, writeNifti, writeNiftiGz } from '../../src/core/io/nifti';
import { cssToLinearRgba, meshFile, meshFileBytes, type MeshFileRequest } from '../../src/core/io/meshFile';
import { fullMesh, surface } from '../../src/core/mesh/surface';
import { exportMaskNifti, exportMesh, maskOnGrid, type ExportFileService } from '../../src/ui/export/meshExports';
import { lungLabelsFromRuns } from '../../src/core/analysis/internalMask';
import { segmentLungVariants } from '../../src/core/segmentation/segmentLungs';
import { orRuns } from '../../src/core/segmentation/runs';
import { LUNG_LABEL_BITS, maskCache } from '../../src/state/maskCache';
import { volumeCache } from '../../src/state/volumeCache';
import type { NiftiFileRequest } from '../../src/workers/cropApi';
import { gunzipSync } from 'fflate';
import { phantomSeries } from '../workers/phantomSeries';
import { summary } from '../state/fixtures';
import { ballMesh } from '../viewer3d/meshFixtures';

/** Triangles of a binary STL, read back (count, then the corners of each facet). */
function readStl(bytes: Uint8Array): { count: number; corners: Float32Array } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(80, true);
  const corners = new Float32Array(count * 9);
  for (let t = 0; t < count; t++) for (let k = 0; k < 9; k++) corners[t * 9 + k] = v.getFloat32(84 + 50 * t + 12 + 4 * k, true);
  return { count, corners };
}

function glbJson(bytes: Uint8Array): { accessors: { count: number }[]; meshes: { primitives: { attributes: Record<string, number>; indices: number }[] }[] } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(v.getUint32(0, true)).toBe(0x46546c67);
  const len = v.getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + len)));
}

describe('mesh file bytes', () => {
  const mesh = ballMesh(14, 5);
  const T = mesh.indices.length / 3;
  const V = mesh.positionsMm.length / 3;

  it('STL: 84 + 50 bytes per triangle, the triangle count, and the corners of each triangle', () => {
    const bytes = meshFileBytes(mesh, 'stl', { name: 'lung' });
    expect(bytes.length).toBe(84 + 50 * T);
    const { count, corners } = readStl(bytes);
    expect(count).toBe(T);
    for (const t of [0, Math.floor(T / 2), T - 1]) {
      for (let c = 0; c < 3; c++) {
        const vi = mesh.indices[t * 3 + c];
        for (let k = 0; k < 3; k++) expect(corners[t * 9 + c * 3 + k]).toBe(mesh.positionsMm[vi * 3 + k]);
      }
    }
  });

  it('OBJ: one v line per vertex and one f line per triangle', () => {
    const text = new TextDecoder().decode(meshFileBytes(mesh, 'obj', { name: 'internal structures' }));
    expect(text.split('\n').filter((l) => l.startsWith('v ')).length).toBe(V);
    expect(text.split('\n').filter((l) => l.startsWith('f ')).length).toBe(T);
    expect(text).toMatch(/^o internal_structures$/m);
  });

  it('GLB: the index accessor holds every triangle; vertex colours only when given', () => {
    const plain = glbJson(meshFileBytes(mesh, 'glb', { name: 'lung', color: '#e8a87c' }));
    const prim = plain.meshes[0].primitives[0];
    expect(plain.accessors[prim.indices].count).toBe(3 * T);
    expect(plain.accessors[prim.attributes.POSITION].count).toBe(V);
    expect(prim.attributes.COLOR_0).toBeUndefined();
    const coloured = glbJson(meshFileBytes(mesh, 'glb', { name: 'lung', vertexColors: new Float32Array(V * 3).fill(0.5) }));
    expect(coloured.meshes[0].primitives[0].attributes.COLOR_0).toBeDefined();
  });

  it('converts CSS colours to linear RGB for glTF', () => {
    expect(cssToLinearRgba('#ffffff')).toEqual([1, 1, 1, 1]);
    expect(cssToLinearRgba('#000000')).toEqual([0, 0, 0, 1]);
    expect(cssToLinearRgba('#808080')[0]).toBeCloseTo(0.2158605, 6);
  });
});

describe('exportMesh', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    meshCache.clear();
    maskCache.clear();
    volumeCache.clear();
  });

  /** The export worker's work done in this thread by the core functions it calls, with the requests it got. */
  function workerStandIn(): { files: ExportFileService; requests: MeshFileRequest[]; niftis: NiftiFileRequest[] } {
    const requests: MeshFileRequest[] = [];
    const niftis: NiftiFileRequest[] = [];
    const files: ExportFileService = {
      meshFile: async (req) => (requests.push(req), meshFile(req)),
      niftiFile: async (req) => (niftis.push(req), writeNiftiGz(req.image, { description: req.description })),
    };
    return { files, requests, niftis };
  }

  /** Captures downloads (a stand-in for the document's link click). */
  function captureDownloads(): { name: string; blob: Blob }[] {
    const saved: { name: string; blob: Blob }[] = [];
    const blobs = new Map<string, Blob>();
    vi.stubGlobal('URL', Object.assign(Object.create(URL), { createObjectURL: (b: Blob) => { const u = `blob:${blobs.size}`; blobs.set(u, b); return u; }, revokeObjectURL: () => undefined }));
    vi.stubGlobal('document', {
      createElement: () => {
        const a = { href: '', download: '', rel: '', style: {}, click: () => saved.push({ name: a.download, blob: blobs.get(a.href)! }), remove: () => undefined };
        return a;
      },
      body: { append: () => undefined },
    });
    return saved;
  }

  /**
   * The phantom opened as series s1 with its lung masks as the analysis
   * leaves them (one label array) and a decimated lung surface: the page
   * holds only the drawn mesh.
   */
  function analysedPhantom(smoothIterations: number) {
    const { volume } = phantomSeries();
    const seg = segmentLungVariants(volume, { withRuns: true });
    const labels = lungLabelsFromRuns(seg.runs!, seg.noFill.data.slice());
    const st = appStore.getState();
    st.beginLoad('t', 0);
    st.finishLoad([summary('s1', volume.nz, { description: 'LUNG 3.0 B70f' })], [], [], 1);
    volumeCache.set('s1', volume);
    const runId = st.beginAnalysis('s1', 0);
    maskCache.set('fill', { kind: 'fill', seriesId: 's1', nx: volume.nx, ny: volume.ny, nz: volume.nz, zOffset: 0, data: labels, bits: LUNG_LABEL_BITS.fill });
    // The lungs measured (here the tutorial's filled mask, --lung-mask fill): bit 2 of the same label array, what the lung surface is made of.
    orRuns(seg.runs!.fill, labels, LUNG_LABEL_BITS.measured.equals);
    maskCache.set('measured', { kind: 'measured', seriesId: 's1', nx: volume.nx, ny: volume.ny, nz: volume.nz, zOffset: 0, data: labels, bits: LUNG_LABEL_BITS.measured });
    st.updateAnalysisResults(runId, { maskIds: { fill: 'fill', measured: 'measured' } });
    // What the analysis worker computes (the full surface), of which the page keeps the decimated one.
    const full = fullMesh(surface(seg.fill, { stepSize: 1, smoothIterations }));
    const shown = decimateForDisplay(full, Math.floor(full.indices.length / 3 / 4)).mesh;
    meshCache.set('m', { mesh: shown });
    const T = full.indices.length / 3;
    st.setMesh('lung', {
      id: 'm', kind: 'lung', seriesId: 's1', triangles: T, vertices: full.positionsMm.length / 3, displayTriangles: shown.indices.length / 3,
      decimated: true, areaMm2: 1, volumeMl: 1, surface: { stepSize: 1, smoothIterations },
    });
    return { full, shown, labels, T };
  }

  it('makes the full-resolution surface of a decimated mesh again from its mask and downloads it, named after the series', async () => {
    const { full, labels, T } = analysedPhantom(2);
    const saved = captureDownloads();
    const { files, requests } = workerStandIn();
    expect(await exportMesh('lung', 'stl', files)).toBe(true);
    // The worker got a 0/1 mask of its own (not the shared label array), with the analysis' step and smoothing.
    expect(requests).toHaveLength(1);
    const src = requests[0].source;
    if (!('mask' in src)) throw new Error('a decimated surface is made again from its mask');
    expect(src.mask.data).not.toBe(labels);
    expect(src.mask.data.every((v) => v <= 1)).toBe(true);
    expect(src.smoothIterations).toBe(2);
    expect(saved).toHaveLength(1);
    expect(saved[0].name).toBe('LUNG_3.0_B70f-lung-mesh.stl');
    const stl = readStl(new Uint8Array(await saved[0].blob.arrayBuffer()));
    expect(stl.count).toBe(T);
    // Triangle for triangle the surface the analysis made (smoothing included).
    for (const t of [0, Math.floor(T / 3), T - 1]) {
      for (let c = 0; c < 3; c++) {
        const vi = full.indices[t * 3 + c];
        for (let k = 0; k < 3; k++) expect(stl.corners[t * 9 + c * 3 + k]).toBe(full.positionsMm[vi * 3 + k]);
      }
    }
    expect(await exportMesh('gk', 'stl', files)).toBe(false);
  });

  it('exports a surface drawn at full resolution as it is: a copy goes to the worker, which writes the file', async () => {
    const { shown } = analysedPhantom(0);
    appStore.getState().setMesh('lung', { ...appStore.getState().meshes.lung!, decimated: false, triangles: shown.indices.length / 3 });
    const saved = captureDownloads();
    const { files, requests } = workerStandIn();
    expect(await exportMesh('lung', 'obj', files)).toBe(true);
    const src = requests[0].source;
    if (!('mesh' in src)) throw new Error('a full-resolution drawn surface is sent as it is');
    // A copy (the page keeps drawing its own arrays, which the transfer would detach).
    expect(src.mesh.positionsMm).not.toBe(shown.positionsMm);
    expect(Array.from(src.mesh.indices)).toEqual(Array.from(shown.indices));
    const text = await saved[0].blob.text();
    expect(text.split('\n').filter((l) => l.startsWith('f ')).length).toBe(shown.indices.length / 3);
  });

  it('says to run the analysis again when the mask of a decimated surface is gone', async () => {
    analysedPhantom(0);
    maskCache.clear();
    captureDownloads();
    const { files, requests } = workerStandIn();
    await expect(exportMesh('lung', 'stl', files)).rejects.toThrow(/run the analysis again/);
    expect(requests).toHaveLength(0);
  });

  it('has the worker write the NIfTI file: the page sends the mask and downloads the bytes', async () => {
    const { volume } = phantomSeries();
    const st = appStore.getState();
    st.beginLoad('t', 0);
    st.finishLoad([summary('s1', volume.nz, { description: 'LUNG 3.0 B70f' })], [], [], 1);
    const saved = captureDownloads();
    const { files, niftis } = workerStandIn();
    const data = new Uint8Array(volume.nx * volume.ny * volume.nz).map((_, i) => (i % 7 === 0 ? 1 : 0));
    await exportMaskNifti({ ...volume, data }, 'lung mask', files);
    expect(niftis).toHaveLength(1);
    expect(niftis[0].description).toBe('lungview lung mask');
    expect(saved[0].name).toBe('LUNG_3.0_B70f-lung-mask.nii.gz');
    const back = readNifti(gunzipSync(new Uint8Array(await saved[0].blob.arrayBuffer())));
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});

describe('masks for NIfTI export', () => {
  it('puts a partial (GK) mask on its slices of the series grid', () => {
    const volume = {
      nx: 4, ny: 3, nz: 10, spacingMmXyz: [0.5, 0.5, 2] as [number, number, number], originMm: [-10, 20, -300] as [number, number, number],
      directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]],
    };
    const data = new Uint8Array(4 * 3 * 2).map((_, i) => i % 2);
    const m = maskOnGrid(volume, { nx: 4, ny: 3, nz: 2, zOffset: 6, data });
    expect(m.nz).toBe(2);
    expect(m.originMm).toEqual([-10, 20, -300 + 6 * 2]);
    expect(m.data).toBe(data);
    const back = readNifti(writeNifti(m));
    expect([back.nx, back.ny, back.nz]).toEqual([4, 3, 2]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
    // NIfTI is RAS: x and y change sign, z is kept.
    expect(back.sformRas![3]).toBeCloseTo(10, 5);
    expect(back.sformRas![11]).toBeCloseTo(-288, 5);
    expect(() => maskOnGrid(volume, { nx: 5, ny: 3, nz: 1, zOffset: 0, data: new Uint8Array(15) })).toThrow(RangeError);
  });

  it('writes a mask that shares a label array as 0/1 voxels of its own label only', () => {
    const volume = {
      nx: 4, ny: 3, nz: 2, spacingMmXyz: [1, 1, 1] as [number, number, number], originMm: [0, 0, 0] as [number, number, number],
      directionXyz: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] as [[number, number, number], [number, number, number], [number, number, number]],
    };
    const labels = new Uint8Array(24).map((_, i) => i % 4);
    const internal = maskOnGrid(volume, { nx: 4, ny: 3, nz: 2, zOffset: 0, data: labels, bits: { select: 3, equals: 2 } });
    expect(Array.from(readNifti(writeNifti(internal)).data)).toEqual(Array.from(labels, (v) => (v === 2 ? 1 : 0)));
    // The label array itself is left as it was.
    expect(Array.from(labels)).toEqual(Array.from(new Uint8Array(24).map((_, i) => i % 4)));
  });
});
