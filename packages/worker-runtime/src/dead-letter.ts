/**
 * Sending a photo (or an unreadable message) to the DLQ with its reason as message attributes,
 * the names of which the spec owns so the runner and operators read them the same way.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES, type Operation } from '@darkroom/pipeline-spec';
import { TransientError, type WorkerError } from './errors.ts';

/** SQS allows 256 KiB per message; an attribute this long is readable and cheap. */
const ATTRIBUTE_MAX_CHARS = 1024;

export interface DeadLetterEntry {
  /** The message body to keep: only the failed photo's record, or the unreadable body as is. */
  readonly body: string;
  readonly error: WorkerError;
  /** Source key, when the body was an S3 event. */
  readonly key?: string;
}

export type DeadLetterer = (entry: DeadLetterEntry) => Promise<void>;

/**
 * @throws {TransientError} `DeadLetterFailed` when the DLQ cannot be reached (the message then
 *   stays on its queue and is tried again).
 */
export function createDeadLetterer(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  operation: Operation,
  signal: AbortSignal,
): DeadLetterer {
  const attribute = (value: string) => ({
    DataType: 'String',
    StringValue: value.slice(0, ATTRIBUTE_MAX_CHARS) || '-',
  });
  return async ({ body, error, key }) => {
    const command = new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      MessageBody: body || '-',
      MessageAttributes: {
        [DLQ_ATTRIBUTES.errorCode]: attribute(error.code),
        [DLQ_ATTRIBUTES.errorMessage]: attribute(error.message),
        [DLQ_ATTRIBUTES.operation]: attribute(operation),
        ...(key === undefined ? {} : { [DLQ_ATTRIBUTES.sourceKey]: attribute(key) }),
      },
    });
    try {
      await sqs.send(command, { abortSignal: signal });
    } catch (cause) {
      throw new TransientError(
        'DeadLetterFailed',
        `Could not send to the DLQ: ${cause instanceof Error ? cause.message : String(cause)}`,
        'dead-letter',
        cause,
      );
    }
  };
}
