/**
 * Lung densitometry: the HU measures of quantitative chest CT for the whole
 * lung, each lung, and regions of each lung, with the quality checks that
 * say when the numbers should not be trusted. Pure: HU volume, geometry,
 * labels (or runs per label) and plain parameters in; numbers and a `qa`
 * list out. The browser worker and the CLI call the same function.
 *
 * Measures per set of voxels (whole lung, right, left, ten regions), with
 * the names and definitions of the Chest Imaging Platform's
 * cip_python/phenotypes/parenchyma_phenotypes.py (which gives fractions;
 * here they are percent):
 *   voxels, volumeMl, massG = Σ voxel mL × max(0, HU + 1000) / 1000
 *     (density linear from air 0 to water 1 g/mL; CIP uses Schneider et
 *     al.'s piecewise-linear HU-to-density table instead, which gives
 *     lung a few % more: 0.156 rather than 0.150 g/mL at −850 HU);
 *   laa950 / laa910 / laa856: % of voxels with HU ≤ −950 / −910 / −856
 *     (≤ as CIP's parenchyma_phenotypes compares; SlicerCIP's Parenchyma
 *     Analysis module uses <, which differs by the voxels at exactly −950);
 *   haa700 / haa600 / haa500 / haa250: % with HU ≥ −700 / −600 / −500 / −250;
 *   perc10 / perc15: the HU at the 10th / 15th percentile, numpy's default
 *     ('linear', Hyndman & Fan type 7: virtual index (n − 1)·q, numpy's
 *     _lerp, which computes b − (b − a)(1 − t) when t ≥ 0.5);
 *   meanHu, stdHu (population, ddof 0), medianHu (numpy median: the middle
 *     value, or the mean of the two middle values).
 * Empty sets give 0 voxels / mL / g and null for every other measure.
 *
 * HU classes (3D Slicer Lung CT Analyzer's defaults, editable): emphysema
 * −1050…−950, inflated −950…−750, infiltrated −750…−400, collapsed
 * −400…0, vessels 0…3000. Each interval is closed at the top and open at
 * the bottom, (lo, hi], so that the emphysema class is exactly LAA-950
 * (HU ≤ −950, and > −1050). A voxel in no class (HU ≤ −1050 or > 3000 with
 * the defaults, e.g. padding) is counted as `unclassified` (mL and %) and
 * named in `qa`, never dropped silently. "functional" = the classes with
 * role 'functional' (inflated), "affected" = role 'affected' (infiltrated +
 * collapsed), as Lung CT Analyzer reports them; % are of the set's voxels.
 *
 * Regions, in patient coordinates (LPS mm, volume.ts voxelToPatientMm, so
 * prone, feet-first, sagittal and coronal stacks get the same regions as an
 * axial supine stack of the same chest), each lung on its own:
 *   upper / middle / lower thirds: the patient-z (LPS +z = head) extent
 *     [zMin, zMax] of that lung's voxel centres is cut into three bands of
 *     equal height h = zMax − zMin; a voxel belongs by its centre p:
 *     lower when 3(p − zMin) < h, middle when h ≤ 3(p − zMin) < 2h, upper
 *     otherwise. Equal height as the project's issue asks; CIP's
 *     LungSplitter cuts thirds of equal voxel count instead.
 *   ventral / dorsal halves: split at the midpoint of that lung's patient-y
 *     (LPS +y = posterior) extent over the whole lung: dorsal when
 *     2(p − yMin) ≥ h. One plane per lung rather than a midpoint per slice,
 *     so a half is a fixed slab of the patient (the thirds are also cut from
 *     the whole lung's extent) and the apex and base, whose slices hold
 *     small, oddly placed sections, do not get their own split. Lung CT
 *     Analyzer reports ventral / dorsal and upper / middle / lower parts of
 *     each lung as well; the exact geometry here is this module's.
 *   Ties: a centre on a boundary (within BOUNDARY_TOLERANCE_MM, so that
 *     rounding of mm positions cannot decide) goes to the band with the
 *     larger LPS coordinate: upper rather than middle, middle rather than
 *     lower, dorsal rather than ventral. A lung of zero height lies wholly
 *     in its upper third (and of zero depth, its dorsal half).
 *
 * Labels: a Uint8Array on the HU grid (i = x + y*nx + z*nx*ny) with the
 * codes of splitAirwayAndLungs (1 airway, 2 right lung, 3 left lung) unless
 * `codes` says otherwise, or binary runs per label (runs.ts). The airway is
 * never part of the lung measures; its median HU is the tracheal-air check.
 *
 * Quality checks (`qa`, each { code, level, message, why }): tracheal air
 * median off −1000 by more than 30 HU (or no airway to check); a sharp
 * reconstruction kernel; slice thickness > 1.5 mm (or unknown); a contrast
 * agent; voxels outside all HU classes; empty sets.
 *
 * Method: the voxels are visited as row runs (a label volume is turned into
 * binary runs of its three codes first, labelRunSets: one pass over the
 * labels, four at a time where they are zero).
 * Pass 1 reads only run ends (a patient coordinate is linear along a row,
 * so a run's extremes are at its ends) for each lung's extents. Pass 2
 * reads each lung voxel's HU once and counts it in a 1-HU histogram of its
 * third and of its half (65536 bins cover every int16 value, so nothing is
 * clamped and the results are those of numpy on the raw HU); a run whose
 * two ends fall in the same band is counted without per-voxel positions.
 * Every measure of a set comes from its histogram: a lung's is the sum of
 * its thirds, the whole lung's the sum of both lungs. Counts, percents,
 * percentiles, median, mean (integer sum / n) and mass are exact; the
 * standard deviation is Σ count·(HU − mean)² in doubles.
 *
 * Cost: O(label voxels) for the runs (none when runs are given), O(runs)
 * for the extents, O(lung voxels + airway voxels) histogram increments,
 * then O(occupied HU range) per set. Memory: 14 histograms of 65536
 * uint32 (3.7 MB) plus the runs of the label volume.
 */
