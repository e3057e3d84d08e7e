// The front desk for one stack: its API and page on the pod's port, and the webhook dispatcher.
// AWS credentials come from the pod's IRSA role (the default chain); SIGTERM drains and exits.
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFrontDeskService } from '@darkroom/front-desk';
import { FRONT_DESK_ENV } from '@darkroom/pipeline-spec';
import { frontDeskEnvironment } from './config.ts';

const env = frontDeskEnvironment(process.env);
const endpoint = env[FRONT_DESK_ENV.endpoint];
const common = { region: env[FRONT_DESK_ENV.region], ...(endpoint ? { endpoint } : {}) };
const s3 = new S3Client({ ...common, ...(endpoint ? { forcePathStyle: true } : {}) });
const sqs = new SQSClient(common);
const bucket = env[FRONT_DESK_ENV.bucket];
const resultsQueueUrl = env[FRONT_DESK_ENV.resultsQueueUrl];
const service = await startFrontDeskService(
  {
    s3,
    sqs,
    logger: { level: env[FRONT_DESK_ENV.logLevel] },
    settings: {
      bucket,
      deadLetterQueueUrls: env[FRONT_DESK_ENV.deadLetterQueueUrls],
      ...(resultsQueueUrl ? { resultsQueueUrl } : {}),
    },
  },
  { host: env[FRONT_DESK_ENV.host], port: env[FRONT_DESK_ENV.port] },
);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void service.stop().finally(() => process.exit(0)));
