/**
 * Reading the DLQs without losing anything: messages are received with a visibility timeout,
 * then made visible again (`ChangeMessageVisibility` 0) once every one has been seen, so a
 * listing leaves the DLQ as it was.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES, type Operation, decodeEventKey } from '@darkroom/pipeline-spec';
import type { OperationQueues } from '../target.ts';

export interface DeadLetter {
  readonly operation: Operation;
  readonly messageId: string;
  readonly key: string;
  /** The worker's error code, or `MaxReceiveCountExceeded` when SQS's redrive policy moved it. */
  readonly code: string;
  readonly reason: string;
  readonly receiveCount: number;
}

/** The source key in an S3 event body, for messages SQS moved without the worker's attributes. */
function keyFromBody(body: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { Records?: { s3?: { object?: { key?: string } } }[] };
    const encoded = parsed.Records?.[0]?.s3?.object?.key;
    return encoded === undefined ? undefined : decodeEventKey(encoded);
  } catch {
    return undefined;
  }
}

export function toDeadLetter(operation: Operation, m: Message): DeadLetter {
  const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
  return {
    operation,
    messageId: m.MessageId ?? '',
    key: attr(DLQ_ATTRIBUTES.sourceKey) ?? keyFromBody(m.Body) ?? '(not an S3 event)',
    code: attr(DLQ_ATTRIBUTES.errorCode) ?? 'MaxReceiveCountExceeded',
    reason:
      attr(DLQ_ATTRIBUTES.errorMessage) ??
      'moved by the queue redrive policy after repeated failed receives (worker crashed or timed out)',
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
  };
}

/**
 * Receive every message of a queue (hidden for `visibilitySeconds` while we work), stopping after
 * two empty receives in a row: a short-poll receive can miss messages on some SQS hosts.
 */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  visibilitySeconds: number,
): Promise<Message[]> {
  const all: Message[] = [];
  let empty = 0;
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilitySeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    all.push(...Messages);
  }
  return all;
}

/** Make messages visible again at once (batches of 10, SQS's maximum). */
export async function release(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, n) => ({
          Id: String(n),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/**
 * Every dead-lettered photo of one operation with its reason; the DLQ is left as it was (the
 * messages are seen, then made visible again), so reading twice shows the same photos.
 */
export async function readDeadLetters(
  sqs: SQSClient,
  queues: OperationQueues,
  operation: Operation,
): Promise<DeadLetter[]> {
  const messages = await receiveAll(sqs, queues.deadLetterQueueUrl, 60);
  await release(sqs, queues.deadLetterQueueUrl, messages);
  return messages.map((m) => toDeadLetter(operation, m));
}
