/** AWS SDK v3 clients for a target: the emulator's endpoint and path-style S3 locally, the default credential chain otherwise. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Target } from './target.ts';

export interface Clients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Absent locally: the emulator has no CloudWatch. */
  readonly cloudwatch: CloudWatchClient | undefined;
  destroy(): void;
}

export function clientsFor(target: Target): Clients {
  const common = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
  };
  const s3 = new S3Client({ ...common, forcePathStyle: Boolean(target.endpoint) });
  const sqs = new SQSClient(common);
  const cloudwatch = target.kind === 'stack' ? new CloudWatchClient(common) : undefined;
  return {
    s3,
    sqs,
    cloudwatch,
    destroy() {
      s3.destroy();
      sqs.destroy();
      cloudwatch?.destroy();
    },
  };
}
