/** What the operator's actions act on: a deployed stack or the local emulator, the same way. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Operation } from '@darkroom/pipeline-spec';

export interface OperationQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export interface PipelineTarget {
  readonly bucket: string;
  readonly queues: Readonly<Record<Operation, OperationQueues>>;
}

export interface PipelineClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}
