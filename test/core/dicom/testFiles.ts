/**
 * Small synthetic DICOM files for unit tests, written with the project's
 * Part-10 writer (explicit VR little endian).
 */
import { writeDicomPart10, type DicomElementSpec } from '../../../src/core/io/dicomWriter';

export interface TestImage {
  rows?: number;
  columns?: number;
  /** Stored words (Uint16Array for unsigned, Int16Array for signed, Uint8Array for 8-bit). */
  pixels: Int16Array | Uint16Array | Uint8Array;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  highBit?: number;
  pixelRepresentation?: 0 | 1;
  slope?: number;
  intercept?: number;
  padding?: { value: number; vr: 'US' | 'SS'; rangeLimit?: number };
  seriesUid?: string;
  frameOfReferenceUid?: string;
  sopUid?: string;
  instanceNumber?: number | null;
  /** ImagePositionPatient; null to leave it out. */
  ipp?: [number, number, number] | null;
  /** ImageOrientationPatient; null to leave it out. */
  iop?: [number, number, number, number, number, number] | null;
  pixelSpacing?: [number, number] | null;
  sliceThickness?: number | null;
  modality?: string;
  samplesPerPixel?: number;
  photometric?: string;
  /** More data set elements (e.g. NumberOfFrames). */
  extraElements?: DicomElementSpec[];
}

let counter = 0;

export function makeTestFile(img: TestImage): Uint8Array {
  counter++;
  const rows = img.rows ?? 4;
  const columns = img.columns ?? 4;
  const bitsAllocated = img.bitsAllocated ?? 16;
  const bitsStored = img.bitsStored ?? bitsAllocated;
  const sop = img.sopUid ?? `2.25.4242${counter}`;
  const e: DicomElementSpec[] = [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: sop },
    { tag: 0x00080060, vr: 'CS', value: img.modality ?? 'CT' },
    { tag: 0x0020000d, vr: 'UI', value: '2.25.1111' },
    { tag: 0x0020000e, vr: 'UI', value: img.seriesUid ?? '2.25.2222' },
    { tag: 0x00200052, vr: 'UI', value: img.frameOfReferenceUid ?? '2.25.3333' },
    { tag: 0x00280002, vr: 'US', value: img.samplesPerPixel ?? 1 },
    { tag: 0x00280004, vr: 'CS', value: img.photometric ?? 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: rows },
    { tag: 0x00280011, vr: 'US', value: columns },
    { tag: 0x00280100, vr: 'US', value: bitsAllocated },
    { tag: 0x00280101, vr: 'US', value: bitsStored },
    { tag: 0x00280102, vr: 'US', value: img.highBit ?? bitsStored - 1 },
    { tag: 0x00280103, vr: 'US', value: img.pixelRepresentation ?? 1 },
    { tag: 0x00281052, vr: 'DS', value: img.intercept ?? -1024 },
    { tag: 0x00281053, vr: 'DS', value: img.slope ?? 1 },
    { tag: 0x7fe00010, vr: bitsAllocated === 8 ? 'OB' : 'OW', value: img.pixels },
  ];
  if (img.instanceNumber !== null) e.push({ tag: 0x00200013, vr: 'IS', value: img.instanceNumber ?? counter });
  if (img.ipp !== null) e.push({ tag: 0x00200032, vr: 'DS', value: img.ipp ?? [0, 0, 0] });
  if (img.iop !== null) e.push({ tag: 0x00200037, vr: 'DS', value: img.iop ?? [1, 0, 0, 0, 1, 0] });
  if (img.pixelSpacing !== null) e.push({ tag: 0x00280030, vr: 'DS', value: img.pixelSpacing ?? [0.5, 0.5] });
  if (img.sliceThickness !== null && img.sliceThickness !== undefined) e.push({ tag: 0x00180050, vr: 'DS', value: img.sliceThickness });
  if (img.extraElements) e.push(...img.extraElements);
  if (img.padding) {
    e.push({ tag: 0x00280120, vr: img.padding.vr, value: img.padding.value });
    if (img.padding.rangeLimit !== undefined) e.push({ tag: 0x00280121, vr: img.padding.vr, value: img.padding.rangeLimit });
  }
  return writeDicomPart10({ sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: sop, elements: e });
}

/** The file with another TransferSyntaxUID in its meta group (group length adjusted). */
export function withTransferSyntax(file: Uint8Array, uid: string): Uint8Array {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let p = 144;
  while (dv.getUint16(p, true) === 0x0002) {
    const element = dv.getUint16(p + 2, true);
    const vr = String.fromCharCode(file[p + 4], file[p + 5]);
    if (vr === 'OB' || vr === 'UN' || vr === 'UT') {
      p += 12 + dv.getUint32(p + 8, true);
      continue;
    }
    const length = dv.getUint16(p + 6, true);
    if (element === 0x0010) {
      const value = uid.length % 2 ? `${uid}\0` : uid;
      const out = new Uint8Array(file.length - length + value.length);
      out.set(file.subarray(0, p + 8));
      for (let i = 0; i < value.length; i++) out[p + 8 + i] = value.charCodeAt(i);
      out.set(file.subarray(p + 8 + length), p + 8 + value.length);
      const odv = new DataView(out.buffer);
      odv.setUint16(p + 6, value.length, true);
      odv.setUint32(140, dv.getUint32(140, true) - length + value.length, true);
      return out;
    }
    p += 8 + length;
  }
  throw new Error('no TransferSyntaxUID in the meta group');
}

