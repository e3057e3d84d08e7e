/**
 * Worker configuration: read once from the environment at start-up, validated with zod, every
 * problem reported at once so a broken Deployment is fixed in one edit.
 */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  HEALTH_PORT,
  RECEIVE_WAIT_SECONDS,
  SHUTDOWN_GRACE_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
  WORKER_ENV,
} from '@darkroom/pipeline-spec';
import { ConfigError } from './errors.ts';

export const CONFIG_LIMITS = {
  concurrency: { min: 1, max: 64 },
  batchSize: { min: 1, max: 10 },
  // 2 s at least: heartbeats extend the visibility every third of it, at least 1 s apart, and
  // must come before it runs out (SQS's own maximum is 12 h).
  visibilityTimeoutSeconds: { min: 2, max: 43_200 },
  shutdownGraceSeconds: { min: 1, max: 3_600 },
  // SQS's own range for WaitTimeSeconds.
  receiveWaitSeconds: { min: 0, max: 20 },
  healthPort: { min: 0, max: 65_535 },
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function intFromEnv(range: { min: number; max: number }, fallback: number) {
  const expectation = `must be an integer from ${range.min} to ${range.max}`;
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < range.min || value > range.max) {
        ctx.addIssue({
          code: 'custom',
          message: `${expectation}, received ${JSON.stringify(raw)}`,
        });
        return z.NEVER;
      }
      return value;
    });
}

const required = (what: string) =>
  z.string({ error: `is required (${what})` }).min(1, { error: `is required (${what})` });
const url = (what: string) =>
  required(what).refine((v) => URL.canParse(v), {
    error: (issue) => `must be a URL (${what}), received ${JSON.stringify(issue.input)}`,
  });

/** Name of each config field's environment variable (the spec's worker contract). */
export const CONFIG_ENV = WORKER_ENV;

function schema(defaultConcurrency: number) {
  return z.object({
    [CONFIG_ENV.queueUrl]: url('the SQS work queue URL'),
    [CONFIG_ENV.deadLetterQueueUrl]: url('the SQS dead-letter queue URL'),
    [CONFIG_ENV.bucket]: required('the photo bucket name').regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      {
        error: (issue) => `must be an S3 bucket name, received ${JSON.stringify(issue.input)}`,
      },
    ),
    [CONFIG_ENV.region]: required('the AWS region, e.g. eu-west-1'),
    [CONFIG_ENV.endpoint]: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || URL.canParse(v), {
        error: (issue) => `must be a URL, received ${JSON.stringify(issue.input)}`,
      }),
    [CONFIG_ENV.concurrency]: intFromEnv(CONFIG_LIMITS.concurrency, defaultConcurrency),
    [CONFIG_ENV.batchSize]: intFromEnv(CONFIG_LIMITS.batchSize, 10),
    [CONFIG_ENV.visibilityTimeoutSeconds]: intFromEnv(
      CONFIG_LIMITS.visibilityTimeoutSeconds,
      VISIBILITY_TIMEOUT_SECONDS,
    ),
    [CONFIG_ENV.shutdownGraceSeconds]: intFromEnv(
      CONFIG_LIMITS.shutdownGraceSeconds,
      SHUTDOWN_GRACE_SECONDS,
    ),
    [CONFIG_ENV.receiveWaitSeconds]: intFromEnv(
      CONFIG_LIMITS.receiveWaitSeconds,
      RECEIVE_WAIT_SECONDS,
    ),
    [CONFIG_ENV.healthPort]: intFromEnv(CONFIG_LIMITS.healthPort, HEALTH_PORT),
    [CONFIG_ENV.healthHost]: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === '' || isIP(v) !== 0, {
        error: (issue) =>
          `must be an IP address such as 0.0.0.0 or 127.0.0.1, received ${JSON.stringify(issue.input)}`,
      }),
    [CONFIG_ENV.logLevel]: z
      .enum(LOG_LEVELS, {
        error: (issue) =>
          `must be one of ${LOG_LEVELS.join(', ')}, received ${JSON.stringify(issue.input)}`,
      })
      .optional()
      .default('info'),
  });
}

/** Validated worker settings. */
export interface WorkerConfig {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly bucket: string;
  readonly region: string;
  /** S3/SQS endpoint of an emulator; unset in AWS. */
  readonly endpoint: string | undefined;
  /** Photos processed at once; default: the CPUs available to the process. */
  readonly concurrency: number;
  /** Messages per receive, up to SQS's 10. */
  readonly batchSize: number;
  readonly visibilityTimeoutSeconds: number;
  /** Long-poll wait of each receive. */
  readonly receiveWaitSeconds: number;
  /** How long SIGTERM waits for photos in flight before releasing them. */
  readonly shutdownGraceSeconds: number;
  /** 0 picks a free port (tests). */
  readonly healthPort: number;
  /** Default `0.0.0.0` (a pod's probes come from the kubelet); `127.0.0.1` locally. */
  readonly healthHost: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/**
 * Read the worker configuration from an environment.
 *
 * @throws {ConfigError} naming every missing or invalid variable.
 * @example loadConfig(process.env).queueUrl
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  defaultConcurrency = availableParallelism(),
): WorkerConfig {
  const result = schema(defaultConcurrency).safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.map(String).join('.')} ${issue.message}`),
    );
  }
  const v = result.data;
  return {
    queueUrl: v[CONFIG_ENV.queueUrl],
    deadLetterQueueUrl: v[CONFIG_ENV.deadLetterQueueUrl],
    bucket: v[CONFIG_ENV.bucket],
    region: v[CONFIG_ENV.region],
    endpoint: v[CONFIG_ENV.endpoint] || undefined,
    concurrency: v[CONFIG_ENV.concurrency],
    batchSize: v[CONFIG_ENV.batchSize],
    visibilityTimeoutSeconds: v[CONFIG_ENV.visibilityTimeoutSeconds],
    receiveWaitSeconds: v[CONFIG_ENV.receiveWaitSeconds],
    shutdownGraceSeconds: v[CONFIG_ENV.shutdownGraceSeconds],
    healthPort: v[CONFIG_ENV.healthPort],
    healthHost: v[CONFIG_ENV.healthHost] || '0.0.0.0',
    logLevel: v[CONFIG_ENV.logLevel],
  };
}
