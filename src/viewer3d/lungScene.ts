/**
 * A three.js view of lung meshes on one canvas: renderer, camera, lights,
 * orbit controls (left-drag rotates, wheel zooms, right-drag pans), the
 * orientation marker and the content of sceneContent.ts.
 *
 * Renders on demand only: a control 'change', a content or style change or
 * a resize schedules one frame (requestAnimationFrame, coalesced); nothing
 * runs while nobody interacts. From the controls' 'start' until the view
 * has been still for SETTLE_MS, the coarse copies of large meshes are drawn
 * (see sceneContent.ts). The light is a head-light that follows the
 * camera, so the side facing the viewer is always lit.
 *
 * The default camera looks at the patient from the front, head up (see
 * patientFrame.ts); resetCamera() returns to it, framing the visible meshes.
 */
import {
  AmbientLight,
  Color,
  DirectionalLight,
  HemisphereLight,
  PerspectiveCamera,
  Scene,
  SRGBColorSpace,
  Vector3,
  WebGLRenderer,
} from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Mesh } from '../core/mesh/mesh';
import type { Vec3 } from '../core/volume/volume';
import { OrientationGizmo } from './orientationGizmo';
import { defaultCameraPose } from './patientFrame';
import { SceneContent, type EdgeState, type MeshInput, type MeshStyle, type SceneBounds } from './sceneContent';

export interface LungSceneOptions {
  /** Background colour (CSS). */
  background?: string;
  /**
   * Multisampling: smoother edges, but several times the frame time on a
   * CPU rasteriser (SwiftShader). Default false; worth it for small meshes.
   */
  antialias?: boolean;
  /** Vertical field of view in degrees. Default 35. */
  fovDeg?: number;
}

export interface LungSceneInfo {
  /** Geometries and textures alive on the GPU (renderer.info.memory). */
  geometries: number;
  textures: number;
  /** Compiled shader programs. */
  programs: number;
  /** Triangles drawn in the last frame (surfaces, edges and the marker). */
  triangles: number;
  /** Draw calls of the last frame. */
  calls: number;
  /** CPU time of the last frame in ms (the GPU may still be working). */
  lastFrameMs: number;
  frames: number;
}

export interface FrameTiming {
  /** Mean time per frame in ms, GPU included. */
  meanMs: number;
  frames: number;
  /** Triangles drawn per frame. */
  triangles: number;
}

export interface LungScene {
  setMesh(kind: string, input: MeshInput | null, style: MeshStyle): void;
  setStyle(kind: string, style: MeshStyle): void;
  /** A coarse copy of the mesh `forMesh` of `kind`, drawn while the view is dragged (null removes it). */
  setLod(kind: string, forMesh: Mesh, input: MeshInput | null): void;
  setMarker(pointMm: Readonly<Vec3> | null): void;
  /** Front view, head up, framing the visible meshes. */
  resetCamera(): void;
  /** Rotates the camera about the target (radians, as a drag does). */
  orbit(azimuthRad: number, polarRad?: number): void;
  /** Draws a frame now. */
  render(): void;
  /** Draws a frame at the next animation frame (several calls, one frame). */
  requestRender(): void;
  /** Canvas size in CSS pixels. */
  resize(widthCssPx: number, heightCssPx: number, pixelRatio?: number): void;
  /** The current picture as PNG (drawn afresh, with the orientation marker). */
  toPng(): Promise<Blob>;
  edgeState(kind: string): EdgeState;
  meshTriangles(kind: string): number;
  bounds(): SceneBounds | null;
  info(): LungSceneInfo;
  /**
   * Mean CPU+GPU time of a frame while rotating (ms): orbits by a small
   * angle `frames` times, rendering and waiting for the GPU each time
   * (readPixels of one pixel), then restores the camera. `interactive`
   * draws what a drag draws (the coarse copies where there are some).
   */
  measureFrameMs(frames?: number, interactive?: boolean): FrameTiming;
  dispose(): void;
}

/** Still time after a drag or wheel turn before the full meshes are drawn again (ms). */
const SETTLE_MS = 180;

