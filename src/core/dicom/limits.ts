/**
 * How parseDicomFile refuses a file: what one file may make it allocate
 * (PARSE_LIMITS), the skip that carries the reason, and the cleaning of
 * text quoted in a reason.
 */

/**
 * What one file may make the parser allocate, checked before allocating.
 * Native pixel data must be present in the file (so it is bounded by the
 * file's size anyway); compressed frames are refused above these sizes.
 */
export const PARSE_LIMITS = {
  /** Pixels of one compressed frame (16384 × 16384). */
  maxFramePixels: 2 ** 28,
  /** Pixels of all frames of one file (1 GiB of HU). */
  maxFilePixels: 2 ** 29,
  /** Frames of one file (each becomes a slice with its own header). */
  maxFrames: 16384,
  /** Bytes of an inflated (deflated transfer syntax) data set. */
  maxInflatedBytes: 2 ** 26,
  /** Sequence nesting (dicom-parser recurses once per level; real files nest fewer than 10). */
  maxSequenceDepth: 64,
  /**
   * Data elements, sequence items and Pixel Data fragments of one data set:
   * dicom-parser builds an object of up to ~400 bytes for each (so this bounds
   * its heap at 2^18 × 400 bytes, about 100 MB); an Enhanced
   * CT has about 45 per frame with its functional groups (5,000 frames fit).
   */
  maxElements: 2 ** 18,
} as const;

export class SkipError extends Error {}

/** The file is fine so far but its compressed syntax has no decoder at hand. */
export class MissingDecoderError extends SkipError {
  constructor(readonly transferSyntaxUid: string, message: string) {
    super(message);
  }
}

export function skip(reason: string): never {
  throw new SkipError(reason);
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return errorText((e as { exception: unknown }).exception);
  return String(e);
}

/**
 * Text from the file (or a library message) as it may appear in a reason:
 * control and other unprintable characters become "?", at most `max` characters.
 */
export function shown(s: string, max = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
