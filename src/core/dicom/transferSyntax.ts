/**
 * Transfer syntaxes: which ones the native decoder reads, and readable names
 * for all of them (PS3.6 Annex A). Which compressed ones can be decoded
 * depends on the decoders at hand (see pixelDecoder.ts).
 */

export const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_VR_BE = '1.2.840.10008.1.2.2';
export const ENCAPSULATED_UNCOMPRESSED_LE = '1.2.840.10008.1.2.1.98';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

export type TransferSyntaxKind = 'native' | 'deflated' | 'compressed' | 'unknown';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  kind: TransferSyntaxKind;
  /** Data set and pixels are big endian. */
  bigEndian: boolean;
  /** Data set uses explicit VRs. */
  explicitVr: boolean;
}

const NAMES: Record<string, string> = {
  [IMPLICIT_VR_LE]: 'Implicit VR Little Endian',
  [EXPLICIT_VR_LE]: 'Explicit VR Little Endian',
  [DEFLATED_EXPLICIT_VR_LE]: 'Deflated Explicit VR Little Endian',
  [EXPLICIT_VR_BE]: 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.1.98': 'Encapsulated Uncompressed Explicit VR Little Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component Lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile / High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile For 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile For 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 Lossless (HTJ2K)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options Lossless (HTJ2K)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000 (HTJ2K)',
};

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  const name = NAMES[uid] ?? 'unknown transfer syntax';
  let kind: TransferSyntaxKind;
  if (uid === IMPLICIT_VR_LE || uid === EXPLICIT_VR_LE || uid === EXPLICIT_VR_BE) kind = 'native';
  else if (uid === DEFLATED_EXPLICIT_VR_LE) kind = 'deflated';
  else if (uid in NAMES) kind = 'compressed';
  else kind = 'unknown';
  return { uid, name, kind, bigEndian: uid === EXPLICIT_VR_BE, explicitVr: uid !== IMPLICIT_VR_LE };
}

/** "JPEG 2000 Lossless (1.2.840.10008.1.2.4.90)" */
export function describeTransferSyntax(uid: string): string {
  return `${transferSyntaxInfo(uid).name} (${uid})`;
}
