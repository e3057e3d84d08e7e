/**
 * When a burst is over: every queue empty, nothing in flight, and as many results or dead
 * letters as photos sent, per operation (a pure decision over one poll's counts).
 */
import type { QueueCounts } from '@darkroom/operator';
import type { Operation } from '@darkroom/pipeline-spec';

export type DrainProgress = Map<Operation, { done: number; failed: number }>;

export interface OperationPoll {
  readonly counts: QueueCounts;
  readonly results: number;
}

export function drainProgress(
  expected: Partial<Record<Operation, number>>,
  polls: ReadonlyMap<Operation, OperationPoll>,
): { progress: DrainProgress; drained: boolean } {
  const progress: DrainProgress = new Map();
  let drained = true;
  for (const [operation, want = 0] of Object.entries(expected) as [
    Operation,
    number | undefined,
  ][]) {
    const poll = polls.get(operation);
    if (!poll) {
      drained = false;
      continue;
    }
    const { visible, inFlight, deadLettered } = poll.counts;
    progress.set(operation, { done: poll.results, failed: deadLettered });
    if (visible > 0 || inFlight > 0 || poll.results + deadLettered < want) drained = false;
  }
  return { progress, drained };
}
