/**
 * The model's processing step alone, for a run the local pipeline can reproduce: fixed worker
 * processes already up, every message visible at once, no autoscaling. Slots share the machine's
 * cores (processor sharing); the wait outside CPU is the local emulator's, from bench:pipeline.
 */
import type { Operation } from '@darkroom/pipeline-spec';
import type { CostModel } from './costs.ts';

export interface LocalRun {
  readonly operation: Operation;
  readonly photos: number;
  readonly megapixels: number;
  readonly workers: number;
  readonly concurrency: number;
  readonly cores: number;
}

/** Predicted seconds from the workers being ready to the last photo stored. */
export function predictLocalDrain(costs: CostModel, run: LocalRun): number {
  const cost = costs.photoCost(run.operation, run.megapixels);
  const slots = run.workers * run.concurrency;
  const share = Math.min(1, run.cores / slots);
  const perPhoto = (cost.opCpuSeconds + cost.overheadCpuSeconds) / share + cost.ioSeconds;
  return Math.ceil(run.photos / slots) * perPhoto;
}
