/**
 * What Kubernetes does for a Deployment's pod, for the local worker processes: a worker that
 * exits while the pipeline runs is restarted after a back-off that doubles per consecutive crash
 * (reset after it ran a while); one that keeps dying is given up on, with its exit reason and
 * last log lines, so the run can stop with a clear message instead of waiting forever.
 */
import type { WorkerProcess } from './workers.ts';

export interface RestartPolicy {
  /** Delay before the first restart; doubles for each consecutive crash. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Consecutive crashes tolerated; one more and the worker is given up on. */
  readonly maxRestarts: number;
  /** A worker that ran this long before exiting starts a fresh back-off series. */
  readonly resetAfterMs: number;
}

/** Kubernetes uses 10 s doubling to 5 min; a laptop run is minutes long, so the steps are shorter. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  maxRestarts: 5,
  resetAfterMs: 60_000,
};

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** How a process ended, in words: "exit code 1", "killed by SIGKILL". */
export function describeExit(exit: Pick<WorkerExit, 'code' | 'signal'>): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? '?'}`;
}

/** Delay before restart number `consecutive` (1-based) of a series. */
export function backoffMs(policy: RestartPolicy, consecutive: number): number {
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, consecutive - 1));
}

/** Thrown (by `waitForDrain`) when a worker kept dying and was given up on. */
export class CrashLoopError extends Error {
  override readonly name = 'CrashLoopError';
  readonly worker: string;
  readonly restarts: number;
  readonly lastExit: WorkerExit;
  readonly lastLines: readonly string[];
  constructor(
    worker: string,
    restarts: number,
    lastExit: WorkerExit,
    lastLines: readonly string[],
  ) {
    super(
      `worker ${worker} keeps dying (${describeExit(lastExit)} after ${restarts} restart(s)); its last log lines:\n${lastLines.map((l) => `  ${l}`).join('\n') || '  (none)'}`,
    );
    this.worker = worker;
    this.restarts = restarts;
    this.lastExit = lastExit;
    this.lastLines = lastLines;
  }
}

/** One worker "pod": the process now running in it, and its restart history. */
export interface WorkerSlot {
  readonly name: string;
  readonly current: WorkerProcess;
  readonly restarts: number;
  readonly lastExit: WorkerExit | undefined;
}

export interface SupervisorEvents {
  /** A worker died and will be restarted after `delayMs`. */
  onRestart?: (slot: WorkerSlot, exit: WorkerExit, delayMs: number) => void;
  /** A worker kept dying: no more restarts. */
  onGiveUp?: (error: CrashLoopError) => void;
}

/**
 * Watch `first` and its replacements. `spawn` starts a replacement process for the slot.
 * @returns the slot (live view) and `stop()`, which ends supervision before workers are stopped.
 */
export function superviseWorker(
  first: WorkerProcess,
  spawn: () => WorkerProcess,
  policy: RestartPolicy,
  events: SupervisorEvents,
): { slot: WorkerSlot; stop: () => void } {
  const state = {
    name: first.name,
    current: first,
    restarts: 0,
    lastExit: undefined as WorkerExit | undefined,
  };
  let consecutive = 0;
  let startedAt = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const watch = (worker: WorkerProcess) =>
    void worker.exited.then((exit) => {
      if (stopped) return;
      state.lastExit = exit;
      consecutive = exit.at - startedAt >= policy.resetAfterMs ? 1 : consecutive + 1;
      if (consecutive > policy.maxRestarts) {
        stopped = true;
        events.onGiveUp?.(
          new CrashLoopError(state.name, state.restarts, exit, worker.lastLines(15)),
        );
        return;
      }
      const delay = backoffMs(policy, consecutive);
      events.onRestart?.(state, exit, delay);
      timer = setTimeout(() => {
        if (stopped) return;
        state.restarts += 1;
        startedAt = Date.now();
        state.current = spawn();
        watch(state.current);
      }, delay);
    });
  watch(first);
  return {
    slot: state,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
