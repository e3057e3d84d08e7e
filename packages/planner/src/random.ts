/** Seeded randomness, so a plan is reproducible: mulberry32 and a triangular sampler. */
import type { Triangular } from './model-config.ts';

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Inverse-CDF sample of a triangular(min, mode, max) distribution. */
export function triangular(random: Random, t: Triangular): number {
  if (t.max === t.min) return t.min;
  const u = random();
  const split = (t.mode - t.min) / (t.max - t.min);
  return u < split
    ? t.min + Math.sqrt(u * (t.max - t.min) * (t.mode - t.min))
    : t.max - Math.sqrt((1 - u) * (t.max - t.min) * (t.max - t.mode));
}