export interface EncapsulatedImage extends Omit<TestImage, 'pixels'> {
  transferSyntaxUid: string;
  /** The fragments of each frame (odd-length fragments are padded with a zero byte). */
  frames: Uint8Array[][];
  /** Basic Offset Table: one entry per frame (default) or empty. */
  offsetTable?: 'per-frame' | 'empty';
}

/** A Part-10 file whose Pixel Data is encapsulated (PS3.5 A.4): item with the offset table, one item per fragment, delimiter. */
export function makeEncapsulatedTestFile(img: EncapsulatedImage): Uint8Array {
  const bitsAllocated = img.bitsAllocated ?? 16;
  const extra = [...(img.extraElements ?? [])];
  if (img.frames.length > 1) extra.push({ tag: 0x00280008, vr: 'IS', value: img.frames.length });
  const base = makeTestFile({
    ...img, bitsAllocated, extraElements: extra,
    pixels: bitsAllocated === 8 ? new Uint8Array(0) : new Uint16Array(0),
  });
  // The empty Pixel Data element is the last 12 bytes (tag, VR, reserved, length 0).
  const tail = base.subarray(base.length - 12);
  if (tail[0] !== 0xe0 || tail[1] !== 0x7f || tail[2] !== 0x10 || tail[3] !== 0x00) throw new Error('Pixel Data is not last');
  const head = withTransferSyntax(base.subarray(0, base.length - 12), img.transferSyntaxUid);
  const padded = img.frames.map((fr) => fr.map((f) => (f.length % 2 ? Uint8Array.from([...f, 0]) : f)));
  const offsets: number[] = [];
  let offset = 0;
  for (const fr of padded) {
    offsets.push(offset);
    for (const f of fr) offset += 8 + f.length;
  }
  const bot = img.offsetTable === 'empty' ? [] : offsets;
  const total = head.length + 12 + 8 + 4 * bot.length + offset + 8;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(head);
  let p = head.length;
  out.set([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff], p);
  p += 12;
  const item = (length: number) => {
    dv.setUint16(p, 0xfffe, true);
    dv.setUint16(p + 2, 0xe000, true);
    dv.setUint32(p + 4, length, true);
    p += 8;
  };
  item(4 * bot.length);
  for (const o of bot) {
    dv.setUint32(p, o, true);
    p += 4;
  }
  for (const fr of padded) {
    for (const f of fr) {
      item(f.length);
      out.set(f, p);
      p += f.length;
    }
  }
  dv.setUint16(p, 0xfffe, true);
  dv.setUint16(p + 2, 0xe0dd, true);
  return out;
}

/**
 * PackBits as RLE Lossless uses it (PS3.5 G.3.1), written plainly for the
 * tests: runs of 3 or more equal bytes become replicate runs, the rest
 * literal runs, each at most 128 bytes.
 */
export function packBits(plane: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run++;
    if (run >= 3) {
      out.push(257 - run, plane[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < plane.length && i - start < 128) {
      if (i + 2 < plane.length && plane[i] === plane[i + 1] && plane[i] === plane[i + 2]) break;
      i++;
    }
    out.push(i - start - 1, ...plane.subarray(start, i));
  }
  return Uint8Array.from(out);
}

/**
 * An RLE Lossless frame of stored words: one byte plane per sample and byte,
 * most significant first, each PackBits-encoded and padded to even length.
 */
export function encodeRleFrame(words: Uint8Array | Uint16Array | Int16Array, samplesPerPixel = 1): Uint8Array {
  const bytesPerSample = words.BYTES_PER_ELEMENT;
  const pixels = words.length / samplesPerPixel;
  const u = bytesPerSample === 1 ? words : new Uint16Array(words.buffer, words.byteOffset, words.length);
  const segments: Uint8Array[] = [];
  for (let s = 0; s < samplesPerPixel; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let i = 0; i < pixels; i++) plane[i] = (u[i * samplesPerPixel + s] >> (8 * b)) & 0xff;
      const seg = packBits(plane);
      segments.push(seg.length % 2 ? Uint8Array.from([...seg, 0x80]) : seg);
    }
  }
  const out = new Uint8Array(64 + segments.reduce((n, s) => n + s.length, 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, segments.length, true);
  let p = 64;
  segments.forEach((seg, k) => {
    dv.setUint32(4 + 4 * k, p, true);
    out.set(seg, p);
    p += seg.length;
  });
  return out;
}
