/**
 * One receive's batch of messages: each message parsed, its photos processed, its fate decided
 * by `settle`, its photos logged and counted once; then the batch is applied in as few SQS calls
 * as possible (the deletes by sqs-consumer in one DeleteMessageBatch, visibility changes here).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type Operation, type PhotoOutcome, WORKER_LOG } from '@darkroom/pipeline-spec';
import type { Logger } from 'pino';
import type { DeadLetterer } from './dead-letter.ts';
import { PermanentMessageError, TransientError, WorkerError } from './errors.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { Delivery, PhotoResult } from './photo.ts';
import { type S3ObjectEvent, eventMessageBody, parseS3EventMessage } from './s3-event.ts';
import { type MessageAction, type RecordResult, settle } from './settle.ts';

export interface MessageHandlerDeps {
  readonly operation: Operation;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly deadLetter: DeadLetterer;
  readonly processPhoto: (event: S3ObjectEvent, delivery: Delivery) => Promise<PhotoResult>;
  readonly visibilityTimeoutSeconds: number;
  /** The queue's redrive maxReceiveCount (read at start-up). */
  readonly maxReceiveCount: () => number;
  /** Called when a photo finishes (liveness). */
  readonly onPhotoFinished: () => void;
}

export interface MessageHandler {
  /** sqs-consumer's `handleMessageBatch`: returns the messages to delete. */
  handleBatch(messages: Message[]): Promise<Message[]>;
  /** Messages received and not yet settled (released when the grace period runs out). */
  unsettled(): readonly Message[];
}

interface Settled {
  readonly message: Message;
  readonly action: MessageAction;
}

interface RecordRun {
  readonly result: RecordResult;
  readonly photo: PhotoResult | undefined;
  readonly startedAt: number;
}

const toWorkerError = (caught: unknown): WorkerError =>
  caught instanceof WorkerError
    ? caught
    : new TransientError('Unexpected', String(caught), 'process', caught);

/**
 * The handler sqs-consumer calls with each receive's messages. It keeps the messages it has not
 * settled yet, so a drain that runs out of grace can release them.
 */
export function createMessageHandler(deps: MessageHandlerDeps): MessageHandler {
  const unsettled = new Map<string, Message>();
  return {
    async handleBatch(messages) {
      for (const m of messages) unsettled.set(m.MessageId ?? '', m);
      try {
        const settled = await Promise.all(messages.map((m) => handleMessage(deps, m)));
        await changeVisibility(deps, settled);
        return settled.flatMap((s) => (s.action.kind === 'delete' ? [s.message] : []));
      } finally {
        for (const m of messages) unsettled.delete(m.MessageId ?? '');
      }
    },
    unsettled: () => [...unsettled.values()],
  };
}

/** One message: an S3 event's photos, an S3 test event, or something else (dead-lettered). */
async function handleMessage(deps: MessageHandlerDeps, message: Message): Promise<Settled> {
  let parsed;
  try {
    parsed = parseS3EventMessage(message.Body);
  } catch (error) {
    if (!(error instanceof PermanentMessageError)) throw error;
    return { message, action: await handleNotAnEvent(deps, message, error) };
  }
  if (parsed.kind === 'test') {
    deps.metrics.testEvents.inc();
    deps.logger.info({ messageId: message.MessageId, outcome: 'skipped' }, 's3:TestEvent skipped');
    return { message, action: { kind: 'delete' } };
  }
  return { message, action: await handleRecords(deps, message, parsed.records) };
}

/** Process a message's photos, settle it, dead-letter what settling says, report each photo. */
async function handleRecords(
  deps: MessageHandlerDeps,
  message: Message,
  records: readonly S3ObjectEvent[],
): Promise<MessageAction> {
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  const runs = await Promise.all(
    records.map((record) => runRecord(deps, record, { receiveCount })),
  );
  const settlement = settle(
    records,
    runs.map((r) => r.result),
    {
      receiveCount,
      maxReceiveCount: deps.maxReceiveCount(),
      visibilityTimeoutSeconds: deps.visibilityTimeoutSeconds,
    },
  );
  let { action, outcomes } = settlement;
  const dlqError = await deadLetterAll(deps, settlement.deadLetter);
  if (dlqError) {
    deps.logger.error(
      { messageId: message.MessageId, err: dlqError.message },
      'dead-lettering failed; message retried',
    );
    action = { kind: 'back-off', delaySeconds: deps.visibilityTimeoutSeconds };
    outcomes = outcomes.map((o) => (o === 'dead_lettered' ? 'retried' : o));
  }
  records.forEach((record, i) => {
    const run = runs[i];
    const outcome = outcomes[i];
    if (run && outcome) reportPhoto(deps, { message, record, receiveCount, run, outcome });
  });
  return action;
}

