/**
 * Encapsulated Pixel Data -> one byte array per frame.
 *
 * Variant: PS3.5 A.4. The fragments (items after the Basic Offset Table) are
 * assigned to frames with, in order of preference: the Extended Offset Table
 * (7FE0,0001) when present, the Basic Offset Table when it has one entry per
 * frame, all fragments when there is one frame, one fragment per frame when
 * the counts match, and otherwise the end-of-image marker (FFD9, which ends
 * JPEG, JPEG-LS and JPEG 2000 code streams) at the end of a fragment — the
 * same rule as dicom-parser's createJPEGBasicOffsetTable. Offsets in both
 * tables count from the first byte of the first fragment's item tag.
 *
 * Cost: O(fragments); a frame made of one fragment is a view of the file
 * bytes, a frame of several fragments is copied once into a new array.
 */
import type { Fragment } from 'dicom-parser';
import { DecodeError } from './pixelDecoder';

export interface EncapsulatedPixelData {
  /** The bytes the fragment positions refer to (the data set's byte array). */
  bytes: Uint8Array;
  fragments: readonly Fragment[];
  basicOffsetTable: readonly number[];
  /** Extended Offset Table (7FE0,0001) entries, if the data set has one. */
  extendedOffsetTable?: readonly number[] | null;
}

function join(bytes: Uint8Array, frags: readonly Fragment[]): Uint8Array {
  if (frags.length === 1) return bytes.subarray(frags[0].position, frags[0].position + frags[0].length);
  let total = 0;
  for (const f of frags) total += f.length;
  const out = new Uint8Array(total);
  let p = 0;
  for (const f of frags) {
    out.set(bytes.subarray(f.position, f.position + f.length), p);
    p += f.length;
  }
  return out;
}

/** Fragments grouped by table offsets, or null when the table does not fit the fragments. */
function byOffsets(frags: readonly Fragment[], table: readonly number[], frames: number): Fragment[][] | null {
  if (table.length !== frames) return null;
  const out: Fragment[][] = [];
  let k = 0;
  for (let f = 0; f < frames; f++) {
    const start = table[f];
    const end = f + 1 < frames ? table[f + 1] : Infinity;
    if (k >= frags.length || frags[k].offset !== start || !(end > start)) return null;
    const group: Fragment[] = [];
    while (k < frags.length && frags[k].offset < end) group.push(frags[k++]);
    out.push(group);
  }
  return k === frags.length ? out : null;
}

function endsWithEoi(bytes: Uint8Array, f: Fragment): boolean {
  let e = f.position + f.length;
  // Fragments have even length: an odd code stream carries one pad byte.
  if (e - 1 >= f.position && bytes[e - 1] === 0x00) e--;
  return e - 2 >= f.position && bytes[e - 2] === 0xff && bytes[e - 1] === 0xd9;
}

function byEndMarkers(bytes: Uint8Array, frags: readonly Fragment[]): Fragment[][] {
  const out: Fragment[][] = [];
  let group: Fragment[] = [];
  for (const f of frags) {
    group.push(f);
    if (endsWithEoi(bytes, f)) {
      out.push(group);
      group = [];
    }
  }
  if (group.length) out.push(group);
  return out;
}

/** The encoded bytes of each frame; throws a DecodeError when the fragments cannot be split into `frames` frames. */
export function encapsulatedFrames(px: EncapsulatedPixelData, frames: number): Uint8Array[] {
  const { bytes, fragments } = px;
  if (fragments.length === 0) throw new DecodeError('encapsulated Pixel Data has no fragments');
  for (const f of fragments) {
    if (f.position + f.length > bytes.length) {
      throw new DecodeError(`truncated file: a Pixel Data fragment declares ${f.length} bytes but only ${Math.max(0, bytes.length - f.position)} are present`);
    }
  }
  if (frames === 1) return [join(bytes, fragments)];
  const groups =
    (px.extendedOffsetTable ? byOffsets(fragments, px.extendedOffsetTable, frames) : null) ??
    byOffsets(fragments, px.basicOffsetTable, frames) ??
    (fragments.length === frames ? fragments.map((f) => [f]) : null) ??
    byEndMarkers(bytes, fragments);
  if (groups.length !== frames) {
    throw new DecodeError(
      `cannot tell which of the ${fragments.length} Pixel Data fragments belong to which of the ${frames} frames ` +
      `(Basic Offset Table with ${px.basicOffsetTable.length} entries, ${groups.length} code streams found)`,
    );
  }
  return groups.map((g) => join(bytes, g));
}
