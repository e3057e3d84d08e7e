/**
 * What the worker says while SQS is unreachable: the first failed receive at once, then one
 * summary per interval while it lasts, and the recovery with its duration — never one line per
 * retry, never silence (an outage once showed only on /readyz). Pure: the caller logs.
 */
export interface OutageState {
  readonly since: number | undefined;
  readonly failures: number;
  readonly lastReportAt: number;
}

export interface OutageLine {
  readonly level: 'warn' | 'info';
  readonly msg: string;
  readonly failures: number;
  readonly outageSeconds: number;
  readonly lastError?: string;
}

/** A summary at most this often while receives keep failing. */
export const OUTAGE_SUMMARY_EVERY_MS = 30_000;

export const NO_OUTAGE: OutageState = { since: undefined, failures: 0, lastReportAt: 0 };

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function receiveFailed(
  state: OutageState,
  now: number,
  error: string,
): { state: OutageState; line?: OutageLine } {
  const since = state.since ?? now;
  const failures = state.failures + 1;
  const first = state.since === undefined;
  if (!first && now - state.lastReportAt < OUTAGE_SUMMARY_EVERY_MS)
    return { state: { since, failures, lastReportAt: state.lastReportAt } };
  return {
    state: { since, failures, lastReportAt: now },
    line: {
      level: 'warn',
      msg: first ? 'SQS receive failing, retrying with backoff' : 'SQS receive still failing',
      failures,
      outageSeconds: seconds(now - since),
      lastError: error,
    },
  };
}

export function receiveSucceeded(
  state: OutageState,
  now: number,
): { state: OutageState; line?: OutageLine } {
  if (state.since === undefined) return { state };
  return {
    state: NO_OUTAGE,
    line: {
      level: 'info',
      msg: 'SQS receive recovered',
      failures: state.failures,
      outageSeconds: seconds(now - state.since),
    },
  };
}
