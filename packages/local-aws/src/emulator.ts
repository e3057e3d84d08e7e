/**
 * The embedded AWS: fauxqs (S3 + SQS on one port) bound to 127.0.0.1, extended with S3 → SQS
 * event notifications through Fastify's public hooks — fauxqs has no notification support, and
 * no other emulator on the registry implements it faithfully.
 *
 * Limits (documented, tested where it matters): path-style S3 only; queue destinations only;
 * notifications for PutObject, CompleteMultipartUpload and DeleteObject (not CopyObject or
 * DeleteObjects); state is in memory, so a restart loses every object and message.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import {
  NotificationConfigError,
  type QueueNotification,
  matches,
  notificationXml,
  parseNotificationXml,
} from './notification-config.ts';
import { objectEventBody, testEventBody } from './event-message.ts';

/** Credentials for the emulator only; it accepts any, and they grant nothing anywhere else. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'darkroom-local',
  secretAccessKey: 'darkroom-local',
} as const;
export const LOCAL_REGION = 'us-east-1';

export interface LocalAws {
  readonly endpoint: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Environment for a process using the SDK's default chain against this emulator. */
  readonly env: Readonly<Record<string, string>>;
  /** Resolves when every notification triggered so far has been delivered. */
  settled(): Promise<void>;
  /** Failures while delivering notifications (e.g. the destination queue was deleted). */
  readonly deliveryErrors: readonly Error[];
  close(): Promise<void>;
}

interface ObjectWrite {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
}

function objectWriteOf(
  method: string,
  url: string,
  status: number,
  headers: Record<string, unknown>,
): ObjectWrite | undefined {
  if (status < 200 || status >= 300) return undefined;
  const [path = '', query = ''] = url.split('?');
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined; // bucket-level request
  const bucket = decodeURIComponent(path.slice(1, slash));
  const key = decodeURIComponent(path.slice(slash + 1));
  const params = new URLSearchParams(query);
  if (method === 'PUT' && !params.has('partNumber') && !params.has('uploadId')) {
    return {
      bucket,
      key,
      eventName: headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put',
    };
  }
  if (method === 'POST' && params.has('uploadId'))
    return { bucket, key, eventName: 'ObjectCreated:CompleteMultipartUpload' };
  if (method === 'DELETE' && !params.has('uploadId'))
    return { bucket, key, eventName: 'ObjectRemoved:Delete' };
  return undefined;
}

function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * Start the emulator on 127.0.0.1 (never all interfaces).
 * @param options.port default 0: a free port.
 * @example const aws = await startLocalAws(); … await aws.close();
 */
