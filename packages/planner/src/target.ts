/**
 * `--target 180s`: the cheapest settings whose modelled drain time meets the target. A coordinate
 * search from the stack's own settings: each round tries every value of one setting at a time
 * and keeps the best, until a round changes nothing. Cost counts the burst plus one day of the
 * warm pool's nodes (a warm pool is paid for around the clock).
 */
import { runPlan, type Plan, type PlanInput } from './plan.ts';
import { type Overrides, SEARCH_SPACE, applyOverrides, currentOverrides } from './variants.ts';

export interface Candidate {
  readonly overrides: Overrides;
  readonly plan: Plan;
  /** The burst's cost plus a day of the warm pool. */
  readonly score: number;
  readonly warmPoolPerDay: number;
}

/** Dollars per day of the nodes running before the burst starts (the warm pool). */
export function warmPoolPerDay(plan: Plan, input: PlanInput): number {
  const prices = new Map(input.model.prices.instanceTypes.map((t) => [t.name, t]));
  return plan.outcome.nodes
    .filter((n) => n.requestedAt === 0 && n.readyAt === 0)
    .reduce((sum, n) => {
      const p = prices.get(n.type);
      const hourly = input.capacity === 'spot' ? (p?.spotHourly ?? 0) : (p?.onDemandHourly ?? 0);
      return sum + hourly * 24;
    }, 0);
}

export function evaluate(base: PlanInput, overrides: Overrides): Candidate {
  const input = { ...base, settings: applyOverrides(base.settings, overrides, base.workload) };
  const plan = runPlan(input);
  const warm = warmPoolPerDay(plan, input);
  return { overrides, plan, score: plan.summary.cost.total + warm, warmPoolPerDay: warm };
}

/** Better = meets the target and costs less; among misses, drains sooner. */
export function better(a: Candidate, b: Candidate, targetSeconds: number): boolean {
  const aMeets = a.plan.summary.drainSeconds <= targetSeconds;
  const bMeets = b.plan.summary.drainSeconds <= targetSeconds;
  if (aMeets !== bMeets) return aMeets;
  if (aMeets) return a.score < b.score;
  return a.plan.summary.drainSeconds < b.plan.summary.drainSeconds;
}

export interface SearchResult {
  readonly start: Candidate;
  readonly best: Candidate;
  readonly evaluated: number;
}

export function searchTarget(base: PlanInput, targetSeconds: number, maxRounds = 4): SearchResult {
  const seen = new Map<string, Candidate>();
  const get = (o: Overrides) => {
    const key = JSON.stringify(o);
    let c = seen.get(key);
    if (!c) {
      c = evaluate(base, o);
      seen.set(key, c);
    }
    return c;
  };
  const start = get(currentOverrides(base.settings));
  let best = start;
  for (let round = 0; round < maxRounds; round++) {
    const before = best;
    for (const key of Object.keys(SEARCH_SPACE) as (keyof Overrides)[]) {
      for (const value of SEARCH_SPACE[key]) {
        const c = get({ ...best.overrides, [key]: value });
        if (better(c, best, targetSeconds)) best = c;
      }
    }
    if (best === before) break;
  }
  return { start, best, evaluated: seen.size };
}
