import { describe, expect, it } from 'vitest';
import {
  NO_OUTAGE,
  OUTAGE_SUMMARY_EVERY_MS,
  receiveFailed,
  receiveSucceeded,
} from './outage-log.ts';

describe('what a worker logs through an SQS outage', () => {
  it('says so at the first failure, then once per interval, then the recovery with its length', () => {
    const lines: string[] = [];
    let state = NO_OUTAGE;
    const fail = (at: number) => {
      const next = receiveFailed(state, at, 'ECONNRESET');
      state = next.state;
      if (next.line)
        lines.push(
          `${at}: ${next.line.level} ${next.line.msg} (${next.line.failures}, ${next.line.outageSeconds} s)`,
        );
    };
    fail(1_000);
    for (let t = 2_000; t <= 95_000; t += 1_000) fail(t); // a retry a second for 95 s
    const recovered = receiveSucceeded(state, 96_000);
    expect(lines).toEqual([
      '1000: warn SQS receive failing, retrying with backoff (1, 0 s)',
      '31000: warn SQS receive still failing (31, 30 s)',
      '61000: warn SQS receive still failing (61, 60 s)',
      '91000: warn SQS receive still failing (91, 90 s)',
    ]);
    expect(recovered.line).toEqual({
      level: 'info',
      msg: 'SQS receive recovered',
      failures: 95,
      outageSeconds: 95,
    });
    expect(recovered.state).toEqual(NO_OUTAGE);
  });

  it('says nothing when receives succeed', () => {
    expect(receiveSucceeded(NO_OUTAGE, 5).line).toBeUndefined();
  });

  it('reports a second outage afresh', () => {
    let state = receiveFailed(NO_OUTAGE, 0, 'a').state;
    state = receiveSucceeded(state, 10).state;
    const again = receiveFailed(state, 20 + OUTAGE_SUMMARY_EVERY_MS / 2, 'b');
    expect(again.line?.msg).toBe('SQS receive failing, retrying with backoff');
  });
});
