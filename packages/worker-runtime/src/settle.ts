/**
 * What becomes of a message once each of its photos (S3 records) has a result: the one place
 * that decides delete / release / back off / dead-letter. Pure, so every combination is tested.
 *
 * Rules, in order:
 * 1. A photo turned away by the drain → the whole message is released now (visible at once).
 * 2. A transient failure before the last receive → back off; the permanent failures of the same
 *    message wait for that retry, so each photo is dead-lettered once, never once per receive.
 * 3. Otherwise every failed photo is dead-lettered with its own reason (a transient one on the
 *    last receive says it gave up, with its last real error) and the message is deleted.
 * 4. No failure → delete.
 */
import type { PhotoOutcome } from '@darkroom/pipeline-spec';
import { retryDelaySeconds } from './backoff.ts';
import { PermanentMessageError, ShutdownError, type WorkerError } from './errors.ts';

/** How one photo went in this delivery. */
export type RecordResult =
  | {
      readonly ok: true;
      readonly outcome: 'processed' | 'duplicate' | 'skipped' | 'superseded' | 'removed';
    }
  | { readonly ok: false; readonly error: WorkerError };

export interface DeliveryFacts {
  /** ApproximateReceiveCount of this delivery (1 on the first). */
  readonly receiveCount: number;
  /** The redrive policy's maxReceiveCount: SQS moves the message after this many receives. */
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

export type MessageAction =
  | { readonly kind: 'delete' }
  | { readonly kind: 'release' }
  | { readonly kind: 'back-off'; readonly delaySeconds: number };

export interface Settlement<R> {
  readonly action: MessageAction;
  /** Photos to send to the DLQ, each with its reason, before the message is deleted. */
  readonly deadLetter: readonly { readonly record: R; readonly error: WorkerError }[];
  /** One outcome per record, in the records' order. */
  readonly outcomes: readonly PhotoOutcome[];
}

/**
 * Decide a message's fate from its records' results (same order and length).
 * @example settle([a], [{ ok: true, outcome: 'processed' }], facts) // { action: { kind: 'delete' }, deadLetter: [], outcomes: ['processed'] }
 */
export function settle<R>(
  records: readonly R[],
  results: readonly RecordResult[],
  facts: DeliveryFacts,
): Settlement<R> {
  if (records.length !== results.length)
    throw new RangeError(`settle: ${records.length} records but ${results.length} results`);
  const failedAs = (outcome: PhotoOutcome) => results.map((r) => (r.ok ? r.outcome : outcome));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  if (errors.some((e) => e instanceof ShutdownError))
    return { action: { kind: 'release' }, deadLetter: [], outcomes: failedAs('released') };
  const lastReceive = facts.receiveCount >= facts.maxReceiveCount;
  if (errors.some((e) => e.retryable) && !lastReceive) {
    const delaySeconds = retryDelaySeconds(facts.receiveCount, facts.visibilityTimeoutSeconds);
    return {
      action: { kind: 'back-off', delaySeconds },
      deadLetter: [],
      outcomes: failedAs('retried'),
    };
  }
  const deadLetter = records.flatMap((record, i) => {
    const result = results[i];
    if (!result || result.ok) return [];
    return [{ record, error: result.error.retryable ? gaveUp(result.error, facts) : result.error }];
  });
  return { action: { kind: 'delete' }, deadLetter, outcomes: failedAs('dead_lettered') };
}

function gaveUp(error: WorkerError, facts: DeliveryFacts): WorkerError {
  return new PermanentMessageError(
    error.code,
    `Gave up after ${facts.receiveCount} receives (maxReceiveCount ${facts.maxReceiveCount}); last error: ${error.message}`,
    error.step,
    error,
  );
}
