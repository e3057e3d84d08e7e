/**
 * KEDA's part of the scaling chain, as pure functions (sources in the package README):
 * - the `aws-sqs-queue` metric is ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible
 *   when `scaleOnInFlight` is true (KEDA aws-sqs-queue scaler docs);
 * - a scaler is active when the metric is strictly greater than `activationQueueLength`
 *   (KEDA "activation" docs: "the scaler is active when the value is greater than the activation value");
 * - KEDA owns 0 ↔ 1: on each `pollingInterval` it scales an idle target to max(1, minReplicaCount) when
 *   active, and back to minReplicaCount (0) once no trigger has been active for `cooldownPeriod`.
 */

export interface SqsTriggerSettings {
  readonly queueLength: number;
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
}

/** The value KEDA reports for the queue. */
export function sqsMetric(visible: number, inFlight: number, scaleOnInFlight: boolean): number {
  return scaleOnInFlight ? visible + inFlight : visible;
}

/** Activation: strictly greater than the activation threshold. */
export function isActive(metric: number, activationQueueLength: number): boolean {
  return metric > activationQueueLength;
}

export interface KedaZeroState {
  readonly replicas: number;
  /** Last time (s) any trigger was active; undefined before the first activation. */
  readonly lastActiveAt: number | undefined;
}

/**
 * KEDA's own decision at a polling tick: the replica count it sets, or `undefined` to leave the
 * target to the HPA (1 ↔ N).
 */
export function kedaZeroDecision(args: {
  readonly now: number;
  readonly active: boolean;
  readonly state: KedaZeroState;
  readonly minReplicas: number;
  readonly cooldownPeriodSeconds: number;
}): number | undefined {
  const { now, active, state, minReplicas, cooldownPeriodSeconds } = args;
  if (active && state.replicas === 0) return Math.max(1, minReplicas);
  if (
    !active &&
    minReplicas === 0 &&
    state.replicas > 0 &&
    (state.lastActiveAt === undefined || now - state.lastActiveAt >= cooldownPeriodSeconds)
  )
    return 0;
  return undefined;
}
