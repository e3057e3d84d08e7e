import { describe, expect, it } from 'vitest';
import { PermanentMessageError, ShutdownError, TransientError } from './errors.ts';
import { type RecordResult, settle } from './settle.ts';

const facts = { receiveCount: 1, maxReceiveCount: 5, visibilityTimeoutSeconds: 60 };
const lastReceive = { ...facts, receiveCount: 5 };
const done = (outcome: 'processed' | 'duplicate' | 'skipped' | 'superseded'): RecordResult => ({
  ok: true,
  outcome,
});
const corrupt = new PermanentMessageError('CorruptImage', 'damaged', 'process');
const slowDown = new TransientError('SlowDown', 'S3 said slow down', 'download');
const failed = (error: PermanentMessageError | TransientError | ShutdownError): RecordResult => ({
  ok: false,
  error,
});

describe('settle: what becomes of a message', () => {
  it('deletes a message whose photos all finished, whatever the finished outcome', () => {
    const results = [done('processed'), done('duplicate'), done('skipped'), done('superseded')];
    expect(settle(['a', 'b', 'c', 'd'], results, facts)).toEqual({
      action: { kind: 'delete' },
      deadLetter: [],
      outcomes: ['processed', 'duplicate', 'skipped', 'superseded'],
    });
  });

  it('dead-letters a permanent failure at once, with its own reason, and deletes the message', () => {
    const s = settle(['ok', 'bad'], [done('processed'), failed(corrupt)], facts);
    expect(s.action).toEqual({ kind: 'delete' });
    expect(s.deadLetter).toEqual([{ record: 'bad', error: corrupt }]);
    expect(s.outcomes).toEqual(['processed', 'dead_lettered']);
  });

  it('dead-letters each failed photo of a message separately', () => {
    const other = new PermanentMessageError('UnsupportedFormat', 'svg', 'process');
    const s = settle(['a', 'b'], [failed(corrupt), failed(other)], facts);
    expect(s.deadLetter.map((d) => [d.record, d.error.code])).toEqual([
      ['a', 'CorruptImage'],
      ['b', 'UnsupportedFormat'],
    ]);
  });

  it('backs off a transient failure by receive count, dead-lettering nothing', () => {
    for (const [receiveCount, delaySeconds] of [
      [1, 5],
      [2, 10],
      [3, 20],
      [4, 40],
    ] as const) {
      const s = settle(['a'], [failed(slowDown)], { ...facts, receiveCount });
      expect(s).toEqual({
        action: { kind: 'back-off', delaySeconds },
        deadLetter: [],
        outcomes: ['retried'],
      });
    }
  });

  it('a permanent failure beside a transient one waits for the retry: never dead-lettered twice', () => {
    const s = settle(
      ['bad', 'flaky', 'ok'],
      [failed(corrupt), failed(slowDown), done('processed')],
      facts,
    );
    expect(s.action).toEqual({ kind: 'back-off', delaySeconds: 5 });
    expect(s.deadLetter).toEqual([]);
    expect(s.outcomes).toEqual(['retried', 'retried', 'processed']);
  });

  it('on the last receive dead-letters the transient failure with the key and the last real error', () => {
    const s = settle(['bad', 'flaky'], [failed(corrupt), failed(slowDown)], lastReceive);
    expect(s.action).toEqual({ kind: 'delete' });
    expect(s.outcomes).toEqual(['dead_lettered', 'dead_lettered']);
    expect(s.deadLetter[0]).toEqual({ record: 'bad', error: corrupt });
    expect(s.deadLetter[1]?.record).toBe('flaky');
    expect(s.deadLetter[1]?.error).toMatchObject({
      code: 'SlowDown',
      retryable: false,
      step: 'download',
    });
    expect(s.deadLetter[1]?.error.message).toBe(
      'Gave up after 5 receives (maxReceiveCount 5); last error: S3 said slow down',
    );
  });

  it('releases the whole message at once when the drain turned a photo away, dead-lettering nothing', () => {
    const s = settle(
      ['bad', 'waiting', 'ok'],
      [failed(corrupt), failed(new ShutdownError()), done('processed')],
      lastReceive,
    );
    expect(s).toEqual({
      action: { kind: 'release' },
      deadLetter: [],
      outcomes: ['released', 'released', 'processed'],
    });
  });

  it('caps the backoff at the visibility timeout', () => {
    const s = settle(['a'], [failed(slowDown)], {
      receiveCount: 9,
      maxReceiveCount: 10,
      visibilityTimeoutSeconds: 30,
    });
    expect(s.action).toEqual({ kind: 'back-off', delaySeconds: 30 });
  });

  it('refuses results that do not match the records', () => {
    expect(() => settle(['a', 'b'], [done('processed')], facts)).toThrow(RangeError);
  });
});