export function createLungScene(canvas: HTMLCanvasElement, options: LungSceneOptions = {}): LungScene {
  const renderer = new WebGLRenderer({ canvas, antialias: options.antialias ?? false, powerPreference: 'high-performance' });
  renderer.outputColorSpace = SRGBColorSpace;
  renderer.info.autoReset = false;
  const background = new Color(options.background ?? '#0b0d10');
  renderer.setClearColor(background, 1);

  const scene = new Scene();
  const camera = new PerspectiveCamera(options.fovDeg ?? 35, 1, 1, 5000);
  const headLight = new DirectionalLight(0xffffff, 1.6);
  headLight.position.set(0.3, 0.5, 1);
  camera.add(headLight);
  scene.add(camera);
  scene.add(new HemisphereLight(0xdfe8ff, 0x3a2f28, 0.9));
  scene.add(new AmbientLight(0xffffff, 0.25));
  const content = new SceneContent();
  scene.add(content.root);
  const gizmo = new OrientationGizmo();

  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = false;
  controls.screenSpacePanning = true;
  controls.zoomToCursor = false;

  let cssW = 1;
  let cssH = 1;
  let frame = 0;
  let disposed = false;
  let lastFrameMs = 0;
  let frames = 0;
  /** Whether the camera has been framed on some content yet. */
  let framed = false;
  const scratch = new Vector3();
  const scratchAxis = new Vector3();
  const pixel = new Uint8Array(4);

  function render(): void {
    if (disposed) return;
    if (frame) {
      cancelAnimationFrame(frame);
      frame = 0;
    }
    const t0 = performance.now();
    renderer.info.reset();
    renderer.setViewport(0, 0, cssW, cssH);
    renderer.render(scene, camera);
    gizmo.render(renderer, camera, controls.target, cssW, cssH);
    renderer.setViewport(0, 0, cssW, cssH);
    lastFrameMs = performance.now() - t0;
    frames++;
  }

  function requestRender(): void {
    if (disposed || frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  }

  function resetCamera(): void {
    settleNow();
    const b = content.bounds();
    const centre: Vec3 = b ? b.centre : [0, 0, 0];
    const pose = defaultCameraPose(centre, b ? b.radius : 150, camera.fov, camera.aspect);
    camera.position.set(...pose.position);
    camera.up.set(...pose.up);
    camera.near = pose.near;
    camera.far = pose.far;
    camera.updateProjectionMatrix();
    controls.target.set(...pose.target);
    const dist = scratch.set(...pose.position).distanceTo(controls.target);
    controls.minDistance = dist * 0.05;
    controls.maxDistance = dist * 4;
    controls.update();
    framed = b !== null;
    requestRender();
  }

  const onChange = () => requestRender();
  // The full meshes come back once the view has been still for SETTLE_MS
  // (a wheel turn is a start and an end per notch: zooming stays coarse too).
  let settleTimer: ReturnType<typeof setTimeout> | null = null;
  const onStart = () => {
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = null;
    content.setInteracting(true);
  };
  const onEnd = () => {
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = setTimeout(settleNow, SETTLE_MS);
  };
  /** Back to the full meshes now. */
  function settleNow(): void {
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = null;
    content.setInteracting(false);
    requestRender();
  }
  controls.addEventListener('change', onChange);
  controls.addEventListener('start', onStart);
  controls.addEventListener('end', onEnd);
  resetCamera();

  return {
    setMesh(kind, input, style) {
      content.setMesh(kind, input, style);
      // The first content decides the framing; later meshes keep the user's view.
      if (!framed && input) resetCamera();
      requestRender();
    },
    setStyle(kind, style) {
      content.setStyle(kind, style);
      requestRender();
    },
    setLod(kind, forMesh, input) {
      content.setLod(kind, forMesh, input);
      requestRender();
    },
    setMarker(pointMm) {
      content.setMarker(pointMm);
      requestRender();
    },
    resetCamera,
    orbit(azimuthRad, polarRad = 0) {
      // Rotate the camera offset about the world up axis and the camera's right axis.
      const offset = scratch.copy(camera.position).sub(controls.target);
      offset.applyAxisAngle(camera.up, azimuthRad);
      if (polarRad !== 0) {
        scratchAxis.crossVectors(camera.up, offset).normalize();
        offset.applyAxisAngle(scratchAxis, polarRad);
      }
      camera.position.copy(controls.target).add(offset);
      camera.lookAt(controls.target);
      controls.update();
      requestRender();
    },
    render,
    requestRender,
    resize(widthCssPx, heightCssPx, pixelRatio = 1) {
      cssW = Math.max(1, Math.round(widthCssPx));
      cssH = Math.max(1, Math.round(heightCssPx));
      renderer.setPixelRatio(Math.min(2, pixelRatio));
      renderer.setSize(cssW, cssH, false);
      camera.aspect = cssW / cssH;
      camera.updateProjectionMatrix();
      render();
    },
    toPng() {
      settleNow();
      render();
      return new Promise<Blob>((resolve, reject) => {
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the 3D view could not be encoded as PNG'))), 'image/png');
      });
    },
    edgeState: (kind) => content.edgeState(kind),
    meshTriangles: (kind) => content.meshTriangles(kind),
    bounds: () => content.bounds(),
    info() {
      const i = renderer.info;
      return {
        geometries: i.memory.geometries,
        textures: i.memory.textures,
        programs: i.programs?.length ?? 0,
        triangles: i.render.triangles,
        calls: i.render.calls,
        lastFrameMs,
        frames,
      };
    },
    measureFrameMs(n = 20, interactive = false) {
      const gl = renderer.getContext();
      const saved = camera.position.clone();
      content.setInteracting(interactive);
      render();
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      const t0 = performance.now();
      const step = (2 * Math.PI) / Math.max(1, n) / 4;
      for (let k = 0; k < n; k++) {
        const offset = scratch.copy(camera.position).sub(controls.target).applyAxisAngle(camera.up, step);
        camera.position.copy(controls.target).add(offset);
        camera.lookAt(controls.target);
        render();
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      }
      const ms = (performance.now() - t0) / Math.max(1, n);
      const triangles = renderer.info.render.triangles;
      content.setInteracting(false);
      camera.position.copy(saved);
      camera.lookAt(controls.target);
      controls.update();
      render();
      return { meanMs: ms, frames: n, triangles };
    },
    dispose() {
      if (disposed) return;
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      if (settleTimer !== null) clearTimeout(settleTimer);
      controls.removeEventListener('change', onChange);
      controls.removeEventListener('start', onStart);
      controls.removeEventListener('end', onEnd);
      controls.dispose();
      content.dispose();
      gizmo.dispose();
      renderer.renderLists.dispose();
      renderer.dispose();
      disposed = true;
    },
  };
}