import { voxelVolumeMm3, type VolumeGeometry } from '../volume/volume';
import { RunBuilder, type GridDims, type RunSet } from '../segmentation/runs';
import { AIRWAY_LABEL, LEFT_LUNG_LABEL, RIGHT_LUNG_LABEL } from '../segmentation/splitAirwayAndLungs';

/** A centre this close (mm) to a region boundary counts as on it. */
export const BOUNDARY_TOLERANCE_MM = 1e-6;

export interface HuClassDefinition {
  name: string;
  /** Open lower bound (HU): the class holds lo < HU ≤ hi. */
  loHu: number;
  /** Closed upper bound (HU). */
  hiHu: number;
  /** 'functional' or 'affected' classes are summed into those percentages. */
  role?: 'functional' | 'affected';
}

/** Lung CT Analyzer's default thresholds. */
export const DEFAULT_HU_CLASSES: readonly HuClassDefinition[] = [
  { name: 'emphysema', loHu: -1050, hiHu: -950 },
  { name: 'inflated', loHu: -950, hiHu: -750, role: 'functional' },
  { name: 'infiltrated', loHu: -750, hiHu: -400, role: 'affected' },
  { name: 'collapsed', loHu: -400, hiHu: 0, role: 'affected' },
  { name: 'vessels', loHu: 0, hiHu: 3000 },
];

export interface LabelCodes {
  right: number;
  left: number;
  airway: number;
}

export const DEFAULT_LABEL_CODES: LabelCodes = { right: RIGHT_LUNG_LABEL, left: LEFT_LUNG_LABEL, airway: AIRWAY_LABEL };

/** Which voxels are which: a label volume on the HU grid, or binary runs per label. */
export type DensitometryInput =
  | { labels: Uint8Array; codes?: LabelCodes }
  | { runs: { right: RunSet; left: RunSet; airway?: RunSet | null } };

export interface DensitometryParams {
  /** Name of the lung mask the labels come from, echoed in the result (e.g. 'lung-fill'). */
  lungMask?: string;
  classes?: readonly HuClassDefinition[];
  /** ConvolutionKernel (0018,1210) as text (values separated by '\'), or null when unknown. */
  convolutionKernel?: string | null;
  /** SliceThickness (0018,0050) in mm, or null when unknown. */
  sliceThicknessMm?: number | null;
  /** ContrastBolusAgent (0018,0010) as text, or null / '' when absent. */
  contrastBolusAgent?: string | null;
  /** Expected tracheal air (HU). Default −1000. */
  expectedAirHu?: number;
  /** Largest accepted |median tracheal HU − expected| (HU). Default 30. */
  airToleranceHu?: number;
  /** Thickest slice (mm) that does not warn. Default 1.5. */
  maxSliceThicknessMm?: number;
}

