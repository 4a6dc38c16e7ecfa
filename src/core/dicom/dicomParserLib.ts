/**
 * The dicom-parser library, loaded the same way under Vite (browser, worker)
 * and Node (tsx, Vitest), and a guarded way to run it on one data set.
 *
 * The package is a UMD bundle: bundlers expose its exports directly, Node's
 * ESM loader puts them under `default`.
 *
 * dicom-parser reads nested sequences by recursion and has no depth limit,
 * so a file of sequences nested thousands deep (16 bytes a level) exhausts
 * the call stack, at a depth that depends on the caller's own stack (so the
 * same file could fail in one worker and not in another). It also builds a
 * JavaScript object for every element, item and fragment: an item of
 * undefined length is 16 bytes of file but about 400 bytes of heap, so 100 MB
 * of empty items would take gigabytes. scanDataSet therefore walks the data
 * set first, iteratively, taking exactly the decisions dicom-parser 1.8
 * takes (explicit/implicit element headers, sequences of defined and
 * undefined length, items, delimiters, the implicit VR sequence guess, UN of
 * undefined length read as implicit VR, encapsulated Pixel Data, the scan for
 * an item delimiter), and reports how deep the sequences go and how many
 * elements, items and fragments there are; parseDataSet refuses a data set
 * beyond its limits before dicom-parser sees it. The walk stops where
 * dicom-parser would throw.
 *
 * Cost: the walk is O(elements + bytes scanned for delimiters), no
 * allocation but its stack of open sequences (at most maxDepth + 1 entries);
 * dicom-parser itself indexes the elements without copying the bytes.
 */
import * as dicomParserNs from 'dicom-parser';
import type { ByteArrayParser, ByteStream, DataSet } from 'dicom-parser';

type DicomParser = typeof dicomParserNs;

const maybeDefault = (dicomParserNs as unknown as { default?: DicomParser }).default;

export const dicomParser: DicomParser =
  maybeDefault && typeof maybeDefault.parseDicom === 'function' ? maybeDefault : dicomParserNs;

export type { DataSet, Element } from 'dicom-parser';

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
/** VRs whose explicit header has a 4-byte length, as dicom-parser 1.8 decides it. */
const LONG_VRS = new Set(['OB', 'OD', 'OL', 'OW', 'SQ', 'OF', 'UC', 'UR', 'UT', 'UN']);

/** Thrown inside the walk where dicom-parser would throw: the walk ends there. */
class Stop extends Error {}

/** Thrown when the walk has met more than maxElements elements, items and fragments. */
class TooMany extends Error {}

interface SetFrame {
  set: true;
  explicit: boolean;
  /** End of a defined-length item (or of the data set); -1 for an item of undefined length. */
  max: number;
  /** Tag of the last element read in this set (an item of undefined length ends after FFFE,E00D). */
  lastTag: number;
}

interface SequenceFrame {
  set: false;
  /** Items are read with explicit VR headers. */
  explicit: boolean;
  /** End of a defined-length sequence; -1 for undefined length. */
  max: number;
}

export interface ScanLimits {
  /** Deepest sequence nesting allowed. */
  maxDepth: number;
  /** Most elements + items + fragments allowed. */
  maxElements: number;
}

export interface DataSetScan {
  /** Deepest sequence nesting reached (maxDepth + 1 when the walk stopped for depth). */
  depth: number;
  /** Elements, items and fragments read (maxElements + 1 when the walk stopped for that). */
  elements: number;
}

/**
 * What dicom-parser would build reading `bytes` as one data set from offset
 * 0 (explicit or implicit VR, little or big endian), stopping at the
 * top-level element `untilTag` if given: how deep its sequences nest and how
 * many elements, items and fragments it has. Stops as soon as a limit is passed.
 */
