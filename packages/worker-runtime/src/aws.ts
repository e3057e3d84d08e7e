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
  return {
    s3: new S3Client({
      region: config.region,
      ...endpoint,
      forcePathStyle: Boolean(config.endpoint),
      maxAttempts: 3,
    }),
    sqs: new SQSClient({ region: config.region, ...endpoint, maxAttempts: 3 }),
  };
}