export interface DensitometryMeasures {
  voxels: number;
  volumeMl: number;
  massG: number;
  laa950: number | null;
  laa910: number | null;
  laa856: number | null;
  haa700: number | null;
  haa600: number | null;
  haa500: number | null;
  haa250: number | null;
  perc10: number | null;
  perc15: number | null;
  meanHu: number | null;
  stdHu: number | null;
  medianHu: number | null;
}

export const REGION_NAMES = [
  'rightUpper', 'rightMiddle', 'rightLower', 'leftUpper', 'leftMiddle', 'leftLower',
  'rightVentral', 'rightDorsal', 'leftVentral', 'leftDorsal',
] as const;
export type RegionName = (typeof REGION_NAMES)[number];

export interface HuClassMeasure {
  name: string;
  loHu: number;
  hiHu: number;
  voxels: number;
  volumeMl: number;
  /** % of the set's voxels (null for an empty set). */
  percent: number | null;
}

export interface HuClassSummary {
  classes: HuClassMeasure[];
  unclassified: { voxels: number; volumeMl: number; percent: number | null };
  functionalPercent: number | null;
  affectedPercent: number | null;
}

export interface QaItem {
  code: string;
  level: 'warning' | 'note';
  message: string;
  why: string;
}

export interface DensitometryResult {
  lungMask: string;
  whole: DensitometryMeasures;
  right: DensitometryMeasures;
  left: DensitometryMeasures;
  regions: Record<RegionName, DensitometryMeasures>;
  classes: { whole: HuClassSummary; right: HuClassSummary; left: HuClassSummary };
  /** Tracheal air: airway voxels and their median HU (null without airway). */
  airway: { voxels: number; medianHu: number | null };
  /** Each lung's patient extents (LPS mm of voxel centres) the regions are cut from; null for an empty lung. */
  extentsMm: { right: LungExtent | null; left: LungExtent | null };
  qa: QaItem[];
}

export interface LungExtent {
  zMin: number;
  zMax: number;
  yMin: number;
  yMax: number;
}

const BINS = 65536;
const OFFSET = 32768;

/** One HU histogram (1-HU bins over the int16 range) with its occupied bin range. */
class Histogram {
  readonly counts = new Uint32Array(BINS);
  n = 0;
  lo = BINS;
  hi = -1;

  /** Note that bins lo..hi (inclusive) may be occupied. */
  widen(lo: number, hi: number): void {
    if (lo < this.lo) this.lo = lo;
    if (hi > this.hi) this.hi = hi;
  }

  static sum(parts: Histogram[]): Histogram {
    const out = new Histogram();
    for (const p of parts) {
      if (p.n === 0) continue;
      out.widen(p.lo, p.hi);
      out.n += p.n;
      for (let b = p.lo; b <= p.hi; b++) out.counts[b] += p.counts[b];
    }
    return out;
  }

  /** The k-th smallest value (0-based) as HU. */
  kth(k: number): number {
    let seen = 0;
    for (let b = this.lo; b <= this.hi; b++) {
      seen += this.counts[b];
      if (seen > k) return b - OFFSET;
    }
    throw new RangeError(`rank ${k} beyond ${this.n} values`);
  }

