import { describe, expect, it } from 'vitest';
import {
  type InstanceType,
  allocatableCpu,
  batchCloseTimes,
  extendBatch,
  planNodes,
  podsPerNode,
} from './karpenter.ts';
import { loadModelConfig } from './model-config.ts';

const { karpenter, prices } = loadModelConfig();

// Karpenter settings docs: BATCH_IDLE_DURATION (1 s) ends a window once no new pending pod has
// arrived for that long; BATCH_MAX_DURATION (10 s) caps a window however fast pods keep coming.
describe('Karpenter batching window', () => {
  it('uses the documented defaults, 1 s idle and 10 s max', () => {
    expect([karpenter.batchIdleSeconds, karpenter.batchMaxSeconds]).toEqual([1, 10]);
  });
  it('cuts a steady stream of pending pods into 10 s windows', () => {
    const every500ms = Array.from({ length: 60 }, (_, i) => i * 0.5);
    expect(batchCloseTimes(every500ms, 1, 10)).toEqual([10, 20, 30]);
  });
  it('closes a window 1 s after the last pod when pods stop coming', () => {
    expect(batchCloseTimes([0, 0.4, 0.8], 1, 10)).toEqual([1.8]);
  });
  it('batches pods further apart than the idle time separately', () => {
    expect(batchCloseTimes([0, 5, 10], 1, 10)).toEqual([1, 6, 11]);
  });
  it('never extends a window past its max, even with a pod just before it closes', () => {
    expect(extendBatch({ openedAt: 0, closesAt: 10 }, 9.9, 1, 10)).toEqual({
      openedAt: 0,
      closesAt: 10,
    });
  });
});

const type = (name: string, vcpu: number): InstanceType => {
  const t = prices.instanceTypes.find((x) => x.name === name);
  if (!t || t.vcpu !== vcpu) throw new Error(`price table lacks ${name}`);
  return t;
};

describe('node sizing', () => {
  const overhead = karpenter.nodeOverhead;
  const pod = { cpu: 2, memoryGiB: 1 };
  it('reserves EKS kube-reserved CPU: 80 m on a 4-vCPU node', () => {
    expect(allocatableCpu(4, 0)).toBeCloseTo(3.92, 6);
  });
  it('fits one 2-vCPU worker on a 4-vCPU node once DaemonSets take their share', () => {
    expect(podsPerNode(type('c6i.xlarge', 4), pod, overhead)).toBe(1);
    expect(podsPerNode(type('c6i.2xlarge', 8), pod, overhead)).toBe(3);
  });
  it('never launches past the NodePool CPU limit, leaving the rest pending', () => {
    const launches = planNodes({
      pods: 40,
      shape: pod,
      types: prices.instanceTypes,
      overhead,
      cpuLimitRemaining: 64,
      price: (t) => t.spotHourly,
    });
    expect(launches.reduce((s, l) => s + l.type.vcpu, 0)).toBeLessThanOrEqual(64);
    expect(launches.reduce((s, l) => s + l.pods, 0)).toBe(31);
  });
  it('puts a small batch on one node that holds it all', () => {
    const launches = planNodes({
      pods: 3,
      shape: pod,
      types: prices.instanceTypes,
      overhead,
      cpuLimitRemaining: 64,
      price: (t) => t.spotHourly,
    });
    expect(launches.map((l) => [l.type.vcpu, l.pods])).toEqual([[8, 3]]);
  });
});
