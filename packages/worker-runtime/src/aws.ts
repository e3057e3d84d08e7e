/** AWS SDK v3 clients for a worker, pointed at AWS or at an emulator endpoint. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { WorkerConfig } from './config.ts';

export interface AwsClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * Credentials come from the SDK's default chain (IRSA/Pod Identity in EKS, the environment
 * locally); none are ever read from our own config. An emulator endpoint implies path-style S3.
 */
export function createAwsClients(config: Pick<WorkerConfig, 'region' | 'endpoint'>): AwsClients {
  const endpoint = config.endpoint ? { endpoint: config.endpoint } : {};
  const s3 = new S3Client({
    region: config.region,
    ...endpoint,
    forcePathStyle: Boolean(config.endpoint),
    maxAttempts: 3,
  });
  const sqs = new SQSClient({ region: config.region, ...endpoint, maxAttempts: 3 });
  // The SDK's logger middleware walks every input and output through its redaction schema even
  // with no logger configured (the arguments are built before the no-op call): about a tenth
  // of the worker's per-photo overhead in a CPU profile. The worker logs its own calls.
  for (const client of [s3, sqs]) client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return { s3, sqs };
}

/** Name of the AWS SDK v3 middleware that logs each call's (redacted) input and output. */
export const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';