  /** numpy.percentile(values, q) with the default 'linear' method. */
  percentile(q: number): number {
    const virtual = (this.n - 1) * (q / 100);
    if (virtual >= this.n - 1) return this.kth(this.n - 1);
    const prev = Math.floor(virtual);
    const t = virtual - prev;
    const a = this.kth(prev);
    const b = this.kth(prev + 1);
    const diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  /** numpy.median. */
  median(): number {
    const n = this.n;
    if (n % 2 === 1) return this.kth((n - 1) / 2);
    return (this.kth(n / 2 - 1) + this.kth(n / 2)) / 2;
  }

  /** Voxels with HU ≤ t. */
  atMost(t: number): number {
    let c = 0;
    const top = Math.min(this.hi, t + OFFSET);
    for (let b = this.lo; b <= top; b++) c += this.counts[b];
    return c;
  }

  /** Voxels with lo < HU ≤ hi. */
  between(lo: number, hi: number): number {
    return this.atMost(hi) - this.atMost(lo);
  }
}

function percentOf(count: number, n: number): number | null {
  return n === 0 ? null : (count / n) * 100;
}

function measuresOf(h: Histogram, voxelMl: number): DensitometryMeasures {
  const n = h.n;
  let sum = 0;
  let massSum = 0;
  for (let b = h.lo; b <= h.hi; b++) {
    const c = h.counts[b];
    if (c === 0) continue;
    const hu = b - OFFSET;
    sum += c * hu;
    if (hu > -1000) massSum += c * (hu + 1000);
  }
  const base = { voxels: n, volumeMl: n * voxelMl, massG: (voxelMl * massSum) / 1000 };
  if (n === 0) {
    return {
      ...base, laa950: null, laa910: null, laa856: null, haa700: null, haa600: null, haa500: null, haa250: null,
      perc10: null, perc15: null, meanHu: null, stdHu: null, medianHu: null,
    };
  }
  const mean = sum / n;
  let ss = 0;
  for (let b = h.lo; b <= h.hi; b++) {
    const c = h.counts[b];
    if (c === 0) continue;
    const d = b - OFFSET - mean;
    ss += c * d * d;
  }
  const atLeast = (t: number) => n - h.atMost(t - 1);
  return {
    ...base,
    laa950: percentOf(h.atMost(-950), n),
    laa910: percentOf(h.atMost(-910), n),
    laa856: percentOf(h.atMost(-856), n),
    haa700: percentOf(atLeast(-700), n),
    haa600: percentOf(atLeast(-600), n),
    haa500: percentOf(atLeast(-500), n),
    haa250: percentOf(atLeast(-250), n),
    perc10: h.percentile(10),
    perc15: h.percentile(15),
    meanHu: mean,
    stdHu: Math.sqrt(ss / n),
    medianHu: h.median(),
  };
}

function classesOf(h: Histogram, voxelMl: number, defs: readonly HuClassDefinition[]): HuClassSummary {
  const n = h.n;
  let classified = 0;
  let functional = 0;
  let affected = 0;
  const classes = defs.map((d) => {
    const c = h.between(d.loHu, d.hiHu);
    classified += c;
    if (d.role === 'functional') functional += c;
    if (d.role === 'affected') affected += c;
    return { name: d.name, loHu: d.loHu, hiHu: d.hiHu, voxels: c, volumeMl: c * voxelMl, percent: percentOf(c, n) };
  });
  const un = n - classified;
  return {
    classes,
    unclassified: { voxels: un, volumeMl: un * voxelMl, percent: percentOf(un, n) },
    functionalPercent: percentOf(functional, n),
    affectedPercent: percentOf(affected, n),
  };
}

/** Check that class intervals do not overlap (a voxel must count once). */
function checkClasses(defs: readonly HuClassDefinition[]): void {
  const sorted = [...defs].sort((a, b) => a.loHu - b.loHu);
  for (let k = 0; k < sorted.length; k++) {
    const d = sorted[k];
    if (!(d.hiHu > d.loHu)) throw new RangeError(`HU class ${d.name}: upper bound ${d.hiHu} not above lower bound ${d.loHu}`);
    if (k > 0 && d.loHu < sorted[k - 1].hiHu) throw new RangeError(`HU classes ${sorted[k - 1].name} and ${d.name} overlap`);
  }
}

/** Linear patient coordinate along rows: value at (x, y, z) = base(y, z) + perX * x. */
interface Axis {
  o: number;
  perX: number;
  perY: number;
  perZ: number;
}

function patientAxis(g: VolumeGeometry, k: 1 | 2): Axis {
  const [sx, sy, sz] = g.spacingMmXyz;
  const [dx, dy, dz] = g.directionXyz;
  return { o: g.originMm[k], perX: dx[k] * sx, perY: dy[k] * sy, perZ: dz[k] * sz };
}

function extentOf(runs: RunSet, az: Axis, ay: Axis): LungExtent | null {
  const { ny, nz, rowStart, x0, x1 } = runs;
  let zMin = Infinity;
  let zMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      const bz = az.o + az.perY * y + az.perZ * z;
      const by = ay.o + ay.perY * y + ay.perZ * z;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        // Linear along the row: the extremes are at the run's ends.
        const za = bz + az.perX * x0[k];
        const zb = bz + az.perX * (x1[k] - 1);
        const ya = by + ay.perX * x0[k];
        const yb = by + ay.perX * (x1[k] - 1);
        zMin = Math.min(zMin, za, zb);
        zMax = Math.max(zMax, za, zb);
        yMin = Math.min(yMin, ya, yb);
        yMax = Math.max(yMax, ya, yb);
      }
    }
  }
  return zMin === Infinity ? null : { zMin, zMax, yMin, yMax };
}

