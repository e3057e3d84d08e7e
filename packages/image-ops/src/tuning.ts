import sharp from 'sharp';

/** Settings {@link tuneSharpForWorker} applies, returned for logging. */
export interface SharpTuning {
  readonly threadsPerPhoto: number;
  readonly cacheDisabled: boolean;
}

/**
 * Set sharp's process-wide knobs for a queue worker. Call once at start-up (never at import).
 *
 * - `threadsPerPhoto` (default 1): libvips threads per image. JPEG decode and encode are
 *   single-threaded, so a photo gains little from a second thread; running one photo per core
 *   (the worker's concurrency) keeps every core busy instead. The bench measures both layouts.
 * - The libvips operation cache is disabled: a worker never sees the same image twice, so the
 *   cache only holds memory (up to 50 MB by default) without ever hitting.
 *
 * @throws {RangeError} when `threadsPerPhoto` is not a positive integer.
 * @example tuneSharpForWorker({ threadsPerPhoto: 1 })
 */
export function tuneSharpForWorker(options: { threadsPerPhoto?: number } = {}): SharpTuning {
  const threadsPerPhoto = options.threadsPerPhoto ?? 1;
  if (!Number.isInteger(threadsPerPhoto) || threadsPerPhoto < 1) {
    throw new RangeError(`threadsPerPhoto must be a positive integer, received ${threadsPerPhoto}`);
  }
  sharp.concurrency(threadsPerPhoto);
  sharp.cache(false);
  return { threadsPerPhoto, cacheDisabled: true };
}
