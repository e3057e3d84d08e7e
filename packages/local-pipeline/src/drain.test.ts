import { describe, expect, it } from 'vitest';
import { drainProgress } from './drain.ts';

const poll = (visible: number, inFlight: number, deadLettered: number, results: number) => ({
  counts: { visible, inFlight, deadLettered },
  results,
});

describe('when a burst is drained', () => {
  it('only with empty queues, nothing in flight and a result or dead letter for every photo (else npm start stops early and downloads too little)', () => {
    const expected = { grayscale: 3, thumbnail: 2 };
    const cases: [Parameters<typeof poll>, boolean][] = [
      [[0, 0, 0, 3], true],
      [[0, 0, 1, 2], true],
      [[1, 0, 0, 3], false], // a message still waits
      [[0, 1, 0, 3], false], // a worker still holds one (a rewrite of a reverted photo)
      [[0, 0, 0, 2], false], // an event not yet delivered
    ];
    for (const [grayscale, drained] of cases) {
      const polls = new Map([
        ['grayscale', poll(...grayscale)],
        ['thumbnail', poll(0, 0, 0, 2)],
      ] as const);
      expect(drainProgress(expected, polls).drained, JSON.stringify(grayscale)).toBe(drained);
    }
  });

  it('reports results and failures per operation, and is not drained before an operation was polled', () => {
    const { progress, drained } = drainProgress(
      { grayscale: 2, watermark: 1 },
      new Map([['grayscale', poll(0, 0, 1, 1)]] as const),
    );
    expect(drained).toBe(false);
    expect(Object.fromEntries(progress)).toEqual({ grayscale: { done: 1, failed: 1 } });
  });
});
