/**
 * What the probes report, from what the worker saw: receives, finished photos, the event loop's
 * heartbeat and the drain. Pure apart from the injected clock, so every rule is unit-tested.
 *
 * - Readiness: the last receive succeeded (the queue is reachable now) and we are not draining.
 * - Liveness: only what a restart fixes — a stalled event loop, or a consumer that neither
 *   finishes a receive (successful or not) nor a photo for a long time. An SQS outage keeps
 *   receives failing, which is activity: restarting would not bring SQS back.
 */
import { RECEIVE_WAIT_SECONDS } from '@darkroom/pipeline-spec';
import type { HealthState } from './health.ts';

/** The event loop ticks every second; this much silence means it is blocked. */
export const EVENT_LOOP_STALL_MS = 10_000;

export interface WorkerHealth extends HealthState {
  /** A receive returned (with or without messages). */
  received(): void;
  /** A receive failed; readiness drops until one succeeds. */
  receiveFailed(reason: string): void;
  /** A photo finished, whatever its outcome. */
  photoFinished(): void;
  /** The event loop is alive (called from a 1 s timer). */
  tick(): void;
  startDraining(): void;
  /** Whether the consumer should be running (false once draining). */
  readonly consuming: boolean;
}

/**
 * @param wedgedAfterMs silence (no receive returned, no photo finished) after which the worker is
 *   considered wedged; at least two long polls and two visibility timeouts.
 */
export function createWorkerHealth(
  visibilityTimeoutSeconds: number,
  now: () => number = Date.now,
): WorkerHealth {
  const wedgedAfterMs = Math.max(
    120_000,
    2 * visibilityTimeoutSeconds * 1000,
    4 * RECEIVE_WAIT_SECONDS * 1000,
  );
  let lastTick = now();
  let lastActivity = now();
  let everReceived = false;
  let receiveProblem: string | undefined = 'waiting for the first successful SQS receive';
  let draining = false;
  return {
    received() {
      lastActivity = now();
      everReceived = true;
      receiveProblem = undefined;
    },
    receiveFailed(reason) {
      lastActivity = now();
      receiveProblem = everReceived
        ? `last SQS receive failed: ${reason}`
        : `waiting for the first successful SQS receive (last error: ${reason})`;
    },
    photoFinished() {
      lastActivity = now();
    },
    tick() {
      lastTick = now();
    },
    startDraining() {
      draining = true;
    },
    get consuming() {
      return !draining;
    },
    liveness() {
      const stalled = now() - lastTick;
      if (stalled > EVENT_LOOP_STALL_MS) return `event loop stalled for ${stalled} ms`;
      const quiet = now() - lastActivity;
      if (!draining && quiet > wedgedAfterMs)
        return `no receive returned and no photo finished for ${quiet} ms`;
      return undefined;
    },
    readiness() {
      if (draining) return 'draining';
      return receiveProblem;
    },
  };
}
