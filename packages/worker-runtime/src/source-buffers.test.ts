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
});
