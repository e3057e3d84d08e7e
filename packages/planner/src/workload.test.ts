import { describe, expect, it } from 'vitest';
import { parseDuration, parseMix, uploads } from './workload.ts';

describe('the burst', () => {
  it('splits 10,000 photos 40/40/20 and spreads them over the arrival window', () => {
    const list = uploads({
      burst: 10_000,
      mix: parseMix('40,40,20'),
      arrivalSeconds: 1800,
      megapixels: 6,
    });
    const count = (op: string) => list.filter((u) => u.operation === op).length;
    expect([count('grayscale'), count('watermark'), count('thumbnail')]).toEqual([
      4000, 4000, 2000,
    ]);
    expect(list.at(-1)?.at).toBeCloseTo(1800 * 0.9999, 6);
    // Interleaved: the first 10 uploads already follow the mix.
    expect(list.slice(0, 10).filter((u) => u.operation === 'thumbnail')).toHaveLength(2);
  });

  it('rejects a mix that does not sum to 100 or has the wrong arity', () => {
    expect(() => parseMix('50,50,50')).toThrow(/summing to 100/);
    expect(() => parseMix('50,50')).toThrow(/3 non-negative percentages/);
  });

  it('reads 0s, 60s and 30m', () => {
    expect([parseDuration('0s', '--arrival'), parseDuration('60s', '--arrival')]).toEqual([0, 60]);
    expect(parseDuration('30m', '--arrival')).toBe(1800);
    expect(() => parseDuration('soon', '--arrival')).toThrow(/--arrival/);
  });
});
