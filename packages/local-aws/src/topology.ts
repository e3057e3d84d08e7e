/**
 * Create Darkroom's bucket, queues, DLQs and notifications on an S3/SQS API, from the same
 * `describeTopology()` the Pulumi program deploys, through the same SDK calls a user would make.
 */
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { type PolicyDocument, bucketPolicy, workQueuePolicy } from '@darkroom/access';
import {
  type Operation,
  type QueueTopology,
  WORKER_ENV,
  describeTopology,
} from '@darkroom/pipeline-spec';
import type { LocalAws } from './emulator.ts';
import {
  LOCAL_ACCOUNT_ID,
  type LocalCredentials,
  workerCredentials,
  workerPrincipal,
} from './iam/index.ts';

export interface CreatedQueue {
  readonly topology: QueueTopology;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
  /** The access key of this operation's worker role (its policy: `workerPolicy()`). */
  readonly workerCredentials: LocalCredentials;
}

export interface CreatedTopology {
  readonly bucket: string;
  readonly queues: { readonly [K in Operation]: CreatedQueue };
}

/** Overrides for tests, e.g. a short visibility timeout to see a killed worker's photos come back. */
export interface TopologyOverrides {
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /** The queue's default receive wait (the topology's long poll), e.g. 0 for tests that time receives. */
  readonly receiveWaitSeconds?: number;
  /** Edit a worker's policy before it is attached, e.g. to remove a statement in a test. */
  readonly adjustWorkerPolicy?: (operation: Operation, policy: PolicyDocument) => PolicyDocument;
}

async function queueArn(aws: LocalAws, queueUrl: string): Promise<string> {
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${queueUrl} has no QueueArn`);
  return arn;
}

/** Create one operation's DLQ and work queue (redrive, retention, timing) from its topology. */
export async function createOperationQueues(
  aws: LocalAws,
  q: QueueTopology,
  overrides: TopologyOverrides,
): Promise<CreatedQueue> {
  const dlq = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: q.deadLetterQueue,
      Attributes: { MessageRetentionPeriod: String(q.deadLetterRetentionSeconds) },
    }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl ?? '';
  const deadLetterQueueArn = await queueArn(aws, deadLetterQueueUrl);
  const redrive = {
    deadLetterTargetArn: deadLetterQueueArn,
    maxReceiveCount: overrides.maxReceiveCount ?? q.maxReceiveCount,
  };
  const queue = await aws.sqs.send(
    new CreateQueueCommand({
      QueueName: q.queue,
      Attributes: {
        VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? q.visibilityTimeoutSeconds),
        ReceiveMessageWaitTimeSeconds: String(overrides.receiveWaitSeconds ?? q.receiveWaitSeconds),
        MessageRetentionPeriod: String(q.retentionSeconds),
        RedrivePolicy: JSON.stringify(redrive),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  return {
    topology: q,
    queueUrl,
    queueArn: await queueArn(aws, queueUrl),
    deadLetterQueueUrl,
    deadLetterQueueArn,
    workerCredentials: workerCredentials(q.operation),
  };
}

/**
 * The data plane's permissions, as infra deploys them: the bucket policy, each work queue's
 * policy (before the notification, which S3 validates against it) and one role per worker.
 */
async function applyAccess(
  aws: LocalAws,
  bucket: string,
  created: readonly CreatedQueue[],
  adjust: TopologyOverrides['adjustWorkerPolicy'],
): Promise<void> {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  await aws.s3.send(
    new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(bucketPolicy(bucketArn)) }),
  );
  for (const c of created) {
    const policy = workQueuePolicy({
      queueArn: c.queueArn,
      bucketArn,
      accountId: LOCAL_ACCOUNT_ID,
    });
    await aws.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: c.queueUrl,
        Attributes: { Policy: JSON.stringify(policy) },
      }),
    );
    const operation = c.topology.operation;
    aws.access.addPrincipal(
      workerPrincipal(
        {
          operation,
          bucketArn,
          queueArn: c.queueArn,
          deadLetterQueueArn: c.deadLetterQueueArn,
          region: aws.region,
        },
        adjust ? (p) => adjust(operation, p) : undefined,
      ),
    );
  }
}

/**
 * Create the topology and wait until the s3:TestEvents it triggers are delivered.
 * @example const topology = await createTopology(aws, { bucket: 'darkroom-local' });
 */
export async function createTopology(
  aws: LocalAws,
  options: { bucket: string; namePrefix?: string } & TopologyOverrides,
): Promise<CreatedTopology> {
  await aws.s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  const created = await Promise.all(
    describeTopology(options.namePrefix).map((q) => createOperationQueues(aws, q, options)),
  );
  await applyAccess(aws, options.bucket, created, options.adjustWorkerPolicy);
  await aws.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: options.bucket,
      NotificationConfiguration: {
        QueueConfigurations: created.map((c) => ({
          Id: c.topology.notification.id,
          QueueArn: c.queueArn,
          Events: [...c.topology.notification.events] as never,
          Filter: {
            Key: { FilterRules: [{ Name: 'prefix', Value: c.topology.notification.filterPrefix }] },
          },
        })),
      },
    }),
  );
  await aws.settled();
  const queues = Object.fromEntries(created.map((c) => [c.topology.operation, c])) as {
    [K in Operation]: CreatedQueue;
  };
  return { bucket: options.bucket, queues };
}

/**
 * The environment of one worker of `operation` on this emulator: the SDK's endpoint settings, its
 * own session of its operation's role (as each pod gets its own IRSA session, so IAM judges it by
 * that role's policy), and the queue, DLQ and bucket of the worker env contract.
 * @example spawnWorker({ operation, env: { ...workerEnvironment(aws, topology, operation, 'grayscale-1'), … } })
 */
export function workerEnvironment(
  aws: LocalAws,
  topology: CreatedTopology,
  operation: Operation,
  sessionName: string,
): Record<string, string> {
  const queue = topology.queues[operation];
  const credentials = aws.access.session(queue.workerCredentials.accessKeyId, sessionName);
  return {
    ...aws.env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    [WORKER_ENV.queueUrl]: queue.queueUrl,
    [WORKER_ENV.deadLetterQueueUrl]: queue.deadLetterQueueUrl,
    [WORKER_ENV.bucket]: topology.bucket,
    // Short polls locally: a stopping worker waits for its receive in progress to answer.
    [WORKER_ENV.receiveWaitSeconds]: String(LOCAL_RECEIVE_WAIT_SECONDS),
  };
}

/** Local workers' receive wait: idle polls cost nothing here, and stops stay quick. */
export const LOCAL_RECEIVE_WAIT_SECONDS = 1;