/** Third of a centre at patient z: 0 lower, 1 middle, 2 upper. */
function thirdOf(pz: number, zMin: number, h: number): number {
  const s = 3 * (pz - zMin);
  return s >= 2 * h - BOUNDARY_TOLERANCE_MM ? 2 : s >= h - BOUNDARY_TOLERANCE_MM ? 1 : 0;
}

/** Half of a centre at patient y: 0 ventral, 1 dorsal. */
function halfOf(py: number, yMin: number, h: number): number {
  return 2 * (py - yMin) >= h - BOUNDARY_TOLERANCE_MM ? 1 : 0;
}

/** Count every voxel of one lung into its third's and its half's histogram. */
function accumulateLung(
  hu: Int16Array,
  runs: RunSet,
  ext: LungExtent,
  az: Axis,
  ay: Axis,
  thirds: Histogram[],
  halves: Histogram[],
): void {
  const { nx, ny, nz, rowStart, x0, x1 } = runs;
  const hz = ext.zMax - ext.zMin;
  const hy = ext.yMax - ext.yMin;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const r = y + z * ny;
      const bz = az.o + az.perY * y + az.perZ * z;
      const by = ay.o + ay.perY * y + ay.perZ * z;
      const rowBase = r * nx;
      for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
        const a = x0[k];
        const e = x1[k] - 1;
        // Positions are linear (monotone) along the row: equal bands at both ends hold the whole run.
        const t0 = thirdOf(bz + az.perX * a, ext.zMin, hz);
        const h0 = halfOf(by + ay.perX * a, ext.yMin, hy);
        const sameThird = t0 === thirdOf(bz + az.perX * e, ext.zMin, hz);
        const sameHalf = h0 === halfOf(by + ay.perX * e, ext.yMin, hy);
        let lo = BINS;
        let hi = -1;
        if (sameThird && sameHalf) {
          const ct = thirds[t0].counts;
          const ch = halves[h0].counts;
          for (let i = rowBase + a; i <= rowBase + e; i++) {
            const b = hu[i] + OFFSET;
            ct[b]++;
            ch[b]++;
            if (b < lo) lo = b;
            if (b > hi) hi = b;
          }
          thirds[t0].widen(lo, hi);
          halves[h0].widen(lo, hi);
          thirds[t0].n += e - a + 1;
          halves[h0].n += e - a + 1;
        } else {
          for (let x = a; x <= e; x++) {
            const b = hu[rowBase + x] + OFFSET;
            const t = thirdOf(bz + az.perX * x, ext.zMin, hz);
            const s = halfOf(by + ay.perX * x, ext.yMin, hy);
            thirds[t].counts[b]++;
            thirds[t].n++;
            thirds[t].widen(b, b);
            halves[s].counts[b]++;
            halves[s].n++;
            halves[s].widen(b, b);
          }
        }
      }
    }
  }
}

function accumulateAll(hu: Int16Array, runs: RunSet, into: Histogram): void {
  const { nx, ny, nz, rowStart, x0, x1 } = runs;
  for (let r = 0; r < ny * nz; r++) {
    const rowBase = r * nx;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      for (let i = rowBase + x0[k]; i < rowBase + x1[k]; i++) {
        const b = hu[i] + OFFSET;
        into.counts[b]++;
        into.widen(b, b);
      }
      into.n += x1[k] - x0[k];
    }
  }
}

/** Siemens B/I/Br/Bl/Qr…: sharp from 50 up; GE, Philips, Canon names of bone / lung / edge kernels. */
export function isSharpKernel(kernel: string): boolean {
  for (const raw of kernel.split('\\')) {
    const k = raw.trim().toUpperCase();
    if (k === '') continue;
    const siemens = /^(?:B|I|Q|BR|BL|BV|HR|QR|IR)(\d{2})/.exec(k);
    if (siemens && Number(siemens[1]) >= 50) return true;
    if (/^(?:BONE|BONEPLUS|LUNG|EDGE)$/.test(k)) return true; // GE
    if (/^(?:D|E|L|YC|YD|YE)$/.test(k)) return true; // Philips sharp / lung filters
    const canon = /^FC(\d{2})/.exec(k);
    if (canon && Number(canon[1]) >= 50) return true; // Canon / Toshiba lung and bone kernels
  }
  return false;
}

