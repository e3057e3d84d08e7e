/** One plan: a stack's settings, a burst, the model run once, its summary. */
import { type SimInput, type SimOutcome, simulate } from './simulate.ts';
import { type PlanSummary, summarise } from './summary.ts';

/** What one plan needs: exactly what one simulation run takes. */
export type PlanInput = SimInput;

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
      input.settings.s3GatewayEndpoint,
    ),
  };
}

export interface PlanSpread {
  /** The run with the median drain time: the one reported in detail and charted. */
  readonly median: Plan;
  readonly runs: readonly Plan[];
  readonly drainSeconds: { readonly min: number; readonly max: number };
  readonly nodeMinutes: { readonly min: number; readonly max: number };
  readonly cost: { readonly min: number; readonly max: number; readonly mean: number };
}

/**
 * The same plan over `runs` seeds (seed, seed + 1, …): controller phases, delays and node
 * launches differ per seed, and so does the drain time.
 */
export function runPlans(input: PlanInput, runs: number): PlanSpread {
  const plans = Array.from({ length: runs }, (_, i) => runPlan({ ...input, seed: input.seed + i }));
  const sorted = [...plans].sort((a, b) => a.summary.drainSeconds - b.summary.drainSeconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? runPlan(input);
  const range = (f: (p: Plan) => number) => ({
    min: Math.min(...plans.map(f)),
    max: Math.max(...plans.map(f)),
  });
  const costs = plans.map((p) => p.summary.cost.total);
  return {
    median,
    runs: plans,
    drainSeconds: range((p) => p.summary.drainSeconds),
    nodeMinutes: range((p) => p.summary.nodeMinutes),
    cost: {
      ...range((p) => p.summary.cost.total),
      mean: costs.reduce((a, b) => a + b, 0) / costs.length,
    },
  };
}
