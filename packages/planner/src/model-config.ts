/**
 * The planner's own model parameters (`config/model.json`): the dated price table, per-photo
 * request counts, timing distributions with their sources, the Kubernetes and Karpenter defaults
 * that infra does not set, and the original study's strategy for `--compare seed`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const triangular = z
  .object({ min: z.number().min(0), mode: z.number().min(0), max: z.number().min(0) })
  .strict()
  .refine((t) => t.min <= t.mode && t.mode <= t.max, { error: 'needs min ≤ mode ≤ max' });

const policy = z
  .object({
    type: z.enum(['Percent', 'Pods']),
    value: z.number().int().positive(),
    periodSeconds: z.number().int().positive(),
  })
  .strict();
const rules = z
  .object({
    stabilizationWindowSeconds: z.number().int().min(0),
    selectPolicy: z.enum(['Max', 'Min', 'Disabled']),
    policies: z.array(policy).min(1),
  })
  .strict();

export const modelConfigSchema = z
  .object({
    prices: z
      .object({
        asOf: z.iso.date(),
        region: z.string(),
        currency: z.literal('USD'),
        source: z.string(),
        instanceTypes: z
          .array(
            z
              .object({
                name: z.string().regex(/^[a-z]\d+[a-z]*\.\d*x?large$/),
                vcpu: z.number().int().positive(),
                memoryGiB: z.number().positive(),
                onDemandHourly: z.number().positive(),
                spotHourly: z.number().positive(),
              })
              .strict(),
          )
          .min(1),
        s3PutPer1000: z.number().min(0),
        s3GetPer1000: z.number().min(0),
        sqsPerMillionRequests: z.number().min(0),
        natGatewayPerGB: z.number().min(0),
      })
      .strict(),
    perPhoto: z
      .object({
        s3Puts: z.number().min(0),
        s3Gets: z.number().min(0),
        sqsRequests: z.number().min(0),
        natTrafficMBPerMegapixel: z.number().min(0),
        why: z.string(),
      })
      .strict(),
    timings: z
      .object({
        s3EventDelaySeconds: triangular,
        nodeLaunchToReadySeconds: triangular,
        imagePullSeconds: triangular,
        podStartSeconds: triangular,
        cloudIoSecondsPerPhoto: triangular,
        scheduleOnReadyNodeSeconds: z.number().min(0),
        sources: z.record(z.string(), z.string()),
      })
      .strict(),
    hpa: z
      .object({
        syncPeriodSeconds: z.number().positive(),
        tolerance: z.number().min(0).max(1),
        defaultBehavior: z.object({ scaleUp: rules, scaleDown: rules }).strict(),
        source: z.string(),
      })
      .strict(),
    karpenter: z
      .object({
        batchIdleSeconds: z.number().positive(),
        batchMaxSeconds: z.number().positive(),
        nodeOverhead: z
          .object({ daemonSetCpu: z.number().min(0), reservedMemoryGiB: z.number().min(0) })
          .strict(),
        source: z.string(),
      })
      .strict(),
    seed: z
      .object({
        cpuTargets: z.array(z.number().int().min(1).max(100)).min(1),
        alarmStepSeconds: z.object({ min: z.number().min(0), max: z.number().min(0) }).strict(),
        instanceType: z.string(),
        scaleInEmptyMinutes: z.number().min(0),
        source: z.string(),
      })
      .strict(),
  })
  .strict();

export type ModelConfig = z.output<typeof modelConfigSchema>;
export type Triangular = z.output<typeof triangular>;

export const DEFAULT_MODEL_CONFIG = new URL('../config/model.json', import.meta.url).pathname;

/** Raised for a model config or a bench JSON that does not validate. */
export class PlannerInputError extends Error {
  constructor(file: string, problems: readonly string[]) {
    super(`Invalid ${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PlannerInputError';
  }
}

/** Read and validate a JSON file with `schema`, naming the file and each bad key on failure. */
export function readJsonFile<T extends z.ZodType>(file: string, schema: T): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PlannerInputError(file, [error instanceof Error ? error.message : String(error)]);
  }
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new PlannerInputError(
      file,
      result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  return result.data;
}

export function loadModelConfig(file: string = DEFAULT_MODEL_CONFIG): ModelConfig {
  return readJsonFile(file, modelConfigSchema);
}
