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
import { type Operation, WORKER_LOG } from '@darkroom/pipeline-spec';
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

export function createMessageHandler(deps: MessageHandlerDeps): MessageHandler {
  const unsettled = new Map<string, Message>();
  const { logger, metrics, operation } = deps;

  async function runRecord(event: S3ObjectEvent, delivery: Delivery): Promise<RecordRun> {
    const startedAt = performance.now();
    metrics.inFlight.inc({ operation });
    try {
      const photo = await deps.processPhoto(event, delivery);
      return { result: { ok: true, outcome: photo.outcome }, photo, startedAt };
    } catch (caught) {
      return { result: { ok: false, error: toWorkerError(caught) }, photo: undefined, startedAt };
    } finally {
      metrics.inFlight.dec({ operation });
      deps.onPhotoFinished();
    }
  }

  async function deadLetterAll(
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

  async function handleRecords(
    message: Message,
    records: readonly S3ObjectEvent[],
  ): Promise<MessageAction> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const runs = await Promise.all(records.map((record) => runRecord(record, { receiveCount })));
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
    const dlqError = await deadLetterAll(settlement.deadLetter);
    if (dlqError) {
      logger.error(
        { messageId: message.MessageId, err: dlqError.message },
        'dead-lettering failed; message retried',
      );
      action = { kind: 'back-off', delaySeconds: deps.visibilityTimeoutSeconds };
      outcomes = outcomes.map((o) => (o === 'dead_lettered' ? 'retried' : o));
    }
    records.forEach((record, i) => {
      const run = runs[i];
      const outcome = outcomes[i];
      if (!run || !outcome) return;
      const failure = run.result.ok ? undefined : run.result.error;
      const durationMs = Math.round(performance.now() - run.startedAt);
      metrics.photos.inc({ operation, outcome });
      const photo = run.photo;
      if (photo?.outcome === 'processed') {
        metrics.duration.observe({ operation }, durationMs / 1000);
        metrics.bytes.inc({ operation, direction: 'in' }, photo.bytesIn);
        metrics.bytes.inc({ operation, direction: 'out' }, photo.bytesOut);
      }
      const level = outcome === 'dead_lettered' ? 'error' : failure ? 'warn' : 'info';
      logger[level](
        {
          messageId: message.MessageId,
          key: record.key,
          receiveCount,
          outcome,
          outputKey: photo?.outputKey,
          durationMs,
          processMs: Math.round(photo?.processMs ?? 0),
          waitMs: Math.round(photo?.waitMs ?? 0),
          bytesIn: photo?.bytesIn ?? 0,
          bytesOut: photo?.bytesOut ?? 0,
          ...(failure ? { errorCode: failure.code, step: failure.step, err: failure.message } : {}),
        },
        WORKER_LOG.photo,
      );
    });
    return action;
  }

  async function handleNotAnEvent(
    message: Message,
    error: PermanentMessageError,
  ): Promise<MessageAction> {
    logger.error(
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
      metrics.photos.inc({ operation, outcome: 'dead_lettered' });
      return { kind: 'delete' };
    } catch {
      return { kind: 'back-off', delaySeconds: deps.visibilityTimeoutSeconds };
    }
  }

  async function handleMessage(message: Message): Promise<Settled> {
    unsettled.set(message.MessageId ?? '', message);
    let parsed;
    try {
      parsed = parseS3EventMessage(message.Body);
    } catch (error) {
      if (!(error instanceof PermanentMessageError)) throw error;
      return { message, action: await handleNotAnEvent(message, error) };
    }
    if (parsed.kind === 'test') {
      metrics.testEvents.inc();
      logger.info({ messageId: message.MessageId, outcome: 'skipped' }, 's3:TestEvent skipped');
      return { message, action: { kind: 'delete' } };
    }
    return { message, action: await handleRecords(message, parsed.records) };
  }

  async function changeVisibility(settled: readonly Settled[]): Promise<void> {
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
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'could not change message visibility; it returns after the visibility timeout',
          ),
        );
    }
  }

  return {
    async handleBatch(messages) {
      try {
        const settled = await Promise.all(messages.map(handleMessage));
        await changeVisibility(settled);
        return settled.flatMap((s) => (s.action.kind === 'delete' ? [s.message] : []));
      } finally {
        for (const m of messages) unsettled.delete(m.MessageId ?? '');
      }
    },
    unsettled: () => [...unsettled.values()],
  };
}
