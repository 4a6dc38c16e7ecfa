/**
 * Readers of one header element's value (text, DS/IS numbers, US/UL words,
 * vectors, the first item of a sequence), bounded: they read only as far as
 * they need and never past the data set.
 */
import type { DataSet, Element } from './dicomParserLib';

/** Longest text read from a header element: no field read here is valid beyond this (LO 64, UI 64, CS 16 characters). */
const MAX_TEXT = 1024;
/** Longest single numeric value read (DS has at most 16 characters, IS 12). */
const MAX_NUMBER_TEXT = 64;

/**
 * Where an element's value lies: [start, end) of the data set's bytes; null
 * when absent, empty or running past the end. str and num read from here up
 * to the first NUL (as dicom-parser's readFixedString does) and only as far
 * as they need, rather than with dicom-parser's string(), which builds the
 * whole value a character at a time and splits it: time and memory a length
 * field could multiply (once per frame).
 */
function textRange(ds: DataSet | null, tag: string): [Uint8Array, number, number] | null {
  const el = ds?.elements[tag];
  if (!ds || !el || !(el.length > 0) || el.dataOffset + el.length > ds.byteArray.length) return null;
  return [ds.byteArray as Uint8Array, el.dataOffset, el.dataOffset + el.length];
}

export function str(ds: DataSet, tag: string): string {
  const r = textRange(ds, tag);
  if (!r) return '';
  const [b, start, end] = r;
  let s = '';
  for (let i = start; i < end && i < start + MAX_TEXT && b[i] !== 0; i++) s += String.fromCharCode(b[i]);
  return s.trim();
}

/** The index-th backslash-separated value of a DS or IS element as a finite number, or null. */
export function num(ds: DataSet | null, tag: string, index = 0): number | null {
  const r = textRange(ds, tag);
  if (!r) return null;
  const [b, start, end] = r;
  let p = start;
  for (let k = 0; k < index; k++) {
    while (p < end && b[p] !== 0x5c && b[p] !== 0) p++;
    if (p >= end || b[p] === 0) return null;
    p++;
  }
  let q = p;
  while (q < end && b[q] !== 0x5c && b[q] !== 0 && q - p <= MAX_NUMBER_TEXT) q++;
  if (q - p > MAX_NUMBER_TEXT) return null;
  let s = '';
  for (let i = p; i < q; i++) s += String.fromCharCode(b[i]);
  const v = parseFloat(s.trim());
  return Number.isFinite(v) ? v : null;
}

export function intStr(ds: DataSet, tag: string): number | null {
  const v = num(ds, tag);
  return v === null ? null : Math.round(v);
}

export function us(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2 || el.dataOffset + 2 > ds.byteArray.length) return null;
  try {
    return ds.uint16(tag) ?? null;
  } catch {
    return null;
  }
}

export function ul(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 4 || el.dataOffset + 4 > ds.byteArray.length) return null;
  try {
    return ds.uint32(tag) ?? null;
  } catch {
    return null;
  }
}

export function vec(ds: DataSet | null, tag: string, n: number): number[] | null {
  if (!ds || !ds.elements[tag]) return null;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = num(ds, tag, i);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

export function firstItem(ds: DataSet | null, seqTag: string): DataSet | null {
  const el: Element | undefined = ds?.elements[seqTag];
  return el?.items?.[0]?.dataSet ?? null;
}