function contrastNamed(agent: string | null | undefined): string | null {
  if (agent == null) return null;
  const t = agent.trim();
  if (t === '' || /^(?:NONE|NO|N|0)$/i.test(t)) return null;
  return t;
}

function qualityChecks(
  p: DensitometryParams,
  airway: { voxels: number; medianHu: number | null },
  sets: Array<[string, DensitometryMeasures]>,
  unclassified: number,
  classCount: number,
): QaItem[] {
  const qa: QaItem[] = [];
  const expected = p.expectedAirHu ?? -1000;
  const tol = p.airToleranceHu ?? 30;
  const calibrationWhy = 'Densitometry thresholds (−950, −856 HU…) assume air at −1000 HU; a scanner calibration off by a few tens of HU moves LAA and percentiles by much more than real disease does.';
  if (airway.medianHu === null) {
    qa.push({ code: 'trachea-missing', level: 'note', message: 'No airway voxels: the tracheal air calibration could not be checked.', why: calibrationWhy });
  } else if (Math.abs(airway.medianHu - expected) > tol) {
    qa.push({
      code: 'trachea-air-off',
      level: 'warning',
      message: `Median HU in the trachea is ${airway.medianHu} (expected ${expected} ± ${tol}).`,
      why: calibrationWhy,
    });
  }
  const kernel = p.convolutionKernel?.trim() ?? '';
  if (kernel === '') {
    qa.push({ code: 'kernel-unknown', level: 'note', message: 'Reconstruction kernel unknown.', why: 'A sharp kernel adds noise that raises LAA-950; without the kernel the LAA values cannot be judged.' });
  } else if (isSharpKernel(kernel)) {
    qa.push({
      code: 'kernel-sharp',
      level: 'warning',
      message: `Sharp reconstruction kernel ${kernel}.`,
      why: 'Sharp (bone / lung) kernels add high-frequency noise that pushes voxels below −950 HU: LAA-950 is raised and Perc15 lowered compared with a soft kernel (e.g. Siemens B30f, GE STANDARD).',
    });
  }
  const maxT = p.maxSliceThicknessMm ?? 1.5;
  const thick = p.sliceThicknessMm;
  if (thick == null || !Number.isFinite(thick)) {
    qa.push({ code: 'thickness-unknown', level: 'note', message: 'Slice thickness unknown.', why: 'Thick slices average lung with vessels and walls (partial volume); without the thickness the LAA values cannot be judged.' });
  } else if (thick > maxT) {
    qa.push({
      code: 'thickness-thick',
      level: 'warning',
      message: `Slice thickness ${thick} mm (more than ${maxT} mm).`,
      why: 'Partial volume in thick slices averages emphysema with surrounding tissue: LAA is underestimated and the histogram narrowed.',
    });
  }
  const agent = contrastNamed(p.contrastBolusAgent);
  if (agent !== null) {
    qa.push({
      code: 'contrast',
      level: 'warning',
      message: `Contrast agent given (${agent}).`,
      why: 'Contrast raises the HU of blood in vessels and perfused lung: vessel volume, HAA and mean HU are higher than without contrast.',
    });
  }
  if (unclassified > 0) {
    qa.push({
      code: 'hu-outside-classes',
      level: 'warning',
      message: `${unclassified} lung voxels lie in none of the ${classCount} HU classes.`,
      why: 'They are counted as unclassified, so the class percentages do not add up to 100; usually padding or metal inside the mask.',
    });
  }
  for (const [name, m] of sets) {
    if (m.voxels === 0) {
      qa.push({ code: 'empty-set', level: 'warning', message: `No voxels in ${name}.`, why: 'Its measures are null; the labels may lack that lung.' });
    }
  }
  return qa;
}

/**
 * Binary runs of the right lung, left lung and airway codes of a label
 * volume, in one pass over its bytes. Rows are read four labels at a time
 * as 32-bit words when the row starts 4-byte aligned: a zero word (most of
 * a chest) ends the current run and costs one read.
 */
