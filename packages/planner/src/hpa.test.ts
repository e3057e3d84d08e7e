import { describe, expect, it } from 'vitest';
import {
  type Behavior,
  cpuUtilizationDesired,
  externalAverageValueDesired,
  hpaStep,
  scaleDownLimit,
  scaleUpLimit,
} from './hpa.ts';
import { loadModelConfig } from './model-config.ts';
import { planSettings, readStack } from './settings.ts';

const TOLERANCE = loadModelConfig().hpa.tolerance;
const DEFAULT_BEHAVIOR: Behavior = loadModelConfig().hpa.defaultBehavior;
/** The behavior infra's ScaledObject declares, read through the planner as the model uses it. */
const INFRA_BEHAVIOR = planSettings(readStack('dev')).operations[0]?.behavior ?? DEFAULT_BEHAVIOR;

// Kubernetes HPA docs, "Algorithm details": desiredReplicas = ceil(currentReplicas ×
// currentMetricValue / desiredMetricValue); skipped when the ratio is within the tolerance (0.1).
describe('HPA tolerance', () => {
  it('keeps 10 replicas while the queue is within 10 % of target (219 messages, target 20)', () => {
    expect(TOLERANCE).toBe(0.1);
    expect(externalAverageValueDesired(10, 219, 20, TOLERANCE)).toBe(10);
    expect(externalAverageValueDesired(10, 181, 20, TOLERANCE)).toBe(10);
  });
  it('scales once the queue passes the tolerance (221 messages → 12 replicas)', () => {
    expect(externalAverageValueDesired(10, 221, 20, TOLERANCE)).toBe(12);
  });
  it('scales down below the tolerance band (170 messages → 9 replicas)', () => {
    expect(externalAverageValueDesired(10, 170, 20, TOLERANCE)).toBe(9);
  });
});

// HPA docs: when scaling up, not-yet-ready pods are counted at 0 % of the target, and the
// scale-up is abandoned if that recount no longer scales up.
describe('HPA CPU with pods still starting', () => {
  it('does not scale when starting pods dilute the ready pods’ usage below target', () => {
    expect(
      cpuUtilizationDesired({
        currentReplicas: 4,
        readyUtilizations: [1, 1],
        notReadyPods: 2,
        targetUtilization: 0.75,
        tolerance: TOLERANCE,
      }),
    ).toBe(4);
  });
  it('scales ready pods at 100 % against a 75 % target to ceil(4 × 1.33) = 6', () => {
    expect(
      cpuUtilizationDesired({
        currentReplicas: 4,
        readyUtilizations: [1, 1, 1, 1],
        notReadyPods: 0,
        targetUtilization: 0.75,
        tolerance: TOLERANCE,
      }),
    ).toBe(6);
  });
});

// HPA docs, "Scaling policies": the default scale-up allows max(100 %, 4 pods) per 15 s.
describe('HPA scale-up policies', () => {
  it('goes from 1 to 5 replicas in one step (4 pods beats 100 % with selectPolicy Max)', () => {
    expect(scaleUpLimit(1, [], [], DEFAULT_BEHAVIOR.scaleUp, 0)).toBe(5);
    expect(scaleUpLimit(1, [], [], INFRA_BEHAVIOR.scaleUp, 0)).toBe(5);
  });
  it('doubles from 10 (100 % beats 4 pods)', () => {
    expect(scaleUpLimit(10, [], [], INFRA_BEHAVIOR.scaleUp, 0)).toBe(20);
  });
  it('counts a scale-up inside the 15 s period against the limit, and forgets it after', () => {
    const events = [{ at: 0, change: 4 }];
    expect(scaleUpLimit(5, events, [], INFRA_BEHAVIOR.scaleUp, 10)).toBe(5);
    expect(scaleUpLimit(5, events, [], INFRA_BEHAVIOR.scaleUp, 15)).toBe(10);
  });
});

describe('HPA scale-down (infra: 300 s window, at most 50 % per 60 s, selectPolicy Min)', () => {
  it('keeps the highest recommendation of the last 300 s', () => {
    const step = hpaStep({
      now: 299,
      currentReplicas: 30,
      desired: 1,
      minReplicas: 1,
      maxReplicas: 30,
      behavior: INFRA_BEHAVIOR,
      history: [{ at: 0, replicas: 30 }],
      upEvents: [],
      downEvents: [],
    });
    expect(step.replicas).toBe(30);
  });
  it('halves at most once the window has passed (30 → 15, not 1)', () => {
    const step = hpaStep({
      now: 301,
      currentReplicas: 30,
      desired: 1,
      minReplicas: 1,
      maxReplicas: 30,
      behavior: INFRA_BEHAVIOR,
      history: [{ at: 0, replicas: 30 }],
      upEvents: [],
      downEvents: [],
    });
    expect(step.replicas).toBe(15);
  });
  it('allows no second halving within the 60 s period', () => {
    expect(scaleDownLimit(15, [{ at: 301, change: 15 }], INFRA_BEHAVIOR.scaleDown, 330)).toBe(15);
    expect(scaleDownLimit(15, [{ at: 301, change: 15 }], INFRA_BEHAVIOR.scaleDown, 361)).toBe(7);
  });
});