async function runRecord(
  deps: MessageHandlerDeps,
  event: S3ObjectEvent,
  delivery: Delivery,
): Promise<RecordRun> {
  const startedAt = performance.now();
  const labels = { operation: deps.operation };
  deps.metrics.inFlight.inc(labels);
  try {
    const photo = await deps.processPhoto(event, delivery);
    return { result: { ok: true, outcome: photo.outcome }, photo, startedAt };
  } catch (caught) {
    return { result: { ok: false, error: toWorkerError(caught) }, photo: undefined, startedAt };
  } finally {
    deps.metrics.inFlight.dec(labels);
    deps.onPhotoFinished();
  }
}

/** @returns the error when any of them could not be dead-lettered (the message is retried). */
async function deadLetterAll(
  deps: MessageHandlerDeps,
  entries: readonly { record: S3ObjectEvent; error: WorkerError }[],
): Promise<WorkerError | undefined> {
  try {
    await Promise.all(
      entries.map(({ record, error }) =>
        deps.deadLetter({ body: eventMessageBody([record]), error, key: record.key }),
      ),
    );
    return undefined;
  } catch (caught) {
    return toWorkerError(caught);
  }
}

/** One photo, one outcome: counted once and logged once (the line the runner and bench read). */
function reportPhoto(
  deps: MessageHandlerDeps,
  photo: {
    message: Message;
    record: S3ObjectEvent;
    receiveCount: number;
    run: RecordRun;
    outcome: PhotoOutcome;
  },
): void {
  const { message, record, receiveCount, run, outcome } = photo;
  const { metrics, operation } = deps;
  const failure = run.result.ok ? undefined : run.result.error;
  const durationMs = Math.round(performance.now() - run.startedAt);
  metrics.photos.inc({ operation, outcome });
  const result = run.photo;
  if (result?.outcome === 'processed') {
    metrics.duration.observe({ operation }, durationMs / 1000);
    metrics.bytes.inc({ operation, direction: 'in' }, result.bytesIn);
    metrics.bytes.inc({ operation, direction: 'out' }, result.bytesOut);
  }
  const level = outcome === 'dead_lettered' ? 'error' : failure ? 'warn' : 'info';
  deps.logger[level](
    {
      messageId: message.MessageId,
      key: record.key,
      receiveCount,
      outcome,
      outputKey: result?.outputKey,
      durationMs,
      processMs: Math.round(result?.processMs ?? 0),
      waitMs: Math.round(result?.waitMs ?? 0),
      bytesIn: result?.bytesIn ?? 0,
      bytesOut: result?.bytesOut ?? 0,
      ...(failure ? { errorCode: failure.code, step: failure.step, err: failure.message } : {}),
    },
    WORKER_LOG.photo,
  );
}

async function handleNotAnEvent(
  deps: MessageHandlerDeps,
  message: Message,
  error: PermanentMessageError,
): Promise<MessageAction> {
  deps.logger.error(
    {
      messageId: message.MessageId,
      outcome: 'dead_lettered',
      errorCode: error.code,
      err: error.message,
      body: (message.Body ?? '').slice(0, 200),
    },
    'message is not an S3 event notification',
  );
  try {
    await deps.deadLetter({ body: message.Body ?? '', error });
    deps.metrics.photos.inc({ operation: deps.operation, outcome: 'dead_lettered' });
    return { kind: 'delete' };
  } catch {
    return { kind: 'back-off', delaySeconds: deps.visibilityTimeoutSeconds };
  }
}

/** Apply every settled message that is not deleted: release (0 s) or back off, 10 per call. */
async function changeVisibility(
  deps: MessageHandlerDeps,
  settled: readonly Settled[],
): Promise<void> {
  const entries = settled.flatMap(({ message, action }) =>
    action.kind === 'delete'
      ? []
      : [
          {
            Id: message.MessageId ?? '',
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: action.kind === 'release' ? 0 : action.delaySeconds,
          },
        ],
  );
  for (let i = 0; i < entries.length; i += 10) {
    await deps.sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: deps.queueUrl,
          Entries: entries.slice(i, i + 10),
        }),
      )
      .catch((error: unknown) =>
        deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'could not change message visibility; it returns after the visibility timeout',
        ),
      );
  }
}
