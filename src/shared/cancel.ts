/**
 * Cancellation as a rejection reason: work stopped on purpose (a newer load,
 * crop or analysis replaced it) rejects with CancelledError, which callers
 * tell apart from failures with isCancelled. Shared by the worker clients
 * that reject and the store and panels that ignore it.
 */

/** Rejection reason of work stopped by cancel(). */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function isCancelled(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancelledError';
}
