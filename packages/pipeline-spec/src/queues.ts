/**
 * Queue layout and the timing limits that follow from the work. The derivations are spelled out
 * so changing one number moves the others with it.
 */
import { type Operation, OPERATIONS, inputPrefix } from './operations.ts';

/** Slowest photo a worker is expected to handle: a 100 MP JPEG through watermark on one core. */
export const WORST_CASE_PHOTO_SECONDS = 10;
/** AWS's advice: visibility timeout at least 6× the processing time; the worker heartbeats past it. */
export const VISIBILITY_TIMEOUT_SECONDS = 6 * WORST_CASE_PHOTO_SECONDS;
/** Receives before a message moves to its DLQ: covers a few transient S3 failures and a pod crash. */
export const MAX_RECEIVE_COUNT = 5;
/** SQS long polling maximum: fewer empty receives, lower cost at night. */
export const RECEIVE_WAIT_SECONDS = 20;
/** SQS's maximum retention (14 days), so a dead-lettered photo can be inspected and replayed. */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 60 * 60;
/** Work queues keep messages 4 days (SQS default); a burst drains in minutes. */
export const QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;
/**
 * S3 event types that feed the work queues: a new version is processed; a deleted source takes
 * its result with it (a result is never served for a source that is gone).
 */
export const NOTIFICATION_EVENTS = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] as const;

/** Names derived from a deployment prefix, so several stacks can share an account. */
export interface QueueNames {
  readonly queue: string;
  readonly deadLetterQueue: string;
}

/** Default name prefix of the queues; infra passes `darkroom-<stack>`. */
export const DEFAULT_NAME_PREFIX = 'darkroom';

const NAME_PREFIX_PATTERN = /^[a-zA-Z0-9-]{1,40}$/;

/**
 * Queue and DLQ names of an operation.
 * @throws {RangeError} when `namePrefix` is not 1–40 letters, digits or hyphens (SQS allows 80 characters in all).
 * @example queueNames('thumbnail', 'darkroom-dev') // { queue: 'darkroom-dev-thumbnail', deadLetterQueue: 'darkroom-dev-thumbnail-dlq' }
 */
export function queueNames(
  operation: Operation,
  namePrefix: string = DEFAULT_NAME_PREFIX,
): QueueNames {
  if (!NAME_PREFIX_PATTERN.test(namePrefix)) {
    throw new RangeError(
      `namePrefix must match ${NAME_PREFIX_PATTERN}, received ${JSON.stringify(namePrefix)}`,
    );
  }
  return { queue: `${namePrefix}-${operation}`, deadLetterQueue: `${namePrefix}-${operation}-dlq` };
}

/** One work queue with its DLQ and S3 notification, as both the cloud and the local runner create it. */
export interface QueueTopology extends QueueNames {
  readonly operation: Operation;
  readonly visibilityTimeoutSeconds: number;
  readonly receiveWaitSeconds: number;
  readonly retentionSeconds: number;
  readonly maxReceiveCount: number;
  readonly deadLetterRetentionSeconds: number;
  readonly notification: {
    readonly id: string;
    readonly events: readonly string[];
    readonly filterPrefix: string;
  };
}

/**
 * The whole queue topology: one entry per operation.
 * @example describeTopology('darkroom-dev').map((q) => q.notification.filterPrefix) // ['input/grayscale/', …]
 */
export function describeTopology(
  namePrefix: string = DEFAULT_NAME_PREFIX,
): readonly QueueTopology[] {
  return OPERATIONS.map((operation) => ({
    operation,
    ...queueNames(operation, namePrefix),
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    receiveWaitSeconds: RECEIVE_WAIT_SECONDS,
    retentionSeconds: QUEUE_RETENTION_SECONDS,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    deadLetterRetentionSeconds: DLQ_RETENTION_SECONDS,
    notification: {
      id: `${namePrefix}-${operation}`,
      events: NOTIFICATION_EVENTS,
      filterPrefix: inputPrefix(operation),
    },
  }));
}