export function labelRunSets(labels: Uint8Array, dims: GridDims, codes: LabelCodes): { right: RunSet; left: RunSet; airway: RunSet } {
  const { nx, ny, nz } = dims;
  if (labels.length !== nx * ny * nz) throw new RangeError(`labels have ${labels.length} voxels, grid ${nx}×${ny}×${nz} needs ${nx * ny * nz}`);
  const builders = [new RunBuilder(dims, false), new RunBuilder(dims, false), new RunBuilder(dims, false)];
  const slot = new Int8Array(256).fill(-1);
  slot[codes.right] = 0;
  slot[codes.left] = 1;
  slot[codes.airway] = 2;
  const words = labels.byteOffset % 4 === 0 ? new Uint32Array(labels.buffer, labels.byteOffset, labels.length >> 2) : null;
  const rows = ny * nz;
  for (let r = 0; r < rows; r++) {
    const base = r * nx;
    let cur = 0;
    let start = 0;
    let x = 0;
    while (x < nx) {
      if (words !== null && ((base + x) & 3) === 0 && x + 4 <= nx && words[(base + x) >> 2] === 0) {
        if (cur !== 0) {
          if (slot[cur] >= 0) builders[slot[cur]].push(start, x);
          cur = 0;
        }
        x += 4;
        continue;
      }
      const v = labels[base + x];
      if (v !== cur) {
        if (cur !== 0 && slot[cur] >= 0) builders[slot[cur]].push(start, x);
        cur = v;
        start = x;
      }
      x++;
    }
    if (cur !== 0 && slot[cur] >= 0) builders[slot[cur]].push(start, nx);
    for (const b of builders) b.endRow(r);
  }
  const [right, left, airway] = builders.map((b) => b.finish());
  return { right, left, airway };
}

/**
 * Densitometry of the lungs in `hu` (on grid `geometry`), labelled by
 * `input`. See the header for the definitions.
 */
export function densitometry(
  hu: Int16Array,
  geometry: VolumeGeometry,
  input: DensitometryInput,
  params: DensitometryParams = {},
): DensitometryResult {
  const { nx, ny, nz } = geometry;
  if (hu.length !== nx * ny * nz) throw new RangeError(`HU has ${hu.length} voxels, grid ${nx}×${ny}×${nz} needs ${nx * ny * nz}`);
  const classDefs = params.classes ?? DEFAULT_HU_CLASSES;
  checkClasses(classDefs);
  let right: RunSet;
  let left: RunSet;
  let airway: RunSet | null;
  if ('labels' in input) {
    const codes = input.codes ?? DEFAULT_LABEL_CODES;
    if (new Set([codes.right, codes.left, codes.airway]).size !== 3 || [codes.right, codes.left, codes.airway].some((c) => !(c >= 1 && c <= 255))) {
      throw new RangeError('label codes must be three different values 1..255');
    }
    ({ right, left, airway } = labelRunSets(input.labels, geometry, codes));
  } else {
    for (const r of [input.runs.right, input.runs.left, input.runs.airway]) {
      if (r && (r.nx !== nx || r.ny !== ny || r.nz !== nz)) throw new RangeError('runs and HU are on different grids');
    }
    right = input.runs.right;
    left = input.runs.left;
    airway = input.runs.airway ?? null;
  }
  const az = patientAxis(geometry, 2);
  const ay = patientAxis(geometry, 1);
  const voxelMl = voxelVolumeMm3(geometry) / 1000;

  const lungs = [right, left].map((runs) => {
    const ext = extentOf(runs, az, ay);
    const thirds = [new Histogram(), new Histogram(), new Histogram()];
    const halves = [new Histogram(), new Histogram()];
    if (ext) accumulateLung(hu, runs, ext, az, ay, thirds, halves);
    return { ext, thirds, halves, all: Histogram.sum(thirds) };
  });
  const [r, l] = lungs;
  const whole = Histogram.sum([r.all, l.all]);
  const airwayHist = new Histogram();
  if (airway) accumulateAll(hu, airway, airwayHist);

  const m = (h: Histogram) => measuresOf(h, voxelMl);
  const regions: Record<RegionName, DensitometryMeasures> = {
    rightUpper: m(r.thirds[2]),
    rightMiddle: m(r.thirds[1]),
    rightLower: m(r.thirds[0]),
    leftUpper: m(l.thirds[2]),
    leftMiddle: m(l.thirds[1]),
    leftLower: m(l.thirds[0]),
    rightVentral: m(r.halves[0]),
    rightDorsal: m(r.halves[1]),
    leftVentral: m(l.halves[0]),
    leftDorsal: m(l.halves[1]),
  };
  const result: Omit<DensitometryResult, 'qa'> = {
    lungMask: params.lungMask ?? 'labels',
    whole: m(whole),
    right: m(r.all),
    left: m(l.all),
    regions,
    classes: {
      whole: classesOf(whole, voxelMl, classDefs),
      right: classesOf(r.all, voxelMl, classDefs),
      left: classesOf(l.all, voxelMl, classDefs),
    },
    airway: { voxels: airwayHist.n, medianHu: airwayHist.n > 0 ? airwayHist.median() : null },
    extentsMm: { right: r.ext, left: l.ext },
  };
  // An empty lung is named once, not with each of its five regions.
  const lungHasVoxels = (n: RegionName) => (n.startsWith('right') ? result.right : result.left).voxels > 0;
  const sets: Array<[string, DensitometryMeasures]> = [
    ['the right lung', result.right],
    ['the left lung', result.left],
    ...REGION_NAMES.filter(lungHasVoxels).map((n): [string, DensitometryMeasures] => [`region ${n}`, regions[n]]),
  ];
  const qa = qualityChecks(params, result.airway, sets, result.classes.whole.unclassified.voxels, classDefs.length);
  return { ...result, qa };
}

