/** How much work a queue holds: what waits, what a worker holds, what failed for good. */
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OperationQueues } from '../target.ts';

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
  /** Dead letters, whether or not someone is reading them right now. */
  readonly deadLettered: number;
}

async function depth(sqs: SQSClient, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export async function queueCounts(sqs: SQSClient, queues: OperationQueues): Promise<QueueCounts> {
  const [work, dead] = await Promise.all([
    depth(sqs, queues.queueUrl),
    depth(sqs, queues.deadLetterQueueUrl),
  ]);
  return { ...work, deadLettered: dead.visible + dead.inFlight };
}
