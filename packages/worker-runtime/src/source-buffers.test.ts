import { describe, expect, it } from 'vitest';
import { createSourceBufferPool } from './source-buffers.ts';

describe('source buffer pool', () => {
  it('gives each source exactly its length, and the next photo reuses the memory once released', () => {
    const pool = createSourceBufferPool(1024);
    const first = pool.take(100);
    expect(first.bytes.byteLength).toBe(100);
    first.bytes.fill(1);
    first.release();
    const second = pool.take(60);
    expect(second.bytes.byteLength).toBe(60);
    expect(second.bytes.buffer).toBe(first.bytes.buffer);
  });

  it('never hands out memory still held by another source', () => {
    const pool = createSourceBufferPool(1024);
    const held = pool.take(100);
    const other = pool.take(100);
    expect(other.bytes.buffer).not.toBe(held.bytes.buffer);
    held.bytes.fill(7);
    other.bytes.fill(9);
    expect(held.bytes.every((b) => b === 7)).toBe(true);
  });

  it('a release twice returns the memory once (no two sources can then share it)', () => {
    const pool = createSourceBufferPool(1024);
    const source = pool.take(10);
    source.release();
    source.release();
    const a = pool.take(10);
    const b = pool.take(10);
    expect(a.bytes.buffer).not.toBe(b.bytes.buffer);
  });

  it('does not keep a buffer above its limit: one huge source does not pin memory for good', () => {
    const pool = createSourceBufferPool(50);
    const huge = pool.take(100);
    huge.release();
    expect(pool.take(100).bytes.buffer).not.toBe(huge.bytes.buffer);
  });

  it('keeps memory bounded over a ladder of ever larger sources (one at a time, 2 … 64 MB)', () => {
    const MB = 1024 * 1024;
    const pool = createSourceBufferPool(64 * MB, 96 * MB);
    for (let size = 2; size <= 64; size += 2) {
      const source = pool.take(size * MB);
      source.release();
      expect(pool.keptBytes()).toBeLessThanOrEqual(96 * MB);
    }
    // The largest is kept: the next big photo reuses it.
    expect(pool.keptBytes()).toBeGreaterThanOrEqual(64 * MB);
  });

  it('reuses the smallest buffer that fits, so large buffers stay free for large sources', () => {
    const pool = createSourceBufferPool(1000, 1000);
    const small = pool.take(100);
    const large = pool.take(500);
    small.release();
    large.release();
    expect(pool.take(90).bytes.buffer).toBe(small.bytes.buffer);
    expect(pool.take(400).bytes.buffer).toBe(large.bytes.buffer);
  });

  it('lets the smallest kept buffers go first when over budget', () => {
    const pool = createSourceBufferPool(1000, 600);
    const [a, b, c] = [pool.take(100), pool.take(200), pool.take(400)];
    a.release();
    b.release();
    c.release(); // 700 > 600: the 100-byte buffer goes
    expect(pool.keptBytes()).toBe(600);
    expect(pool.take(50).bytes.buffer).toBe(b.bytes.buffer);
  });
});