export interface DensitometryCsvRow {
  region: string;
  measure: string;
  value: number | null;
  unit: string;
}

const MEASURE_UNITS: Array<[keyof DensitometryMeasures, string]> = [
  ['voxels', 'voxels'], ['volumeMl', 'mL'], ['massG', 'g'],
  ['laa950', '%'], ['laa910', '%'], ['laa856', '%'],
  ['haa700', '%'], ['haa600', '%'], ['haa500', '%'], ['haa250', '%'],
  ['perc10', 'HU'], ['perc15', 'HU'], ['meanHu', 'HU'], ['stdHu', 'HU'], ['medianHu', 'HU'],
];

/**
 * Tidy rows (region, measure, value, unit): every measure of every set, the
 * HU classes of the whole lung and each lung (mL and %, unclassified,
 * functional and affected %), and the tracheal air. No QA (it is text).
 */
export function densitometryCsvRows(result: DensitometryResult): DensitometryCsvRow[] {
  const rows: DensitometryCsvRow[] = [];
  const sets: Array<[string, DensitometryMeasures]> = [
    ['whole', result.whole],
    ['right', result.right],
    ['left', result.left],
    ...REGION_NAMES.map((n): [string, DensitometryMeasures] => [n, result.regions[n]]),
  ];
  for (const [region, m] of sets) for (const [k, unit] of MEASURE_UNITS) rows.push({ region, measure: k, value: m[k], unit });
  for (const region of ['whole', 'right', 'left'] as const) {
    const c = result.classes[region];
    for (const k of c.classes) {
      rows.push({ region, measure: `${k.name}Ml`, value: k.volumeMl, unit: 'mL' });
      rows.push({ region, measure: `${k.name}Percent`, value: k.percent, unit: '%' });
    }
    rows.push({ region, measure: 'unclassifiedMl', value: c.unclassified.volumeMl, unit: 'mL' });
    rows.push({ region, measure: 'unclassifiedPercent', value: c.unclassified.percent, unit: '%' });
    rows.push({ region, measure: 'functionalPercent', value: c.functionalPercent, unit: '%' });
    rows.push({ region, measure: 'affectedPercent', value: c.affectedPercent, unit: '%' });
  }
  rows.push({ region: 'airway', measure: 'voxels', value: result.airway.voxels, unit: 'voxels' });
  rows.push({ region: 'airway', measure: 'medianHu', value: result.airway.medianHu, unit: 'HU' });
  return rows;
}

/** The rows as CSV text with a header line (empty value for null; full double precision). */
export function densitometryCsv(result: DensitometryResult): string {
  const lines = ['region,measure,value,unit'];
  for (const r of densitometryCsvRows(result)) lines.push(`${r.region},${r.measure},${r.value === null ? '' : String(r.value)},${r.unit}`);
  return `${lines.join('\n')}\n`;
}
