import { describe, expect, it } from 'vitest';
import { isActive, kedaZeroDecision, sqsMetric } from './keda.ts';

// KEDA docs, aws-sqs-queue scaler: "actual messages" = ApproximateNumberOfMessages +
// ApproximateNumberOfMessagesNotVisible unless scaleOnInFlight is false.
describe('KEDA aws-sqs-queue metric', () => {
  it('counts in-flight messages only with scaleOnInFlight, so busy pods are not scaled away', () => {
    expect(sqsMetric(30, 12, true)).toBe(42);
    expect(sqsMetric(30, 12, false)).toBe(30);
  });
});

// KEDA docs, "Activating and scaling thresholds": active when the metric is greater than the
// activation value (strictly).
describe('KEDA activation', () => {
  it('does not wake a queue holding exactly activationQueueLength messages', () => {
    expect(isActive(0, 0)).toBe(false);
    expect(isActive(5, 5)).toBe(false);
  });
  it('wakes as soon as the count passes the threshold', () => {
    expect(isActive(1, 0)).toBe(true);
    expect(isActive(6, 5)).toBe(true);
  });
});

// KEDA docs, ScaledObject spec: cooldownPeriod "the period to wait after the last trigger
// reported active before scaling the resource back to 0"; minReplicaCount.
describe('KEDA 0 ↔ 1', () => {
  const base = { minReplicas: 0, cooldownPeriodSeconds: 300 };
  it('scales an idle target to one replica when a trigger is active', () => {
    expect(
      kedaZeroDecision({ ...base, now: 7, active: true, state: { replicas: 0, lastActiveAt: 7 } }),
    ).toBe(1);
  });
  it('keeps the last replica until the cooldown has passed since the last active poll', () => {
    const state = { replicas: 3, lastActiveAt: 100 };
    expect(kedaZeroDecision({ ...base, now: 399, active: false, state })).toBeUndefined();
    expect(kedaZeroDecision({ ...base, now: 400, active: false, state })).toBe(0);
  });
  it('never scales to zero a worker with a warm pool (minReplicaCount > 0)', () => {
    const state = { replicas: 2, lastActiveAt: 0 };
    expect(
      kedaZeroDecision({ ...base, minReplicas: 2, now: 10_000, active: false, state }),
    ).toBeUndefined();
  });
  it('leaves 1 ↔ N to the HPA while active', () => {
    const state = { replicas: 4, lastActiveAt: 50 };
    expect(kedaZeroDecision({ ...base, now: 60, active: true, state })).toBeUndefined();
  });
});
