import { describe, expect, it } from 'vitest';
import {
  OPERATIONS,
  SCALING_DEFAULTS,
  SHUTDOWN_GRACE_SECONDS,
  TERMINATION_GRACE_PERIOD_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
  WORST_CASE_PHOTO_SECONDS,
  describeTopology,
  outputKeyFor,
  queueNames,
} from './index.ts';

describe('pipeline spec', () => {
  it('maps a source key to its output key, keeping the relative path', () => {
    expect(outputKeyFor('thumbnail', 'input/thumbnail/2026/a b+c.jpg')).toBe(
      'output/thumbnail/2026/a b+c.jpg',
    );
    expect(outputKeyFor('grayscale', 'input/thumbnail/x.jpg')).toBeUndefined();
    expect(outputKeyFor('grayscale', 'input/grayscale/')).toBeUndefined();
  });

  it('one queue, DLQ and notification per operation, with no overlapping prefixes', () => {
    const topology = describeTopology('darkroom-dev');
    expect(topology.map((q) => q.operation)).toEqual([...OPERATIONS]);
    expect(new Set(topology.map((q) => q.queue)).size).toBe(OPERATIONS.length);
    for (const q of topology) {
      expect(q.deadLetterQueue).toBe(`${q.queue}-dlq`);
      for (const other of topology) {
        if (other !== q)
          expect(q.notification.filterPrefix.startsWith(other.notification.filterPrefix)).toBe(
            false,
          );
      }
    }
  });

  it('keeps the timing rules: visibility ≥ 6× worst case, drain inside the pod grace period', () => {
    expect(VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(6 * WORST_CASE_PHOTO_SECONDS);
    expect(SHUTDOWN_GRACE_SECONDS).toBeLessThan(30);
    expect(TERMINATION_GRACE_PERIOD_SECONDS).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
    for (const op of OPERATIONS)
      expect(SCALING_DEFAULTS[op].maxReplicas).toBeGreaterThan(SCALING_DEFAULTS[op].minReplicas);
  });

  it('refuses a name prefix SQS would reject, saying what it expects', () => {
    expect(() => queueNames('grayscale', 'bad prefix!')).toThrow(
      /namePrefix must match .* received "bad prefix!"/,
    );
  });
});

describe('runtime', () => {
  it('runs on Node 24 LTS, the version the images and engines pin', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});

describe('S3 event key encoding', () => {
  it('round-trips keys with spaces, plus, percent, unicode and folders', async () => {
    const { decodeEventKey, encodeEventKey } = await import('./index.ts');
    expect(encodeEventKey('a b/c+d é%.jpg')).toBe('a+b/c%2Bd+%C3%A9%25.jpg');
    for (const key of ['a b/c+d é%.jpg', 'nested/x/y.jpg', 'ünïcødé/été.jpg'])
      expect(decodeEventKey(encodeEventKey(key))).toBe(key);
  });
});
