/**
 * `verdictFor`, exhaustively: every combination of stored result, sequencer order, source ETag
 * and options version. The rule: the newest event of a key wins, whatever its bytes.
 */
import { describe, expect, it } from 'vitest';
import { type StoredResult, compareSequencers, verdictFor } from './result-store.ts';

const stored = (
  sourceEtag: string,
  sourceSequencer: string | undefined,
  optionsVersion = 'v1',
): StoredResult => ({
  etag: '"r"',
  sourceEtag,
  sourceSequencer,
  optionsVersion,
});

describe('verdictFor: what a job does, given the result already stored', () => {
  it.each([
    // why, verdict, stored (source etag, sequencer, options), event, the job's options
    ['none stored', 'write', undefined, { eTag: 'S', sequencer: '0A' }, 'v1'],
    [
      'this very event, done (redelivery)',
      'duplicate',
      stored('S', '0A'),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'this very event, under older options',
      'write',
      stored('S', '0A', 'v0'),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'a newer version of the source',
      'write',
      stored('S', '0A'),
      { eTag: 'L', sequencer: '0B' },
      'v1',
    ],
    [
      'the same bytes uploaded again later (a revert)',
      'write',
      stored('S', '0A'),
      { eTag: 'S', sequencer: '0C' },
      'v1',
    ],
    [
      'an older event, other bytes',
      'superseded',
      stored('S', '0C'),
      { eTag: 'L', sequencer: '0B' },
      'v1',
    ],
    [
      'an older event, the same bytes',
      'superseded',
      stored('S', '0C'),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'an older event, newer options',
      'superseded',
      stored('S', '0C', 'v0'),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'unordered, same bytes',
      'duplicate',
      stored('S', undefined),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'unordered, same bytes, other options',
      'unordered',
      stored('S', undefined, 'v0'),
      { eTag: 'S', sequencer: '0A' },
      'v1',
    ],
    [
      'unordered, other bytes',
      'unordered',
      stored('S', undefined),
      { eTag: 'L', sequencer: '0A' },
      'v1',
    ],
    [
      'event without a sequencer',
      'unordered',
      stored('S', '0A'),
      { eTag: 'L', sequencer: undefined },
      'v1',
    ],
  ] as const)('%s → %s', (_why, expected, s, event, options) => {
    expect(verdictFor(s, event, options)).toBe(expected);
  });

  it('a reverted overwrite ends as the reverted bytes: S, then L, then S again, L’s job last', () => {
    // S (0A) was processed; L (0B) and S again (0C) are in flight; S's job finishes first.
    const afterS = stored('S', '0A');
    expect(verdictFor(afterS, { eTag: 'S', sequencer: '0C' }, 'v1')).toBe('write');
    const afterRevert = stored('S', '0C');
    expect(verdictFor(afterRevert, { eTag: 'L', sequencer: '0B' }, 'v1')).toBe('superseded');
  });
});

describe('compareSequencers (S3: hex strings of varying length, compared left-padded)', () => {
  it.each([
    ['0A', '009', 1],
    ['009', '0A', -1],
    ['0a', '0A', 0],
    ['00FF', 'FF', 0],
  ] as const)('%s vs %s → %i', (a, b, expected) => {
    expect(compareSequencers(a, b)).toBe(expected);
  });
});
