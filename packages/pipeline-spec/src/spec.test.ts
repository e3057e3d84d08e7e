import { describe, expect, it } from 'vitest';
import {
  OPERATIONS,
  OPERATION_OPTION_ENV,
  WORKER_ENV,
  describeTopology,
  isFolderPlaceholder,
  isPhotoLine,
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
      // Two stacks sharing a bucket's account must not reuse each other's notification ids.
      expect(q.notification.id).toBe(`darkroom-dev-${q.operation}`);
      for (const other of topology) {
        if (other !== q)
          expect(q.notification.filterPrefix.startsWith(other.notification.filterPrefix)).toBe(
            false,
          );
      }
    }
  });

  it('refuses a name prefix SQS would reject, saying what it expects', () => {
    expect(() => queueNames('grayscale', 'bad prefix!')).toThrow(
      /namePrefix must match .* received "bad prefix!"/,
    );
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

describe('worker contract', () => {
  it('treats keys ending in / as S3 console folders, nothing else', () => {
    expect(isFolderPlaceholder('input/grayscale/', 0)).toBe(true);
    expect(isFolderPlaceholder('input/grayscale/2026/', 0)).toBe(true);
    expect(isFolderPlaceholder('input/grayscale/a/b.jpg', 0)).toBe(false);
    // A file someone stored under a key ending in "/" is not a folder: it must not vanish.
    expect(isFolderPlaceholder('input/grayscale/2026/', 1)).toBe(false);
  });

  it('gives every operation option its own variable, none shared with another setting', () => {
    const workerNames = new Set<string>(Object.values(WORKER_ENV));
    for (const op of OPERATIONS) {
      const names = Object.values(OPERATION_OPTION_ENV[op]);
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(workerNames.has(name)).toBe(false);
    }
    expect(OPERATION_OPTION_ENV.thumbnail.width).toBe('DARKROOM_THUMBNAIL_WIDTH');
    expect(OPERATION_OPTION_ENV.watermark.opacity).toBe('DARKROOM_WATERMARK_OPACITY');
  });

  it('recognises a photo log line only with a key and a known outcome', () => {
    expect(isPhotoLine({ msg: 'photo', key: 'input/grayscale/a.jpg', outcome: 'processed' })).toBe(
      true,
    );
    expect(isPhotoLine({ msg: 'photo', key: 'input/grayscale/a.jpg', outcome: 'retry' })).toBe(
      false,
    );
    expect(isPhotoLine({ msg: 'photo', outcome: 'processed' })).toBe(false);
    expect(isPhotoLine({ msg: 'worker ready', key: 'k', outcome: 'processed' })).toBe(false);
  });
});
