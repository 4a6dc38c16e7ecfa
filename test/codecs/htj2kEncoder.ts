/** Test helper: lossless HTJ2K code streams made with OpenJPH's encoder (shipped in @cornerstonejs/codec-openjph). */

interface Htj2kEncoder {
  getDecodedBuffer(info: object): Uint8Array;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** Lossless HTJ2K code stream of signed 16-bit words, from OpenJPH's encoder. */
export async function encodeHtj2k(words: Int16Array, width: number, height: number): Promise<Uint8Array> {
  const glue = (await import('@cornerstonejs/codec-openjph/wasmjs')).default;
  const mod = (await glue({ print: () => undefined, printErr: () => undefined })) as { HTJ2KEncoder: new () => Htj2kEncoder };
  const enc = new mod.HTJ2KEncoder();
  try {
    enc.getDecodedBuffer({ width, height, bitsPerSample: 16, componentCount: 1, isSigned: true, isUsingColorTransform: false })
      .set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    enc.encode();
    return enc.getEncodedBuffer().slice();
  } finally {
    enc.delete();
  }
}

