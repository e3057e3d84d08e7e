/**
 * The Horizontal Pod Autoscaler's replica arithmetic, as pure functions following the Kubernetes
 * HPA documentation ("Algorithm details", "Configurable scaling behavior") and the controller's
 * `stabilizeRecommendationWithBehaviors` / `calculateScale{Up,Down}LimitWithScalingRules`.
 */

export interface ScalingPolicy {
  readonly type: 'Percent' | 'Pods';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
}

export interface Behavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** A past replica change, for the policies' rate limits. */
export interface ScaleEvent {
  readonly at: number;
  readonly change: number;
}

export interface Recommendation {
  readonly at: number;
  readonly replicas: number;
}

/**
 * desiredReplicas for an External metric with an AverageValue target: no change while the usage
 * ratio is within the tolerance of 1.0, otherwise ceil(metric / target).
 */
export function externalAverageValueDesired(
  currentReplicas: number,
  metric: number,
  target: number,
  tolerance: number,
): number {
  const ratio = metric / (target * currentReplicas);
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  return Math.ceil(metric / target);
}

/**
 * desiredReplicas for a Resource (CPU) Utilization target: ceil(ready × usageRatio); when that
 * scales up and some pods are not ready yet, they are counted at 0 % usage and the recount must
 * still scale up beyond the tolerance (the documented conservative rule).
 */
export function cpuUtilizationDesired(args: {
  readonly currentReplicas: number;
  readonly readyUtilizations: readonly number[];
  readonly notReadyPods: number;
  readonly targetUtilization: number;
  readonly tolerance: number;
}): number {
  const { currentReplicas, readyUtilizations, notReadyPods, targetUtilization, tolerance } = args;
  const ready = readyUtilizations.length;
  if (ready === 0) return currentReplicas;
  const usage = readyUtilizations.reduce((s, u) => s + u, 0);
  const ratio = usage / ready / targetUtilization;
  if (Math.abs(ratio - 1) <= tolerance) return currentReplicas;
  if (ratio < 1 || notReadyPods === 0) return Math.ceil(ratio * ready);
  const counted = ready + notReadyPods;
  const recount = usage / counted / targetUtilization;
  if (Math.abs(recount - 1) <= tolerance || recount < 1) return currentReplicas;
  return Math.ceil(recount * counted);
}

function changeInPeriod(events: readonly ScaleEvent[], now: number, period: number): number {
  return events.filter((e) => now - e.at < period).reduce((s, e) => s + e.change, 0);
}

/** Highest replica count the scale-up policies allow now. */
export function scaleUpLimit(
  currentReplicas: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const limits = rules.policies.map((p) => {
    const start =
      currentReplicas -
      changeInPeriod(upEvents, now, p.periodSeconds) +
      changeInPeriod(downEvents, now, p.periodSeconds);
    return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
  });
  return rules.selectPolicy === 'Max' ? Math.max(...limits) : Math.min(...limits);
}

/** Lowest replica count the scale-down policies allow now (`downEvents` hold positive counts removed). */
export function scaleDownLimit(
  currentReplicas: number,
  downEvents: readonly ScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  const limits = rules.policies.map((p) => {
    const start = currentReplicas + changeInPeriod(downEvents, now, p.periodSeconds);
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  // For scale-down, `Max` picks the policy allowing the biggest change: the lowest limit.
  return rules.selectPolicy === 'Max' ? Math.min(...limits) : Math.max(...limits);
}

/** The stabilised recommendation: min over the up window, max over the down window, bounded by current. */
export function stabilize(
  currentReplicas: number,
  desired: number,
  history: readonly Recommendation[],
  behavior: Behavior,
  now: number,
): number {
  let up = desired;
  let down = desired;
  for (const r of history) {
    if (now - r.at < behavior.scaleUp.stabilizationWindowSeconds) up = Math.min(up, r.replicas);
    if (now - r.at < behavior.scaleDown.stabilizationWindowSeconds)
      down = Math.max(down, r.replicas);
  }
  return Math.min(Math.max(currentReplicas, up), down);
}

export interface HpaStep {
  readonly replicas: number;
  readonly recommendation: Recommendation;
}

/** One HPA sync: stabilise the desired count, then apply the rate policies and min/max bounds. */
export function hpaStep(args: {
  readonly now: number;
  readonly currentReplicas: number;
  readonly desired: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: Behavior;
  readonly history: readonly Recommendation[];
  readonly upEvents: readonly ScaleEvent[];
  readonly downEvents: readonly ScaleEvent[];
}): HpaStep {
  const { now, currentReplicas, behavior } = args;
  const recommendation = { at: now, replicas: args.desired };
  const stable = stabilize(currentReplicas, args.desired, args.history, behavior, now);
  let replicas = stable;
  if (stable > currentReplicas)
    replicas = Math.min(
      stable,
      scaleUpLimit(currentReplicas, args.upEvents, args.downEvents, behavior.scaleUp, now),
    );
  else if (stable < currentReplicas)
    replicas = Math.max(
      stable,
      scaleDownLimit(currentReplicas, args.downEvents, behavior.scaleDown, now),
    );
  replicas = Math.min(args.maxReplicas, Math.max(args.minReplicas, replicas));
  return { replicas, recommendation };
}
