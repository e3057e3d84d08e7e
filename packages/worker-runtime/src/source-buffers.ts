/**
 * Reusable memory for sources. A downloaded source lives from its download to the end of its
 * processing — long enough to outlive V8's young generation — so a fresh multi-MB buffer per
 * photo is garbage only a full (mark-compact) collection frees, and it is new memory the kernel
 * must fault in. The source gate bounds how many sources are in memory at once, so a pool of
 * that many buffers, each grown to the largest source it has held, serves every photo.
 */

export interface SourceBuffer {
  /** Exactly `length` bytes, a view of pooled memory: valid until `release()`. */
  readonly bytes: Buffer;
  release(): void;
}

export interface SourceBufferPool {
  take(length: number): SourceBuffer;
  /** Bytes held by free buffers, kept for reuse (never above the pool's budget). */
  keptBytes(): number;
}

/**
 * @param keepUpTo buffers larger than this are not kept for reuse (one huge source must not
 *   pin its memory for the pod's lifetime).
 * @param maxKeptBytes all kept buffers together stay under this: a run of ever larger sources
 *   must not leave one buffer per size behind (32 sources of 2…64 MB once kept 1.1 GB, above the
 *   pod's limit). Over budget, the smallest kept buffers are let go first.
 * @example const source = pool.take(contentLength); try { … source.bytes … } finally { source.release(); }
 */
export function createSourceBufferPool(
  keepUpTo: number,
  maxKeptBytes: number = 2 * keepUpTo,
): SourceBufferPool {
  const free: Buffer[] = []; // ascending by size: the first that fits is the smallest that fits
  let kept = 0;
  const keep = (buffer: Buffer) => {
    if (buffer.byteLength > keepUpTo || buffer.byteLength > maxKeptBytes) return;
    const at = free.findIndex((b) => b.byteLength > buffer.byteLength);
    free.splice(at < 0 ? free.length : at, 0, buffer);
    kept += buffer.byteLength;
    while (kept > maxKeptBytes) kept -= free.shift()?.byteLength ?? kept;
  };
  return {
    take(length) {
      const fits = free.findIndex((b) => b.byteLength >= length);
      const [reused] = fits >= 0 ? free.splice(fits, 1) : [];
      if (reused) kept -= reused.byteLength;
      // allocUnsafeSlow: its own memory, never a slice of Node's shared 8 KB pool.
      const whole = reused ?? Buffer.allocUnsafeSlow(length);
      let released = false;
      return {
        bytes: whole.subarray(0, length),
        release() {
          if (released) return;
          released = true;
          keep(whole);
        },
      };
    },
    keptBytes: () => kept,
  };
}