export function scanDataSet(bytes: Uint8Array, explicit: boolean, bigEndian: boolean, limits: ScanLimits, untilTag?: number): DataSetScan {
  const limit = limits.maxDepth;
  const maxElements = limits.maxElements;
  let elements = 0;
  const n = bytes.length;
  const le = !bigEndian;
  const u16 = (p: number): number => {
    if (p < 0 || p + 2 > n) throw new Stop();
    return le ? bytes[p] | (bytes[p + 1] << 8) : (bytes[p] << 8) | bytes[p + 1];
  };
  const u32 = (p: number): number => {
    if (p < 0 || p + 4 > n) throw new Stop();
    return le
      ? (bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) + bytes[p + 3] * 0x1000000
      : bytes[p] * 0x1000000 + ((bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]);
  };
  const tagAt = (p: number): number => u16(p) * 0x10000 + u16(p + 2);
  /** readFixedString(2): the characters up to the first NUL. */
  const vrAt = (p: number): string => {
    if (p + 2 > n) throw new Stop();
    if (bytes[p] === 0) return '';
    if (bytes[p + 1] === 0) return String.fromCharCode(bytes[p]);
    return String.fromCharCode(bytes[p], bytes[p + 1]);
  };

  let pos = 0;
  let depth = 0;
  let deepest = 0;
  const stack: Array<SetFrame | SequenceFrame> = [{ set: true, explicit, max: n, lastTag: -1 }];

  /** findItemDelimitationItemAndSetElementLength: 2-byte steps to FFFE,E00D or the end. */
  const scanToItemDelimiter = () => {
    const last = n - 8;
    while (pos <= last) {
      const group = u16(pos);
      pos += 2;
      if (group === 0xfffe) {
        const element = u16(pos);
        pos += 2;
        if (element === 0xe00d) {
          pos += 4;
          return;
        }
      }
    }
    pos = n;
  };

  /** findEndOfEncapsulatedElement: offset table, then items up to the sequence delimiter. */
  const skipEncapsulated = () => {
    if (tagAt(pos) !== ITEM) throw new Stop();
    const tableLength = u32(pos + 4);
    pos += 8;
    const entries = Math.ceil(tableLength / 4);
    if (pos + 4 * entries > n) throw new Stop();
    pos += 4 * entries;
    while (pos < n) {
      const tag = tagAt(pos);
      const length = u32(pos + 4);
      pos += 8;
      if (tag === SEQUENCE_DELIMITER) {
        pos += length;
        return;
      }
      // A fragment (dicom-parser keeps an unexpected tag as a last fragment too).
      if (++elements > maxElements) throw new TooMany();
      if (tag !== ITEM) {
        pos += Math.min(length, n - pos);
        return;
      }
      pos += length;
    }
  };

  const openSequence = (frame: SequenceFrame): boolean => {
    stack.push(frame);
    depth++;
    if (depth > deepest) deepest = depth;
    return depth > limit;
  };

  try {
    while (stack.length) {
      const frame = stack[stack.length - 1];
      if (!frame.set) {
        // Sequence: its next item, or its end.
        if (frame.max < 0) {
          if (pos + 4 > n) {
            stack.pop();
            depth--;
            continue;
          }
          if (tagAt(pos) === SEQUENCE_DELIMITER) {
            pos += 8;
            stack.pop();
            depth--;
            continue;
          }
        } else if (pos >= frame.max) {
          stack.pop();
          depth--;
          continue;
        }
        if (tagAt(pos) !== ITEM) throw new Stop();
        const length = u32(pos + 4);
        pos += 8;
        if (++elements > maxElements) throw new TooMany();
        if (length === UNDEFINED_LENGTH) {
          stack.push({ set: true, explicit: frame.explicit, max: -1, lastTag: -1 });
        } else {
          if (pos + length > n) throw new Stop();
          stack.push({ set: true, explicit: frame.explicit, max: pos + length, lastTag: -1 });
        }
        continue;
      }

      // Data set (top level or an item): its next element, or its end.
      if (frame.max < 0 ? frame.lastTag === ITEM_DELIMITER || pos >= n : pos >= frame.max) {
        // dicom-parser checks for an overrun after an explicit defined-length data set.
        if (frame.max >= 0 && frame.explicit && pos > frame.max) throw new Stop();
        stack.pop();
        continue;
      }
      const top = stack.length === 1;
      const tag = tagAt(pos);
      frame.lastTag = tag;
      if (++elements > maxElements) throw new TooMany();
      let length: number;
      let vr = '';
      if (frame.explicit) {
        vr = vrAt(pos + 4);
        if (LONG_VRS.has(vr)) {
          length = u32(pos + 8);
          pos += 12;
        } else {
          length = u16(pos + 6);
          pos += 8;
        }
      } else {
        length = u32(pos + 4);
        pos += 8;
      }
      if (top && untilTag !== undefined && tag === untilTag) break;
      const dataOffset = pos;
      if (frame.explicit) {
        if (vr === 'SQ') {
          if (openSequence({ set: false, explicit: true, max: length === UNDEFINED_LENGTH ? -1 : dataOffset + length })) break;
        } else if (length === UNDEFINED_LENGTH) {
          if (tag === PIXEL_DATA) skipEncapsulated();
          else if (vr === 'UN') {
            if (openSequence({ set: false, explicit: false, max: -1 })) break;
          } else scanToItemDelimiter();
        } else {
          pos += length;
        }
      } else {
        // Implicit VR: a sequence when the next tag is an item or a sequence delimiter.
        let sequence = false;
        if (pos + 4 <= n) {
          const next = tagAt(pos);
          sequence = next === ITEM || next === SEQUENCE_DELIMITER;
        }
        const privateGroup = ((tag >>> 16) & 1) === 1;
        if (sequence && (!privateGroup || length === UNDEFINED_LENGTH)) {
          if (openSequence({ set: false, explicit: false, max: length === UNDEFINED_LENGTH ? -1 : dataOffset + length })) break;
        } else if (length === UNDEFINED_LENGTH) {
          scanToItemDelimiter();
        } else {
          pos += length;
        }
      }
    }
  } catch (e) {
    if (e instanceof TooMany) return { depth: deepest, elements: maxElements + 1 };
    if (!(e instanceof Stop)) throw e;
  }
  return { depth: Math.min(deepest, limit + 1), elements };
}

