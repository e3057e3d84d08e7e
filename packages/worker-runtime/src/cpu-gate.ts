/**
 * The CPU gate: at most `concurrency` photos inside the image operation at once, so downloads
 * and uploads of other photos overlap the processing. A photo still waiting for a slot when the
 * drain starts is turned away at once (ShutdownError) and goes back to the queue for another pod.
 */
import pLimit from 'p-limit';
import { ShutdownError } from './errors.ts';

/** Run `fn` when a CPU slot is free. @throws {ShutdownError} when draining starts first. */
export type CpuGate = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * @example const gate = createCpuGate(2, draining.signal); await gate(() => grayscale(bytes));
 */
export function createCpuGate(concurrency: number, draining: AbortSignal): CpuGate {
  const limit = pLimit(concurrency);
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
