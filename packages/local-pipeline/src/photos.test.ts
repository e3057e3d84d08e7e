import { describe, expect, it } from 'vitest';
import { planUploads } from './photos.ts';
import { percentile, table } from './stats.ts';

describe('upload planning', () => {
  const files = Array.from({ length: 10 }, (_, n) => `/in/d/${n}.jpg`);

  it('sends every file to every operation without a mix, keeping folders in the key', () => {
    const plan = planUploads('/in', files, ['grayscale', 'thumbnail']);
    expect(plan).toHaveLength(20);
    expect(plan[0]).toEqual({
      operation: 'grayscale',
      path: '/in/d/0.jpg',
      relativeKey: 'd/0.jpg',
    });
  });

  it('splits files by a 40/40/20 mix', () => {
    const plan = planUploads('/in', files, ['grayscale', 'watermark', 'thumbnail'], [40, 40, 20]);
    const count = (op: string) => plan.filter((p) => p.operation === op).length;
    expect([count('grayscale'), count('watermark'), count('thumbnail')]).toEqual([4, 4, 2]);
  });

  it('refuses a mix that does not match the operations', () => {
    expect(() => planUploads('/in', files, ['grayscale'], [50, 50])).toThrow(
      '--mix needs 1 non-negative numbers (one per operation: grayscale), received 50,50',
    );
  });
});

describe('summary', () => {
  it('computes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('aligns numbers right and text left', () => {
    const lines = table([
      ['op', 'n'],
      ['grayscale', '12'],
      ['x', '3'],
    ]).split('\n');
    expect(lines).toEqual([
      `op${' '.repeat(10)}n`,
      '─────────  ──',
      'grayscale  12',
      `x${' '.repeat(11)}3`,
    ]);
  });
});