export interface DataSetParseOptions {
  explicit: boolean;
  bigEndian: boolean;
  /** Stop after this top-level element ("xggggeeee"), e.g. Pixel Data for a header-only read. */
  untilTag?: string;
}

type DataSetConstructor = new (parser: ByteArrayParser, byteArray: Uint8Array, elements: DataSet['elements']) => DataSet;

/**
 * Runs dicom-parser on bytes that hold exactly one data set (no preamble or
 * meta group), as its parseDicom does after the meta group. Throws what
 * dicom-parser throws, as { exception, dataSet } with the elements read so far.
 */
export function parseDataSetBytes(bytes: Uint8Array, options: DataSetParseOptions): DataSet {
  const parser = options.bigEndian ? dicomParser.bigEndianByteArrayParser : dicomParser.littleEndianByteArrayParser;
  const Ctor = (dicomParser as unknown as { DataSet: DataSetConstructor }).DataSet;
  const dataSet = new Ctor(parser, bytes, {});
  dataSet.warnings = [];
  try {
    const stream: ByteStream = new dicomParser.ByteStream(parser, bytes, 0);
    dataSet.warnings = stream.warnings;
    const until = options.untilTag === undefined ? undefined : { untilTag: options.untilTag };
    if (options.explicit) dicomParser.parseDicomDataSetExplicit(dataSet, stream, bytes.length, until);
    else dicomParser.parseDicomDataSetImplicit(dataSet, stream, bytes.length, until);
  } catch (e) {
    throw { exception: e, dataSet };
  }
  return dataSet;
}
