import { describe, expect, it } from 'vitest';
import { loadCostModel } from './costs.ts';
import { loadModelConfig } from './model-config.ts';
import { runPlan, type PlanInput } from './plan.ts';
import { type PlanSettings, planSettings, readStack } from './settings.ts';

const model = loadModelConfig();
const dev = planSettings(readStack('dev'));
const mix = { grayscale: 40, watermark: 40, thumbnail: 20 };

function input(settings: PlanSettings, burst: number, seed = 1): PlanInput {
  return {
    settings,
    model,
    costs: loadCostModel(1),
    workload: { burst, mix, arrivalSeconds: 0, megapixels: 6 },
    capacity: 'spot',
    seed,
  };
}

const warm = (n: number): PlanSettings => ({
  ...dev,
  operations: dev.operations.map((o) => ({ ...o, minReplicas: n })),
});

describe('a burst through the model', () => {
  it('processes every photo and cannot finish before a node could launch from zero', () => {
    const plan = runPlan(input(dev, 500));
    expect(plan.outcome.latencies).toHaveLength(500);
    expect(plan.summary.drained).toBe(true);
    expect(plan.summary.drainSeconds).toBeGreaterThan(model.timings.nodeLaunchToReadySeconds.min);
    expect(plan.outcome.milestones.firstNodeReady).toBeGreaterThanOrEqual(
      model.timings.nodeLaunchToReadySeconds.min,
    );
  });

  it('keeps the nodes until KEDA’s cooldown has passed, then consolidates them all', () => {
    const plan = runPlan(input(dev, 500));
    const lastNodeGone = Math.max(...plan.outcome.nodes.map((n) => n.terminatedAt));
    expect(lastNodeGone).toBeGreaterThanOrEqual(
      plan.summary.drainSeconds + dev.cooldownPeriodSeconds,
    );
    expect(plan.outcome.samples.at(-1)?.nodesReady).toBe(0);
  });

  it('starts on a warm pool at once: no node launch before the first photo is done', () => {
    const plan = runPlan(input(warm(2), 50));
    expect(plan.outcome.milestones.firstPhotoDone).toBeLessThan(5);
    expect(plan.outcome.nodes.every((n) => n.requestedAt === 0)).toBe(true);
  });

  it('is reproducible for a seed and varies with it', () => {
    const a = runPlan(input(dev, 300, 7)).summary.drainSeconds;
    expect(runPlan(input(dev, 300, 7)).summary.drainSeconds).toBe(a);
    expect(runPlan(input(dev, 300, 8)).summary.drainSeconds).not.toBe(a);
  });

  it('drains sooner with a higher NodePool CPU limit when the limit binds', () => {
    const capped = { ...dev, nodePool: { ...dev.nodePool, cpuLimit: 16 } };
    const slow = runPlan(input(capped, 3000));
    const fast = runPlan(input(dev, 3000));
    expect(slow.summary.notes.join()).toMatch(/CPU limit \(16 vCPU\)/);
    expect(fast.summary.drainSeconds).toBeLessThan(slow.summary.drainSeconds);
  });

  it('prices node time per second with a 60 s minimum and adds per-photo S3 and SQS requests', () => {
    const plan = runPlan(input(warm(1), 100));
    const p = model.prices;
    expect(plan.summary.cost.s3Requests).toBeCloseTo(
      100 * ((2 * p.s3PutPer1000) / 1000 + (2 * p.s3GetPer1000) / 1000),
      9,
    );
    expect(plan.summary.cost.total).toBeCloseTo(
      plan.summary.cost.nodes +
        plan.summary.cost.s3Requests +
        plan.summary.cost.sqsRequests +
        plan.summary.cost.natGateway,
      9,
    );
  });

  it('charges the NAT gateway for the photos only when S3 has no gateway endpoint', () => {
    const through = runPlan(input({ ...dev, s3GatewayEndpoint: true }, 1000));
    const around = runPlan(input({ ...dev, s3GatewayEndpoint: false }, 1000));
    expect(through.summary.cost.natGateway).toBe(0);
    expect(around.summary.cost.natGateway).toBeCloseTo(
      ((1000 * 6 * model.perPhoto.natTrafficMBPerMegapixel) / 1024) * model.prices.natGatewayPerGB,
      9,
    );
  });
});
