/**
 * The embedded AWS: fauxqs (S3 + SQS on one port) bound to 127.0.0.1, extended with S3 → SQS
 * event notifications through Fastify's public hooks — fauxqs has no notification support, and
 * no other emulator on the registry implements it faithfully.
 *
 * Limits (documented, tested where it matters): path-style S3 only; queue destinations only;
 * notifications for PutObject, CompleteMultipartUpload and DeleteObject (not CopyObject or
 * DeleteObjects); state is in memory, so a restart loses every object and message.
 */
import { s3ErrorXml } from './s3-errors.ts';
import { installXmlBodyChecks } from './xml-bodies.ts';
import { installVisibilityExpiry } from './sqs/visibility-expiry.ts';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import {
  KeyLocks,
  type ObjectRequest,
  type ObjectRequestKind,
  isWrite,
  normaliseReadConditions,
  objectRequestOf,
  writePreconditionFailure,
} from './object-writes.ts';
import {
  NotificationConfigError,
  type QueueNotification,
  matches,
  notificationXml,
  parseNotificationXml,
} from './notification-config.ts';
import { objectEventBody, testEventBody } from './event-message.ts';
import { type FaultRule, installFaults } from './faults.ts';
import {
  AccessControl,
  LOCAL_ACCOUNT_ID,
  adminPrincipal,
  NotificationDeniedError,
  assertNotificationAllowed,
  installAccessControl,
} from './iam/index.ts';

/** The runner's own credentials (an administrator); they grant nothing outside this emulator. */
export const LOCAL_CREDENTIALS = Object.freeze({
  accessKeyId: 'darkroom-local',
  secretAccessKey: 'darkroom-local',
} as const);
export const LOCAL_REGION = 'us-east-1';

export interface LocalAws {
  readonly endpoint: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Environment for a process using the SDK's default chain against this emulator. */
  readonly env: Readonly<Record<string, string>>;
  /** Principals, resource policies and the decisions made (see ./iam). */
  readonly access: AccessControl;
  /** Resolves when every notification triggered so far has been delivered. */
  settled(): Promise<void>;
  /** Failures while delivering notifications (e.g. the destination queue was deleted). */
  readonly deliveryErrors: readonly Error[];
  close(): Promise<void>;
}

/** One object write, captured while its key was locked: what its event message says. */
interface ObjectWrite {
  readonly bucket: string;
  readonly key: string;
  readonly eventName: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly sequencer: string;
}

const EVENT_NAMES: Partial<Record<ObjectRequestKind, string>> = {
  put: 'ObjectCreated:Put',
  copy: 'ObjectCreated:Copy',
  'complete-multipart': 'ObjectCreated:CompleteMultipartUpload',
  delete: 'ObjectRemoved:Delete',
};

/**
 * Largest request body: S3's own limit for one PutObject (5 GiB), so the emulator never refuses
 * a photo a worker would accept (image-ops caps inputs far lower) nor a large result. fauxqs's
 * default, 11 MiB, refused ordinary 24 MP camera files.
 */
export const MAX_REQUEST_BYTES = 5 * 1024 ** 3;

/**
 * Start the emulator on 127.0.0.1 (never all interfaces).
 * @param options.port default 0: a free port.
 * @example const aws = await startLocalAws(); … await aws.close();
 */
