/**
 * Test support: the one local AWS (`startLocalAws`, IAM enforced) with fault injection, the
 * runner's administrator clients, and queues made from `describeTopology()` — so the runtime's
 * tests and the local pipeline run against the same emulator.
 */
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Operation, describeTopology } from '@darkroom/pipeline-spec';
import { type LocalAws, startLocalAws } from '../emulator.ts';
import type { FaultRule } from '../faults.ts';
import { type CreatedQueue, type TopologyOverrides, createOperationQueues } from '../topology.ts';

export type { FaultRule } from '../faults.ts';
export type { CreatedQueue, TopologyOverrides } from '../topology.ts';

export interface TestEmulator {
  readonly endpoint: string;
  readonly aws: LocalAws;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Environment for a child process using the SDK's default chain (administrator key). */
  readonly env: Readonly<Record<string, string>>;
  /** Push rules to fail requests; remove them to heal. */
  readonly faults: FaultRule[];
  createBucket(name: string): Promise<void>;
  /** `operation`'s work queue and DLQ as the topology describes them (`namePrefix` to make more). */
  createOperationQueues(
    operation: Operation,
    options?: TopologyOverrides & { readonly namePrefix?: string },
  ): Promise<CreatedQueue>;
  counts(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  /** Receive (and hide for 60 s) every visible message, with all attributes. */
  drainMessages(queueUrl: string): Promise<Message[]>;
  close(): Promise<void>;
}

/** @example const emulator = await startTestEmulator(); … await emulator.close(); */
export async function startTestEmulator(options: { iam?: boolean } = {}): Promise<TestEmulator> {
  const faults: FaultRule[] = [];
  const aws = await startLocalAws({
    faults,
    ...(options.iam === undefined ? {} : { iam: options.iam }),
  });
  const attribute = async (
    queueUrl: string,
    name: 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible',
  ) =>
    (
      await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] }),
      )
    ).Attributes?.[name] ?? '0';
  return {
    endpoint: aws.endpoint,
    aws,
    s3: aws.s3,
    sqs: aws.sqs,
    env: aws.env,
    faults,
    async createBucket(name) {
      await aws.s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createOperationQueues(operation, queueOptions = {}) {
      const topology = describeTopology(queueOptions.namePrefix).find(
        (q) => q.operation === operation,
      );
      if (!topology) throw new Error(`no topology for ${operation}`);
      return createOperationQueues(aws, topology, queueOptions);
    },
    async counts(queueUrl) {
      return {
        visible: Number(await attribute(queueUrl, 'ApproximateNumberOfMessages')),
        inFlight: Number(await attribute(queueUrl, 'ApproximateNumberOfMessagesNotVisible')),
      };
    },
    async drainMessages(queueUrl) {
      const all: Message[] = [];
      for (;;) {
        const { Messages = [] } = await aws.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 60,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return all;
        all.push(...Messages);
      }
    },
    close: () => aws.close(),
  };
}
