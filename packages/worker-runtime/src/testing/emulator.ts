/**
 * Test support: a real S3 + SQS API (fauxqs) on 127.0.0.1 with a free port, an SDK client pair
 * pointed at it, queue/bucket helpers and fault injection through Fastify's public hooks.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import type { AddressInfo } from 'node:net';

export const TEST_REGION = 'us-east-1';
/** Emulator credentials: fauxqs accepts any; real AWS is never reached from tests. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };

/** Decide per request whether to fail it; return an HTTP status to fail with, or undefined. */
export type FaultRule = (request: { method: string; url: string }) => number | undefined;

export interface TestEmulator {
  readonly endpoint: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly faults: FaultRule[];
  createBucket(name: string): Promise<void>;
  createQueuePair(
    name: string,
    options?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number },
  ): Promise<{ queueUrl: string; dlqUrl: string }>;
  counts(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  drainMessages(queueUrl: string): Promise<Message[]>;
  close(): Promise<void>;
}

/** Environment a child worker needs to reach the emulator with the SDK's default credential chain. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    DARKROOM_AWS_ENDPOINT: endpoint,
  };
}

export async function startTestEmulator(): Promise<TestEmulator> {
  const app = buildApp({ logger: false });
  const faults: FaultRule[] = [];
  app.addHook('onRequest', async (request, reply) => {
    for (const rule of faults) {
      const status = rule({ method: request.method, url: request.url });
      if (status) {
        await reply
          .code(status)
          .header('content-type', 'application/xml')
          .send(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>injected fault</Message></Error>`,
          );
        return reply;
      }
    }
    return undefined;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const s3 = new S3Client({
    region: TEST_REGION,
    endpoint,
    credentials: EMULATOR_CREDENTIALS,
    forcePathStyle: true,
  });
  const sqs = new SQSClient({ region: TEST_REGION, endpoint, credentials: EMULATOR_CREDENTIALS });
  const attribute = async (
    queueUrl: string,
    name: 'QueueArn' | 'ApproximateNumberOfMessages' | 'ApproximateNumberOfMessagesNotVisible',
  ) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [name] })))
      .Attributes?.[name] ?? '';
  return {
    endpoint,
    s3,
    sqs,
    faults,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createQueuePair(name, options = {}) {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      const dlqUrl = dlq.QueueUrl ?? '';
      const redrive = {
        deadLetterTargetArn: await attribute(dlqUrl, 'QueueArn'),
        maxReceiveCount: options.maxReceiveCount ?? 5,
      };
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: name,
          Attributes: {
            VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
            RedrivePolicy: JSON.stringify(redrive),
          },
        }),
      );
      return { queueUrl: queue.QueueUrl ?? '', dlqUrl };
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
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 60,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return all;
        all.push(...Messages);
      }
    },
    async close() {
      s3.destroy();
      sqs.destroy();
      // Long polls hold connections for up to 20 s; cut them rather than wait.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}
