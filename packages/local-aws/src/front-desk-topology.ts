/**
 * What the front desk needs of a local stack, as infra creates it in AWS: the results queue
 * (with its DLQ) that S3 notifies of every new object under `output/`, the front desk's own role (`frontDeskPolicy()`), so IAM judges it locally as in AWS.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { frontDeskPolicy, workQueuePolicy } from '@darkroom/access';
import {
  OPERATIONS,
  RESULTS_MAX_RECEIVES,
  RESULTS_NOTIFICATION,
  resultsQueueNames,
} from '@darkroom/pipeline-spec';
import type { LocalAws } from './emulator.ts';
import { LOCAL_ACCOUNT_ID, type LocalCredentials } from './iam/index.ts';
import type { CreatedTopology } from './topology.ts';

export const FRONT_DESK_CREDENTIALS: LocalCredentials = Object.freeze({
  accessKeyId: 'darkroom-local-front-desk',
  secretAccessKey: 'darkroom-local-front-desk-secret',
});

export interface FrontDeskTopology {
  readonly resultsQueueUrl: string;
  readonly resultsDeadLetterQueueUrl: string;
  readonly credentials: LocalCredentials;
}

async function arnOf(aws: LocalAws, QueueUrl: string): Promise<string> {
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

async function resultsQueues(aws: LocalAws, bucket: string, namePrefix: string) {
  const names = resultsQueueNames(namePrefix);
  const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: names.deadLetterQueue }));
  const dlqArn = await arnOf(aws, dlq.QueueUrl ?? '');
  const queue = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: names.queue,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: RESULTS_MAX_RECEIVES,
        }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  const queueArn = await arnOf(aws, queueUrl);
  const policy = workQueuePolicy({
    queueArn,
    bucketArn: `arn:aws:s3:::${bucket}`,
    accountId: LOCAL_ACCOUNT_ID,
  });
  await aws.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { Policy: JSON.stringify(policy) },
    }),
  );
  return { queueUrl, queueArn, deadLetterQueueUrl: dlq.QueueUrl ?? '' };
}

export async function createFrontDeskTopology(
  aws: LocalAws,
  topology: CreatedTopology,
  options: { namePrefix?: string } = {},
): Promise<FrontDeskTopology> {
  const { bucket } = topology;
  const results = await resultsQueues(aws, bucket, options.namePrefix ?? 'darkroom');
  const current = await aws.s3.send(
    new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
  );
  const others = (current.QueueConfigurations ?? []).filter(
    (c) => c.Id !== RESULTS_NOTIFICATION.id,
  );
  await aws.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          ...others,
          {
            Id: RESULTS_NOTIFICATION.id,
            QueueArn: results.queueArn,
            Events: [...RESULTS_NOTIFICATION.events],
            Filter: {
              Key: { FilterRules: [{ Name: 'prefix', Value: RESULTS_NOTIFICATION.filterPrefix }] },
            },
          },
        ],
      },
    }),
  );
  aws.access.addPrincipal({
    accessKeyId: FRONT_DESK_CREDENTIALS.accessKeyId,
    secretAccessKey: FRONT_DESK_CREDENTIALS.secretAccessKey,
    arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/darkroom-front-desk`,
    policies: [
      frontDeskPolicy({
        bucketArn: `arn:aws:s3:::${bucket}`,
        resultsQueueArn: results.queueArn,
        deadLetterQueueArns: OPERATIONS.map((op) => topology.queues[op].deadLetterQueueArn),
        region: aws.region,
      }),
    ],
  });
  await aws.settled();
  return {
    resultsQueueUrl: results.queueUrl,
    resultsDeadLetterQueueUrl: results.deadLetterQueueUrl,
    credentials: FRONT_DESK_CREDENTIALS,
  };
}

/** Let the front desk's page at `origin` call the bucket (its uploads go straight to S3). */
export async function allowFrontDeskOrigin(
  aws: LocalAws,
  bucket: string,
  origin: string,
): Promise<void> {
  await aws.s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [origin],
            AllowedMethods: ['GET', 'HEAD', 'POST', 'PUT'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3000,
          },
        ],
      },
    }),
  );
}