export async function startLocalAws(
  options: {
    port?: number;
    /** Enforce IAM (default true). */
    iam?: boolean;
    /** Tests: rules that fail chosen requests (the array may change while running). */
    faults?: FaultRule[];
  } = {},
): Promise<LocalAws> {
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  if (options.faults) installFaults(app, options.faults);
  const access = new AccessControl({ enforce: options.iam ?? true });
  access.addPrincipal(adminPrincipal(LOCAL_CREDENTIALS));
  installAccessControl(app, access, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  // fauxqs's catch-all body parser for S3, re-registered with S3's limit instead of 11 MiB.
  app.removeContentTypeParser('*');
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES },
    (_request, body, done) => done(null, body),
  );
  installXmlBodyChecks(app);
  installVisibilityExpiry(app);
  const locks = new KeyLocks();
  const writes = new WeakMap<
    object,
    { target: ObjectRequest; release: () => void; captured?: Promise<void> }
  >();

  /** Unlock the key once the write's event has been captured (or at once if it failed). */
  function finishWrite(request: object): void {
    const write = writes.get(request);
    if (!write) return;
    writes.delete(request);
    void (write.captured ?? Promise.resolve()).then(write.release);
  }
  const configs = new Map<string, QueueNotification[]>();
  const queueUrls = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  const deliveryErrors: Error[] = [];
  let sequence = BigInt(Date.now()) * 1000n;
  const clients: { sqs?: SQSClient; s3?: S3Client } = {};

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
    for (const target of targets) {
      const body = objectEventBody({
        region: LOCAL_REGION,
        eventName: write.eventName,
        configurationId: target.id,
        bucket: write.bucket,
        key: write.key,
        size: write.size,
        eTag: write.eTag,
        sequencer: write.sequencer,
        requestId,
        sourceIp,
      });
      await assertNotificationAllowed(access, write.bucket, target.queueArn);
      await clients.sqs?.send(
        new SendMessageCommand({ QueueUrl: await queueUrlOf(target.queueArn), MessageBody: body }),
      );
    }
  }

  /**
   * Current ETag and size of an object, or undefined when there is none. Over HTTP with the SDK,
   * not `app.inject`: inject parses the path as a WHATWG URL, which drops `.`/`..` segments.
   */
  async function headOf(
    bucket: string,
    key: string,
  ): Promise<{ eTag: string; size: number } | undefined> {
    const head = await clients.s3
      ?.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .catch((error: unknown) => {
        if (
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
        )
          return undefined;
        throw error;
      });
    if (!head) return undefined;
    return { eTag: head.ETag ?? '', size: head.ContentLength ?? 0 };
  }

  /** The event a successful write produces, read while the key is still locked: its own version. */
  async function captureWrite(target: ObjectRequest): Promise<ObjectWrite | undefined> {
    const eventName = EVENT_NAMES[target.kind];
    if (!eventName || !configs.has(target.bucket)) return undefined;
    const head = target.kind === 'delete' ? undefined : await headOf(target.bucket, target.key);
    // Assigned under the key's lock, in write order: monotonic per key, as S3 guarantees.
    sequence += 1n;
    return {
      bucket: target.bucket,
      key: target.key,
      eventName,
      ...(head ?? {}),
      sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
    };
  }

  // One write per key at a time; conditional writes checked under that lock.
  app.addHook('preHandler', async (request, reply) => {
    const target = objectRequestOf(request.method, request.url, request.headers);
    if (!target) return undefined;
    if (target.kind === 'read') {
      normaliseReadConditions(request.headers);
      return undefined;
    }
    if (!isWrite(target.kind)) return undefined;
    const release = await locks.acquire(`${target.bucket}\n${target.key}`);
    writes.set(request, { target, release });
    reply.raw.once('close', () => finishWrite(request));
    if (target.kind !== 'put' && target.kind !== 'complete-multipart') return undefined;
    if (!request.headers['if-match'] && !request.headers['if-none-match']) return undefined;
    const current = await headOf(target.bucket, target.key);
    const failure = writePreconditionFailure(request.headers, current?.eTag);
    if (!failure) return undefined;
    return reply
      .code(failure.status)
      .header('content-type', 'application/xml')
      .send(s3ErrorXml(failure.code, failure.message));
  });

  // Synchronous on purpose: fauxqs's async handlers would send a second reply while an async
  // onSend hook is pending. The event is read after the response; the key stays locked until then.
  app.addHook('onSend', (request, reply, payload, done) => {
    const write = writes.get(request);
    if (write && reply.statusCode >= 200 && reply.statusCode < 300) {
      const requestId = String(
        reply.getHeader('x-amz-request-id') ?? randomBytes(8).toString('hex').toUpperCase(),
      );
      write.captured = captureWrite(write.target)
        .then((captured) => {
          if (captured) track(deliver(captured, requestId, request.ip));
        })
        .catch((error: unknown) => void deliveryErrors.push(error as Error));
      track(write.captured);
    }
    done(null, payload);
  });

  app.addHook('onResponse', async (request) => finishWrite(request));

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
      await Promise.all(parsed.map((c) => assertNotificationAllowed(access, bucket, c.queueArn)));
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
      const code =
        error instanceof NotificationConfigError || error instanceof NotificationDeniedError
          ? error.code
          : 'MalformedXML';
      return reply.code(400).send(s3ErrorXml(code, (error as Error).message));
    }
  });

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint,
    credentials: { ...LOCAL_CREDENTIALS }, // a copy: the SDK marks the object it is given ($source)
    forcePathStyle: true,
  });
  const sqsClient = new SQSClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: { ...LOCAL_CREDENTIALS }, // a copy: the SDK marks the object it is given ($source)
  });
  clients.sqs = sqsClient;
  clients.s3 = s3;
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
    access,
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
