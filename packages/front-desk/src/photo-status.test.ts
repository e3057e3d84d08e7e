import { describe, expect, it } from 'vitest';
import { clientReason, photoStatus } from './photo-status.ts';

const t = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s));

describe('a photo’s status for its client', () => {
  it.each([
    [
      'done: a result newer than the original',
      { originalModified: t(0), resultModified: t(5) },
      'done',
    ],
    ['waiting: no result yet', { originalModified: t(0) }, 'waiting'],
    [
      'waiting: only the result of the version before (a re-upload in progress)',
      { originalModified: t(10), resultModified: t(5) },
      'waiting',
    ],
    [
      'failed: dead-lettered and no current result',
      { originalModified: t(0), failureCode: 'CorruptImage' },
      'failed',
    ],
    [
      'done: a current result wins over an old failure of the same name',
      { originalModified: t(0), resultModified: t(5), failureCode: 'CorruptImage' },
      'done',
    ],
  ] as const)('%s', (_why, facts, status) => {
    expect(photoStatus(facts).status).toBe(status);
  });

  it('says why in client words, never an internal code or stack', () => {
    expect(
      photoStatus({ originalModified: t(0), failureCode: 'UnsupportedFormat' }).reason,
    ).toMatch(/not an image format/);
    expect(clientReason('AccessDenied')).toBe(
      'This photo could not be processed; the studio has been told.',
    );
  });
});
