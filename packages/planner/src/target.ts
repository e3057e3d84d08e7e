/**
 * `--target 180s`: the cheapest settings whose modelled drain time meets the target. A coordinate
 * search from the stack's own settings: each round tries every value of one setting at a time
 * and keeps the best, until a round changes nothing. Each setting runs on several seeds and must
 * meet the target on all of them; cost is their mean burst cost plus one day of the warm pool's
 * nodes (a warm pool is paid for around the clock).
 */

/** Seeds each candidate runs on. */
export const SEARCH_RUNS = 3;
import { type Plan, type PlanInput, runPlans } from './plan.ts';
import { type Overrides, SEARCH_SPACE, applyOverrides, currentOverrides } from './variants.ts';

export interface Candidate {
  readonly overrides: Overrides;
  /** The run with the median drain time. */
  readonly plan: Plan;
  /** The slowest run's drain time: what the target is judged on. */
  readonly worstDrainSeconds: number;
  readonly meanCost: number;
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
  const spread = runPlans(input, SEARCH_RUNS);
  const plan = spread.median;
  const warm = warmPoolPerDay(plan, input);
  return {
    overrides,
    plan,
    worstDrainSeconds: spread.drainSeconds.max,
    meanCost: spread.cost.mean,
    score: spread.cost.mean + warm,
    warmPoolPerDay: warm,
  };
}

/** Better = meets the target and costs less; among misses, drains sooner. */
export function better(a: Candidate, b: Candidate, targetSeconds: number): boolean {
  const aMeets = a.worstDrainSeconds <= targetSeconds;
  const bMeets = b.worstDrainSeconds <= targetSeconds;
  if (aMeets !== bMeets) return aMeets;
  if (aMeets) return a.score < b.score;
  return a.worstDrainSeconds < b.worstDrainSeconds;
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
