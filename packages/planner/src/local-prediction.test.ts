import { describe, expect, it } from 'vitest';
import type { CostModel } from './costs.ts';
import { predictLocalDrain } from './local-prediction.ts';

const costs: CostModel = {
  measuredAt: { imageOps: '', pipeline: '' },
  machine: 'test',
  lines: { grayscale: { a: 0, b: 0 }, watermark: { a: 0, b: 0 }, thumbnail: { a: 0, b: 0 } },
  photoCost: () => ({ opCpuSeconds: 0.1, overheadCpuSeconds: 0.02, ioSeconds: 0.03 }),
};

describe('predicting a local pipeline run', () => {
  it('runs 10 photos on 2 one-photo workers in 5 rounds of CPU + wait', () => {
    const run = {
      operation: 'grayscale',
      photos: 10,
      megapixels: 6,
      workers: 2,
      concurrency: 1,
      cores: 2,
    } as const;
    expect(predictLocalDrain(costs, run)).toBeCloseTo(5 * 0.15, 9);
  });
  it('slows the CPU part when slots outnumber the cores', () => {
    const run = {
      operation: 'grayscale',
      photos: 12,
      megapixels: 6,
      workers: 3,
      concurrency: 1,
      cores: 2,
    } as const;
    expect(predictLocalDrain(costs, run)).toBeCloseTo(4 * (0.12 * 1.5 + 0.03), 9);
  });
});
