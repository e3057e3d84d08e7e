import { describe, expect, it } from 'vitest';
import { placementOf, unmappableName } from './placement.ts';

describe('where a result key lands', () => {
  it.each([
    ['a.jpg', ['a.jpg']],
    ['2026/11/a b+c é.jpg', ['2026', '11', 'a b+c é.jpg']],
  ])('%s is a plain path', (key, segments) => {
    expect(placementOf(key)).toEqual({ kind: 'plain', segments });
  });

  it.each([
    'pair0/../p0.jpg',
    '../grayscale/x.jpg',
    './a.jpg',
    'a//b.jpg',
    'a/',
    `${'é'.repeat(150)}.jpg`,
    'nul\0.jpg',
  ])('%j is not: it gets a name of its own, so it never lands on another key’s file', (key) => {
    const placement = placementOf(key);
    expect(placement.kind).toBe('unmappable');
    if (placement.kind === 'unmappable') expect(placement.name).toBe(unmappableName(key));
  });

  it('names different keys differently, even with the same last segment', () => {
    expect(unmappableName('pair0/../p0.jpg')).not.toBe(unmappableName('pair1/../p0.jpg'));
    expect(unmappableName('pair0/../p0.jpg')).toMatch(/^[0-9a-f]{16}-p0\.jpg$/);
    expect(unmappableName('x/..')).toMatch(/^[0-9a-f]{16}$/);
  });
});
