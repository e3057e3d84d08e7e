/**
 * The settings the model runs on, derived from the stack's own configuration: the stack file is
 * validated by infra's zod schema (`parseStackConfig`), per-operation scaling comes from infra's
 * `workerScalingFor`, and the KEDA trigger and HPA behavior from the very `scaledObjectSpec`
 * infra deploys. Pod size and concurrency come from the pipeline spec. Nothing is restated here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONCURRENCY_PER_POD,
  OPERATIONS,
  WORKER_RESOURCES,
  type Operation,
} from '@darkroom/pipeline-spec';
import { type StackConfig, parseStackConfig, workerScalingFor } from '@darkroom/infra/config';
import { scaledObjectSpec } from '@darkroom/infra/workers';
import { parse as parseYaml } from 'yaml';
import type { Behavior } from './hpa.ts';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

/** Raised when a stack file is missing or is not a Pulumi stack file. */
export class StackFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackFileError';
  }
}

/**
 * The raw `darkroom:` configuration of a stack file, shaped as infra's `readStackConfig` sees it:
 * `aws:region` becomes `region`; scalars arrive as strings (Pulumi config stores them so).
 */
export function rawStackConfig(yamlText: string, file: string): Record<string, unknown> {
  const doc: unknown = parseYaml(yamlText);
  const config =
    doc !== null && typeof doc === 'object' && 'config' in doc ? doc.config : undefined;
  if (config === null || typeof config !== 'object')
    throw new StackFileError(`${file} has no \`config:\` map`);
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const scalar = (v: unknown) => (v !== null && typeof v === 'object' ? v : String(v));
    if (key === 'aws:region') raw['region'] = scalar(value);
    else if (key.startsWith('darkroom:')) raw[key.slice('darkroom:'.length)] = scalar(value);
  }
  return raw;
}

/** The raw configuration of `Pulumi.<stack>.yaml` at the repository root, not yet validated. */
export function readRawStack(stack: string, root: string = REPO_ROOT): Record<string, unknown> {
  if (!/^[\w.-]+$/.test(stack)) throw new StackFileError(`Invalid stack name ${stack}`);
  const file = join(root, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StackFileError(`No stack file ${file} (stacks are Pulumi.<stack>.yaml at the root)`);
  }
  return rawStackConfig(text, file);
}

/**
 * Read a stack and validate it with infra's schema.
 * @throws {StackConfigError} (infra's) naming each bad key.
 */
export function readStack(stack: string, root: string = REPO_ROOT): StackConfig {
  return parseStackConfig(readRawStack(stack, root));
}

export interface OperationSettings {
  readonly operation: Operation;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly queueLength: number;
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
  /** CPU Utilization target (0–1) of the ScaledObject's cpu trigger; undefined when it has none. */
  readonly cpuTarget: number | undefined;
  readonly behavior: Behavior;
}

export interface PlanSettings {
  readonly operations: readonly OperationSettings[];
  readonly pollingIntervalSeconds: number;
  readonly cooldownPeriodSeconds: number;
  /** Whether S3 traffic bypasses the NAT gateway (`network.s3GatewayEndpoint`). */
  readonly s3GatewayEndpoint: boolean;
  readonly pod: { readonly cpu: number; readonly memoryGiB: number; readonly concurrency: number };
  readonly nodePool: {
    readonly cpuLimit: number;
    readonly consolidateAfterSeconds: number;
    readonly instanceCategories: readonly string[];
    readonly minInstanceGeneration: number;
    readonly architectures: readonly string[];
  };
}

/** A Kubernetes quantity in cores or GiB: "2" → 2, "500m" → 0.5, "1Gi" → 1, "512Mi" → 0.5. */
export function quantity(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new RangeError(`not a Kubernetes quantity: ${value}`);
  const scale = { m: 1e-3, Ki: 2 ** -20, Mi: 2 ** -10, Gi: 1, Ti: 2 ** 10 } as const;
  const unit = match[2] as keyof typeof scale | undefined;
  return Number(match[1]) * (unit ? scale[unit] : 1);
}

/** A Karpenter duration in seconds: "1m" → 60, "1h30m" → 5400, "Never" → Infinity. */
export function durationSeconds(value: string): number {
  if (value === 'Never') return Number.POSITIVE_INFINITY;
  const unit = { s: 1, m: 60, h: 3600 } as const;
  let total = 0;
  for (const [, n, u] of value.matchAll(/(\d+)([smh])/g))
    total += Number(n) * unit[u as keyof typeof unit];
  return total;
}

function operationSettings(config: StackConfig, operation: Operation): OperationSettings {
  const scaling = workerScalingFor(config, operation);
  const spec = scaledObjectSpec({
    scaling,
    pollingIntervalSeconds: config.keda.pollingIntervalSeconds,
    cooldownPeriodSeconds: config.keda.cooldownPeriodSeconds,
    region: config.region,
    deploymentName: `darkroom-${operation}`,
    queueURL: `planner://${operation}`,
    authName: 'planner',
  });
  const sqs = spec.triggers.find((t) => t.type === 'aws-sqs-queue');
  const cpu = spec.triggers.find((t) => t.type === 'cpu');
  if (!sqs) throw new Error(`infra's ScaledObject for ${operation} has no aws-sqs-queue trigger`);
  return {
    operation,
    minReplicas: spec.minReplicaCount,
    maxReplicas: spec.maxReplicaCount,
    queueLength: Number(sqs.metadata.queueLength),
    activationQueueLength: Number(sqs.metadata.activationQueueLength),
    scaleOnInFlight: sqs.metadata.scaleOnInFlight === 'true',
    cpuTarget: cpu ? Number(cpu.metadata.value) / 100 : undefined,
    behavior: spec.advanced.horizontalPodAutoscalerConfig.behavior,
  };
}

/** Everything the model needs from a validated stack configuration. */
export function planSettings(config: StackConfig): PlanSettings {
  return {
    operations: OPERATIONS.map((op) => operationSettings(config, op)),
    pollingIntervalSeconds: config.keda.pollingIntervalSeconds,
    cooldownPeriodSeconds: config.keda.cooldownPeriodSeconds,
    s3GatewayEndpoint: config.network.s3GatewayEndpoint,
    pod: {
      cpu: quantity(WORKER_RESOURCES.cpu),
      memoryGiB: quantity(WORKER_RESOURCES.memory),
      concurrency: CONCURRENCY_PER_POD,
    },
    nodePool: {
      cpuLimit: quantity(config.karpenter.cpuLimit),
      consolidateAfterSeconds: durationSeconds(config.karpenter.consolidateAfter),
      instanceCategories: config.karpenter.instanceCategories,
      minInstanceGeneration: config.karpenter.minInstanceGeneration,
      architectures: config.karpenter.architectures,
    },
  };
}
