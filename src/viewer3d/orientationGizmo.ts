/**
 * The orientation marker: three axes with the anatomical letters at their
 * ends (R/L, A/P, S/I), drawn in a small square viewport in the lower-left
 * corner with the main camera's rotation, so it turns with the patient.
 * Letters are sprites with one small canvas texture each, made once.
 */
import {
  BufferGeometry,
  CanvasTexture,
  Float32BufferAttribute,
  LineBasicMaterial,
  LineSegments,
  OrthographicCamera,
  Scene,
  Sprite,
  SpriteMaterial,
  Vector3,
  type Camera,
  type WebGLRenderer,
} from 'three';
import { ANATOMICAL_AXES_WORLD } from './patientFrame';

/** Axis colours: R/L red, A/P green, S/I blue (the usual x/y/z colours of LPS). */
const AXIS_COLOURS: Record<string, [number, number, number]> = {
  L: [0.95, 0.35, 0.35], R: [0.95, 0.35, 0.35],
  A: [0.4, 0.85, 0.4], P: [0.4, 0.85, 0.4],
  S: [0.4, 0.6, 1.0], I: [0.4, 0.6, 1.0],
};

const LABEL_PX = 64;

function labelCanvas(label: string, colour: [number, number, number]): HTMLCanvasElement | OffscreenCanvas {
  const c: HTMLCanvasElement | OffscreenCanvas = typeof OffscreenCanvas !== 'undefined'
    ? new OffscreenCanvas(LABEL_PX, LABEL_PX)
    : Object.assign(document.createElement('canvas'), { width: LABEL_PX, height: LABEL_PX });
  const ctx = c.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('no 2D context for the orientation labels');
  ctx.font = `bold ${LABEL_PX * 0.7}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 8;
  ctx.strokeStyle = 'rgba(0,0,0,0.85)';
  ctx.strokeText(label, LABEL_PX / 2, LABEL_PX / 2 + 2);
  ctx.fillStyle = `rgb(${colour.map((v) => Math.round(v * 255)).join(',')})`;
  ctx.fillText(label, LABEL_PX / 2, LABEL_PX / 2 + 2);
  return c;
}

export class OrientationGizmo {
  /** Side of the corner viewport in CSS pixels (less in small views). */
  sizePx = 84;
  private readonly scene = new Scene();
  private readonly camera = new OrthographicCamera(-1.6, 1.6, 1.6, -1.6, 0.1, 10);
  private readonly lineGeometry = new BufferGeometry();
  private readonly lineMaterial = new LineBasicMaterial({ vertexColors: true, depthTest: false });
  private readonly textures: CanvasTexture<HTMLCanvasElement | OffscreenCanvas>[] = [];
  private readonly spriteMaterials: SpriteMaterial[] = [];
  private readonly dir = new Vector3();

  constructor() {
    const pos: number[] = [];
    const col: number[] = [];
    for (const { label, dir } of ANATOMICAL_AXES_WORLD) {
      const c = AXIS_COLOURS[label];
      pos.push(0, 0, 0, dir[0], dir[1], dir[2]);
      col.push(...c, ...c);
      const texture = new CanvasTexture(labelCanvas(label, c));
      const material = new SpriteMaterial({ map: texture, depthTest: false });
      const sprite = new Sprite(material);
      sprite.position.set(dir[0] * 1.28, dir[1] * 1.28, dir[2] * 1.28);
      sprite.scale.setScalar(0.62);
      sprite.name = `label-${label}`;
      this.textures.push(texture);
      this.spriteMaterials.push(material);
      this.scene.add(sprite);
    }
    this.lineGeometry.setAttribute('position', new Float32BufferAttribute(pos, 3));
    this.lineGeometry.setAttribute('color', new Float32BufferAttribute(col, 3));
    this.scene.add(new LineSegments(this.lineGeometry, this.lineMaterial));
  }

  /**
   * Draws the marker into the lower-left corner of the current render
   * target; `mainCamera` and `target` give the direction it is seen from.
   */
  render(renderer: WebGLRenderer, mainCamera: Camera, target: Vector3, widthCssPx: number, heightCssPx: number): void {
    this.dir.copy(mainCamera.position).sub(target);
    if (this.dir.lengthSq() === 0) this.dir.set(0, 0, 1);
    this.dir.normalize().multiplyScalar(4);
    this.camera.position.copy(this.dir);
    this.camera.up.copy(mainCamera.up);
    this.camera.lookAt(0, 0, 0);
    // At most sizePx, and at most 30 % of a small view.
    const s = Math.max(40, Math.min(this.sizePx, Math.round(0.3 * Math.min(widthCssPx, heightCssPx))));
    renderer.setScissorTest(true);
    renderer.setScissor(0, 0, s, s);
    renderer.setViewport(0, 0, s, s);
    renderer.clearDepth();
    renderer.render(this.scene, this.camera);
    renderer.setScissorTest(false);
  }

  dispose(): void {
    this.lineGeometry.dispose();
    this.lineMaterial.dispose();
    for (const t of this.textures) t.dispose();
    for (const m of this.spriteMaterials) m.dispose();
  }
}
