/** One plan: a stack's settings, a burst, the model run once, its summary. */
import type { CostModel } from './costs.ts';
import type { ModelConfig } from './model-config.ts';
import type { PlanSettings } from './settings.ts';
import {
  type Capacity,
  type Provisioner,
  type Scaler,
  type SimOutcome,
  simulate,
} from './simulate.ts';
import { type PlanSummary, summarise } from './summary.ts';
import type { Workload } from './workload.ts';

export interface PlanInput {
  readonly settings: PlanSettings;
  readonly model: ModelConfig;
  readonly costs: CostModel;
  readonly workload: Workload;
  readonly capacity: Capacity;
  readonly seed: number;
  readonly scaler?: Scaler;
  readonly provisioner?: Provisioner;
}

export interface Plan {
  readonly outcome: SimOutcome;
  readonly summary: PlanSummary;
}

export function runPlan(input: PlanInput): Plan {
  const outcome = simulate(input);
  return {
    outcome,
    summary: summarise(
      outcome,
      input.workload,
      input.model,
      input.capacity,
      input.settings.pollingIntervalSeconds,
    ),
  };
}