export async function startLocalAws(options: { port?: number } = {}): Promise<LocalAws> {
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  const configs = new Map<string, QueueNotification[]>();
  const queueUrls = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  const deliveryErrors: Error[] = [];
  let sequence = BigInt(Date.now()) * 1000n;
  const clients: { sqs?: SQSClient } = {};

  async function queueUrlOf(arn: string): Promise<string> {
    const cached = queueUrls.get(arn);
    if (cached) return cached;
    const parts = arn.split(':');
    const name = parts[5];
    if (parts[2] !== 'sqs' || !name)
      throw new NotificationConfigError('InvalidArgument', `Not an SQS queue ARN: ${arn}`);
    const result = await clients.sqs
      ?.send(new GetQueueUrlCommand({ QueueName: name }))
      .catch(() => undefined);
    if (!result?.QueueUrl)
      throw new NotificationConfigError(
        'InvalidArgument',
        `Unable to validate the following destination configurations: ${arn}`,
      );
    queueUrls.set(arn, result.QueueUrl);
    return result.QueueUrl;
  }

  function track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => void deliveryErrors.push(error as Error))
      .finally(() => pending.delete(tracked));
    pending.add(tracked);
  }

  async function deliver(write: ObjectWrite, requestId: string, sourceIp: string): Promise<void> {
    const targets = (configs.get(write.bucket) ?? []).filter((c) =>
      matches(c, write.eventName, write.key),
    );
    if (targets.length === 0) return;
    let size: number | undefined;
    let eTag: string | undefined;
    if (write.eventName.startsWith('ObjectCreated')) {
      const head = await app.inject({
        method: 'HEAD',
        url: `/${encodeURIComponent(write.bucket)}/${write.key.split('/').map(encodeURIComponent).join('/')}`,
      });
      if (head.statusCode !== 200) return; // overwritten or deleted meanwhile: S3 would still send; we have nothing truthful to send
      size = Number(head.headers['content-length'] ?? 0);
      eTag = String(head.headers['etag'] ?? '');
    }
    sequence += 1n;
    const sequencer = sequence.toString(16).toUpperCase().padStart(18, '0');
    for (const target of targets) {
      const body = objectEventBody({
        region: LOCAL_REGION,
        eventName: write.eventName,
        configurationId: target.id,
        bucket: write.bucket,
        key: write.key,
        size,
        eTag,
        sequencer,
        requestId,
        sourceIp,
      });
      await clients.sqs?.send(
        new SendMessageCommand({ QueueUrl: await queueUrlOf(target.queueArn), MessageBody: body }),
      );
    }
  }

  // Bucket notification configuration: answered here, before fauxqs's CreateBucket/ListObjects routes.
  app.addHook('preHandler', async (request, reply) => {
    const [path = '', query = ''] = request.url.split('?');
    if (!new URLSearchParams(query).has('notification')) return undefined;
    const bucket = decodeURIComponent(path.replace(/^\/|\/$/g, ''));
    const exists = await app.inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}` });
    reply.header('content-type', 'application/xml');
    if (exists.statusCode !== 200)
      return reply
        .code(404)
        .send(s3ErrorXml('NoSuchBucket', `The specified bucket does not exist: ${bucket}`));
    if (request.method === 'GET')
      return reply.code(200).send(notificationXml(configs.get(bucket) ?? []));
    if (request.method !== 'PUT')
      return reply.code(405).send(s3ErrorXml('MethodNotAllowed', 'Use GET or PUT'));
    try {
      const body = Buffer.isBuffer(request.body)
        ? request.body.toString('utf8')
        : String(request.body ?? '');
      const parsed = parseNotificationXml(body);
      await Promise.all(parsed.map((c) => queueUrlOf(c.queueArn)));
      configs.set(bucket, parsed);
      const requestId = randomBytes(8).toString('hex').toUpperCase();
      for (const arn of new Set(parsed.map((c) => c.queueArn))) {
        track(
          queueUrlOf(arn).then(
            async (queueUrl) =>
              void (await clients.sqs?.send(
                new SendMessageCommand({
                  QueueUrl: queueUrl,
                  MessageBody: testEventBody(bucket, requestId),
                }),
              )),
          ),
        );
      }
      return reply.code(200).send('');
    } catch (error) {
      const code = error instanceof NotificationConfigError ? error.code : 'MalformedXML';
      return reply.code(400).send(s3ErrorXml(code, (error as Error).message));
    }
  });

  // Object writes: S3 sends notifications asynchronously after the write succeeded; so do we.
  app.addHook('onResponse', async (request, reply) => {
    const write = objectWriteOf(request.method, request.url, reply.statusCode, request.headers);
    if (!write || !configs.has(write.bucket)) return;
    track(
      deliver(
        write,
        String(reply.getHeader('x-amz-request-id') ?? randomBytes(8).toString('hex').toUpperCase()),
        request.ip,
      ),
    );
  });

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  const sqsClient = new SQSClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  clients.sqs = sqsClient;
  return {
    endpoint,
    region: LOCAL_REGION,
    s3,
    sqs: sqsClient,
    env: {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
      DARKROOM_AWS_ENDPOINT: endpoint,
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    deliveryErrors,
    async close() {
      await Promise.all([...pending]);
      s3.destroy();
      sqsClient.destroy();
      // Workers' long polls hold connections for up to 20 s: cut them instead of waiting.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}
