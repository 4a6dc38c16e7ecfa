/**
 * lungview's structures against another tool's, label by label: which
 * segment of the other matches which of lungview's, and compareMasks.ts's
 * Dice, volume difference and surface distances for each pair.
 *
 * Matching: a segment is a structure by its SNOMED CT type code (3341006
 * right lung, 44029006 left lung, 44567001 trachea, 39607008 lung) or else
 * by its name (case and separators ignored: "right lung", "lung_right",
 * "Lung, right"; a right or left lobe, e.g. TotalSegmentator's
 * "lung_upper_lobe_right", counts toward that lung and lobes are joined;
 * "airway", "trachea"; "lung", "lungs"; "internal structures"; "GK
 * structures"). Rows, in this order, for each structure both sides have:
 * right lung, left lung, whole lung (a side's "lung" segment, else the
 * union of its right and left lungs), airway, internal structures, GK
 * structures. Segments of the other that match nothing are listed.
 *
 * Cost: one compareMasks per row, plus a union mask per side for the whole
 * lung (one byte per voxel).
 */
import { compareMasks, type CompareGrid, type MaskComparison } from './compareMasks';

export interface NamedMask {
  name: string;
  code?: { value: string; scheme: string } | null;
  /** 0/1 (or any nonzero) per voxel. */
  mask: Uint8Array;
}

export type Structure = 'rightLung' | 'leftLung' | 'lung' | 'airway' | 'internal' | 'gk';

export const STRUCTURE_LABELS: Record<Structure, string> = {
  rightLung: 'Right lung',
  leftLung: 'Left lung',
  lung: 'Whole lung',
  airway: 'Airway',
  internal: 'Internal structures',
  gk: 'GK structures',
};

const ROW_ORDER: readonly Structure[] = ['rightLung', 'leftLung', 'lung', 'airway', 'internal', 'gk'];

const CODES: Record<string, Structure> = {
  '3341006': 'rightLung',
  '44029006': 'leftLung',
  '39607008': 'lung',
  '44567001': 'airway',
};

/** The structure a segment is, by code then name, or null. */
export function structureOf(s: Pick<NamedMask, 'name' | 'code'>): Structure | null {
  if (s.code && (s.code.scheme === 'SCT' || s.code.scheme === 'SRT') && CODES[s.code.value]) {
    // lungview's internal and GK structures share one code (soft tissue): their names tell them apart.
    return CODES[s.code.value];
  }
  const words = s.name.toLowerCase().replace(/[^a-z]+/g, ' ').trim();
  const has = (w: string) => new RegExp(`\\b${w}\\b`).test(words);
  if (has('internal') && has('structures')) return 'internal';
  if (has('gk')) return 'gk';
  if (has('airway') || has('airways') || has('trachea')) return 'airway';
  if (has('lung') || has('lungs') || has('lobe')) {
    if (has('right')) return 'rightLung';
    if (has('left')) return 'leftLung';
    return 'lung';
  }
  return null;
}

export interface ComparisonRow {
  structure: Structure;
  label: string;
  /** lungview's segment(s) and the other's, by name ("Right lung + Left lung" for a union). */
  ours: string;
  theirs: string;
  result: MaskComparison;
}

export interface SegmentationComparison {
  rows: ComparisonRow[];
  /** The other's segments that match none of lungview's. */
  unmatched: string[];
}

interface Side {
  names: Map<Structure, string[]>;
  masks: Map<Structure, Uint8Array>;
}

function union(masks: readonly Uint8Array[]): Uint8Array {
  if (masks.length === 1) return masks[0];
  const out = new Uint8Array(masks[0].length);
  for (const m of masks) for (let i = 0; i < m.length; i++) if (m[i]) out[i] = 1;
  return out;
}

function sideOf(segments: readonly NamedMask[]): Side {
  const groups = new Map<Structure, NamedMask[]>();
  for (const s of segments) {
    const k = structureOf(s);
    if (!k) continue;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const names = new Map<Structure, string[]>();
  const masks = new Map<Structure, Uint8Array>();
  for (const [k, list] of groups) {
    names.set(k, list.map((s) => s.name));
    masks.set(k, union(list.map((s) => s.mask)));
  }
  // The whole lung: the side's own "lung" segment, else right ∪ left.
  if (!masks.has('lung') && masks.has('rightLung') && masks.has('leftLung')) {
    masks.set('lung', union([masks.get('rightLung')!, masks.get('leftLung')!]));
    names.set('lung', [...names.get('rightLung')!, ...names.get('leftLung')!]);
  }
  return { names, masks };
}

/** Rows for every structure both sides have (see the header). `ours` is the reference (volume differences are theirs − ours). */
export function compareSegmentations(ours: readonly NamedMask[], theirs: readonly NamedMask[], g: CompareGrid): SegmentationComparison {
  const a = sideOf(ours);
  const b = sideOf(theirs);
  const rows: ComparisonRow[] = [];
  for (const k of ROW_ORDER) {
    const ma = a.masks.get(k);
    const mb = b.masks.get(k);
    if (!ma || !mb) continue;
    rows.push({
      structure: k,
      label: STRUCTURE_LABELS[k],
      ours: a.names.get(k)!.join(' + '),
      theirs: b.names.get(k)!.join(' + '),
      result: compareMasks(ma, mb, g),
    });
  }
  const matched = new Set(rows.map((r) => r.structure));
  // A right or left lung that only went into the whole lung counts as matched.
  const used = (k: Structure) => matched.has(k) || ((k === 'rightLung' || k === 'leftLung') && matched.has('lung'));
  const unmatched = theirs.filter((s) => {
    const k = structureOf(s);
    return k === null || !used(k);
  }).map((s) => s.name);
  return { rows, unmatched };
}
