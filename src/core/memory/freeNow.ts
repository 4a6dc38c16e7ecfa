/**
 * Frees an array buffer's memory now instead of at the next garbage
 * collection: ArrayBuffer.prototype.transfer(0) detaches the buffer and
 * releases its store. Where transfer(0) is missing (Node 20), the buffer is
 * detached by a transferring structuredClone whose result nothing holds, so
 * its memory goes at the next collection even if some view of it is still
 * referenced. Only for buffers nothing reads any more; a no-op for a
 * SharedArrayBuffer and for a detached or empty buffer.
 */
/** structuredClone of the host (browsers, workers and Node have it; the core's ES library does not declare it). */
const hostClone = (globalThis as { structuredClone?: (v: unknown, o: { transfer: ArrayBuffer[] }) => unknown }).structuredClone;

export function freeNow(a: ArrayBufferView | ArrayBufferLike): void {
  const b = (ArrayBuffer.isView(a) ? a.buffer : a) as ArrayBuffer & { transfer?: (length?: number) => ArrayBuffer; detached?: boolean };
  if (!(b instanceof ArrayBuffer) || b.detached === true || b.byteLength === 0) return;
  if (typeof b.transfer === 'function') b.transfer(0);
  else hostClone?.(b, { transfer: [b] });
}
