import { describe, expect, it } from 'vitest';
import { RECEIVE_BACKOFF, receiveBackoffMs, retryDelaySeconds } from './backoff.ts';

describe('backoff', () => {
  it('retries a failed photo after 5, 10, 20 … s by receive count, capped at the visibility timeout', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, 30))).toEqual([5, 10, 20, 30, 30]);
  });

  it('receives again at once after a success, and after failures within a doubling, bounded ceiling', () => {
    const top = () => 1;
    expect(receiveBackoffMs(0, top)).toBe(0);
    expect([1, 2, 3, 4].map((n) => receiveBackoffMs(n, top))).toEqual([250, 500, 1000, 2000]);
    expect(receiveBackoffMs(30, top)).toBe(RECEIVE_BACKOFF.maxMs);
  });

  it('spreads the pause uniformly below the ceiling (jitter), so pods do not retry in step', () => {
    expect(receiveBackoffMs(4, () => 0)).toBe(0);
    expect(receiveBackoffMs(4, () => 0.25)).toBe(500);
    const draws = Array.from({ length: 200 }, () => receiveBackoffMs(6));
    expect(new Set(draws).size).toBeGreaterThan(50);
    expect(Math.max(...draws)).toBeLessThanOrEqual(8_000);
  });
});
