/**
 * Other settings run through the same model: the original study's strategy (`--compare seed`),
 * and the overrides `--target` searches.
 */
import { OPERATIONS } from '@darkroom/pipeline-spec';
import type { ModelConfig } from './model-config.ts';
import type { PlanSettings } from './settings.ts';
import type { Provisioner, Scaler } from './simulate.ts';
import type { Workload } from './workload.ts';

export interface SeedStrategy {
  readonly label: string;
  readonly scaler: Scaler;
  readonly provisioner: Provisioner;
}

/** The study's strategies: CPU-only HPA at each target, one node per CloudWatch alarm step. */
export function seedStrategies(model: ModelConfig): SeedStrategy[] {
  const type = model.prices.instanceTypes.find((t) => t.name === model.seed.instanceType);
  if (!type)
    throw new RangeError(`seed.instanceType ${model.seed.instanceType} is not in the price table`);
  return model.seed.cpuTargets.map((target) => ({
    label: `seed: CPU HPA ${target} %, alarm-step nodes`,
    scaler: { kind: 'cpu-hpa', cpuTarget: target / 100, behavior: model.hpa.defaultBehavior },
    provisioner: {
      kind: 'alarm-steps',
      stepSeconds: model.seed.alarmStepSeconds,
      instanceType: type,
      scaleInEmptySeconds: model.seed.scaleInEmptyMinutes * 60,
    },
  }));
}

/** The settings `--target` varies. Stack settings and pipeline-spec constants are kept apart. */
export interface Overrides {
  readonly pollingIntervalSeconds: number;
  readonly cooldownPeriodSeconds: number;
  readonly consolidateAfterSeconds: number;
  readonly cpuLimit: number;
  readonly minReplicas: number;
  /** Max replicas per operation: the NodePool's worth of pods split by the mix, at least the stack's. */
  readonly fillNodePool: boolean;
  /** KEDA queueLength for every operation; null keeps each operation's own (the spec's). */
  readonly queueLength: number | null;
  readonly pod: { readonly cpu: number; readonly concurrency: number };
}

export function currentOverrides(settings: PlanSettings): Overrides {
  return {
    pollingIntervalSeconds: settings.pollingIntervalSeconds,
    cooldownPeriodSeconds: settings.cooldownPeriodSeconds,
    consolidateAfterSeconds: settings.nodePool.consolidateAfterSeconds,
    cpuLimit: settings.nodePool.cpuLimit,
    minReplicas: Math.min(...settings.operations.map((o) => o.minReplicas)),
    fillNodePool: false,
    queueLength: null,
    pod: { cpu: settings.pod.cpu, concurrency: settings.pod.concurrency },
  };
}

export function maxReplicasFor(
  settings: PlanSettings,
  o: Overrides,
  workload: Workload,
  operation: (typeof OPERATIONS)[number],
): number {
  const stack = settings.operations.find((x) => x.operation === operation)?.maxReplicas ?? 1;
  if (!o.fillNodePool) return Math.max(stack, o.minReplicas);
  const share = workload.mix[operation] / 100;
  return Math.max(o.minReplicas, 1, Math.ceil((o.cpuLimit / o.pod.cpu) * share));
}

/** The plan settings with `o` applied (every operation gets the same floor, and queueLength if set). */
export function applyOverrides(
  settings: PlanSettings,
  o: Overrides,
  workload: Workload,
): PlanSettings {
  return {
    ...settings,
    pollingIntervalSeconds: o.pollingIntervalSeconds,
    cooldownPeriodSeconds: o.cooldownPeriodSeconds,
    pod: { ...settings.pod, cpu: o.pod.cpu, concurrency: o.pod.concurrency },
    nodePool: {
      ...settings.nodePool,
      cpuLimit: o.cpuLimit,
      consolidateAfterSeconds: o.consolidateAfterSeconds,
    },
    operations: settings.operations.map((op) => ({
      ...op,
      minReplicas: o.minReplicas,
      maxReplicas: maxReplicasFor(settings, o, workload, op.operation),
      queueLength: o.queueLength ?? op.queueLength,
    })),
  };
}

/** Values tried per setting; the search moves one setting at a time. */
export const SEARCH_SPACE = {
  pollingIntervalSeconds: [5, 10, 30],
  cooldownPeriodSeconds: [30, 60, 120, 300],
  consolidateAfterSeconds: [30, 60, 300],
  cpuLimit: [32, 64, 128, 256],
  minReplicas: [0, 1, 2, 4],
  fillNodePool: [false, true],
  queueLength: [null, 5, 10, 20, 50],
  pod: [
    { cpu: 1, concurrency: 1 },
    { cpu: 1, concurrency: 2 },
    { cpu: 2, concurrency: 2 },
    { cpu: 2, concurrency: 4 },
    { cpu: 4, concurrency: 4 },
    { cpu: 4, concurrency: 8 },
  ],
} as const satisfies { [K in keyof Overrides]: readonly Overrides[K][] };

/** The stack-file lines (`Pulumi.<stack>.yaml`) and spec constants that realise `o`. */
export function describeChange(
  settings: PlanSettings,
  o: Overrides,
  workload: Workload,
): { stackYaml: string[]; spec: string[] } {
  const workers = OPERATIONS.map(
    (op) =>
      `    ${op}: { minReplicas: ${o.minReplicas}, maxReplicas: ${maxReplicasFor(settings, o, workload, op)} }`,
  );
  const stackYaml = [
    '  darkroom:keda:',
    `    pollingIntervalSeconds: ${o.pollingIntervalSeconds}`,
    `    cooldownPeriodSeconds: ${o.cooldownPeriodSeconds}`,
    '  darkroom:karpenter:',
    `    cpuLimit: "${o.cpuLimit}"`,
    `    consolidateAfter: ${o.consolidateAfterSeconds}s`,
    '  darkroom:workers:',
    ...workers,
  ];
  const spec: string[] = [];
  for (const op of settings.operations)
    if (o.queueLength !== null && op.queueLength !== o.queueLength)
      spec.push(
        `SCALING_DEFAULTS.${op.operation}.queueLength: ${op.queueLength} → ${o.queueLength}`,
      );
  if (settings.pod.cpu !== o.pod.cpu)
    spec.push(`WORKER_RESOURCES.cpu: "${settings.pod.cpu}" → "${o.pod.cpu}"`);
  if (settings.pod.concurrency !== o.pod.concurrency)
    spec.push(`CONCURRENCY_PER_POD: ${settings.pod.concurrency} → ${o.pod.concurrency}`);
  return { stackYaml, spec };
}
