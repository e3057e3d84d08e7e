/**
 * A gate: at most `slots` jobs inside at once. The worker has two: the CPU gate (`concurrency`
 * photos in the image operation) and the source gate (`concurrency + 1` sources in memory, from
 * their download to the end of their processing), so one download overlaps the processing
 * without a whole receive batch of sources sitting in memory. A job still waiting for a slot
 * when the drain starts is turned away at once (ShutdownError) and goes back to the queue for
 * another pod.
 */
import pLimit from 'p-limit';
import { ShutdownError } from './errors.ts';

/** Run `fn` when a slot is free. @throws {ShutdownError} when draining starts first. */
export type Gate = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * @example const gate = createGate(2, draining.signal); await gate(() => grayscale(bytes));
 */
export function createGate(slots: number, draining: AbortSignal): Gate {
  const limit = pLimit(slots);
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      let started = false;
      const turnAway = () => {
        if (!started) reject(new ShutdownError());
      };
      draining.addEventListener('abort', turnAway, { once: true });
      void limit(async () => {
        if (draining.aborted) return turnAway();
        started = true;
        return fn().then(resolve, reject);
      }).finally(() => draining.removeEventListener('abort', turnAway));
    });
}
