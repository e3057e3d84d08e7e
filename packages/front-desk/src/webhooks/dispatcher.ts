/**
 * Tells clients their results are ready: consumes the results queue (S3 events of new objects
 * under `output/`) and POSTs a signed JSON delivery to the client's webhook. A delivery that
 * fails (no 2xx within 10 s) is retried by SQS itself: the message is made visible again after a
 * back-off growing with its receive count (30 s … 15 min), and after its redrive limit it waits
 * in the results DLQ for the operator. Nothing is lost when the front desk restarts.
 */
import { ChangeMessageVisibilityCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { readClient } from '@darkroom/operator';
import { clientPhotoOf, decodeEventKey } from '@darkroom/pipeline-spec';
import { Consumer } from 'sqs-consumer';
import { z } from 'zod';
import type { FrontDeskMetrics } from '../metrics.ts';
import { SIGNATURE_HEADER, webhookSignature } from './signature.ts';

const s3Event = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      eventTime: z.string().optional(),
      s3: z.object({
        object: z.object({
          key: z.string(),
          size: z.number().optional(),
          eTag: z.string().optional(),
        }),
      }),
    }),
  ),
});

export const retryDelaySeconds = (receiveCount: number): number =>
  Math.min(900, 30 * 2 ** Math.max(0, receiveCount - 1));

export interface DispatcherDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly bucket: string;
  readonly queueUrl: string;
  readonly metrics: FrontDeskMetrics;
  readonly log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

/** The deliveries one S3 event message asks for: one per new result of a client with a webhook. */
async function deliver(deps: DispatcherDeps, message: Message): Promise<void> {
  const parsed = s3Event.safeParse(JSON.parse(message.Body ?? '{}'));
  if (!parsed.success) return; // s3:TestEvent and anything else: nothing to tell
  for (const record of parsed.data.Records) {
    const photo = clientPhotoOf(decodeEventKey(record.s3.object.key));
    if (!photo || photo.kind !== 'result' || !record.eventName.startsWith('ObjectCreated'))
      continue;
    const client = await readClient(deps.s3, deps.bucket, photo.client);
    if (!client?.webhook) continue;
    const body = JSON.stringify({
      type: 'photo.result.ready',
      client: client.id,
      operation: photo.operation,
      name: photo.name,
      size: record.s3.object.size,
      at: record.eventTime,
    });
    const response = await fetch(client.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: webhookSignature(client.webhook.secret, body),
      },
      body,
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => ({ ok: false, status: 0, error }));
    if (!response.ok) throw new Error(`webhook ${client.id} answered ${response.status}`);
    deps.metrics.webhooks.inc({ outcome: 'delivered' });
  }
}

export function startDispatcher(deps: DispatcherDeps): { stop: () => Promise<void> } {
  const consumer = Consumer.create({
    queueUrl: deps.queueUrl,
    sqs: deps.sqs,
    waitTimeSeconds: 1,
    messageSystemAttributeNames: ['ApproximateReceiveCount'],
    handleMessage: async (message) => {
      try {
        await deliver(deps, message);
        return message;
      } catch (error) {
        const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
        deps.metrics.webhooks.inc({ outcome: 'retried' });
        deps.log(
          'warn',
          { receives, error: error instanceof Error ? error.message : String(error) },
          'webhook delivery failed; SQS retries it',
        );
        await deps.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: deps.queueUrl,
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: retryDelaySeconds(receives),
          }),
        );
        throw error;
      }
    },
  });
  consumer.on('error', (error) =>
    deps.log('warn', { error: error.message }, 'results queue error'),
  );
  consumer.on('processing_error', () => undefined); // logged above, with its receive count
  consumer.start();
  return {
    stop: async () => {
      consumer.stop({ abort: false });
      await new Promise<void>((resolve) =>
        consumer.status.isRunning ? consumer.once('stopped', () => resolve()) : resolve(),
      );
    },
  };
}
