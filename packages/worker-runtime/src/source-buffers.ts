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
}

/**
 * @param keepUpTo buffers larger than this are not kept for reuse (one huge source must not
 *   pin its memory for the pod's lifetime).
 * @example const source = pool.take(contentLength); try { … source.bytes … } finally { source.release(); }
 */
export function createSourceBufferPool(keepUpTo: number): SourceBufferPool {
  const free: Buffer[] = [];
  return {
    take(length) {
      const fits = free.findIndex((b) => b.byteLength >= length);
      const [reused] = fits >= 0 ? free.splice(fits, 1) : [];
      // allocUnsafeSlow: its own memory, never a slice of Node's shared 8 KB pool.
      const whole = reused ?? Buffer.allocUnsafeSlow(length);
      let released = false;
      return {
        bytes: whole.subarray(0, length),
        release() {
          if (released) return;
          released = true;
          if (whole.byteLength <= keepUpTo) free.push(whole);
        },
      };
    },
  };
}
