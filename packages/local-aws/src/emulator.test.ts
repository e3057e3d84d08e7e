import { readFileSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { workQueuePolicy } from '@darkroom/access';
import { decodeEventKey } from '@darkroom/pipeline-spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, type LocalAws, startLocalAws } from './index.ts';

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws();
});
afterEach(async () => {
  await aws.close();
});

/** Send `run`'s S3 request with `body` in place of the SDK's (signed as sent, like a broken client). */
async function withBody<T>(body: string, run: () => Promise<T>): Promise<T> {
  aws.s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      request.body = body;
      // The SDK's checksums were of its own body: drop them, as a client that sends none.
      request.headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([header]) => !/^(content-md5|x-amz-checksum-|x-amz-sdk-checksum)/i.test(header),
        ),
      );
      request.headers['content-length'] = String(Buffer.byteLength(body));
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'high', name: 'replaceBody' },
  );
  try {
    return await run();
  } finally {
    aws.s3.middlewareStack.remove('replaceBody');
  }
}

/** A queue whose policy lets bucket `photos` send it events, as S3 requires. */
async function queue(
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const { QueueUrl = '' } = await aws.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const { Attributes } = await aws.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn ?? '';
  const policy = workQueuePolicy({
    queueArn: arn,
    bucketArn: 'arn:aws:s3:::photos',
    accountId: arn.split(':')[4] ?? '',
  });
  await aws.sqs.send(
    new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }),
  );
  return { url: QueueUrl, arn };
}

async function receiveAll(url: string, waitSeconds = 0): Promise<Message[]> {
  const { Messages = [] } = await aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
    }),
  );
  return Messages;
}

async function configure(
  bucket: string,
  arn: string,
  prefix: string,
  events: string[] = ['s3:ObjectCreated:*'],
  suffix?: string,
): Promise<void> {
  await aws.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'photos-in',
            QueueArn: arn,
            Events: events as never,
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'prefix', Value: prefix },
                  ...(suffix ? [{ Name: 'suffix' as const, Value: suffix }] : []),
                ],
              },
            },
          },
        ],
      },
    }),
  );
  await aws.settled();
}

/** The shape of a JSON value: same keys, same value types, recursively. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort()
        .map(([k, v]) => [k, shape(v)]),
    );
  return typeof value;
}

describe('embedded S3/SQS with event notifications', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(aws.endpoint).hostname).toBe('127.0.0.1');
  });

  it('stores, returns and tests a notification configuration', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/', ['s3:ObjectCreated:*'], '.jpg');
    const got = await aws.s3.send(
      new GetBucketNotificationConfigurationCommand({ Bucket: 'photos' }),
    );
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'photos-in',
        QueueArn: q.arn,
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'input/' },
              { Name: 'suffix', Value: '.jpg' },
            ],
          },
        },
      },
    ]);
    const [test] = await receiveAll(q.url);
    expect(JSON.parse(test?.Body ?? '{}')).toMatchObject({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Bucket: 'photos',
    });
  });

  it('answers a notification configuration that is not XML with 400 MalformedXML and keeps the one in force (uploads still notify)', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url); // the s3:TestEvent
    const malformed = withBody('this is not XML', () => configure('photos', q.arn, 'input/'));
    await expect(malformed).rejects.toMatchObject({
      name: 'MalformedXML',
      $metadata: { httpStatusCode: 400 },
    });
    await aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/a.jpg', Body: 'x' }));
    await aws.settled();
    const [event] = await receiveAll(q.url);
    expect(JSON.parse(event?.Body ?? '{}').Records?.[0]?.s3?.object?.key).toBe('input/a.jpg');
  });

  it('answers a DeleteObjects body that is not a <Delete> document with 400 MalformedXML, not 500', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const deleting = withBody('<Nope/>', () =>
      aws.s3.send(
        new DeleteObjectsCommand({ Bucket: 'photos', Delete: { Objects: [{ Key: 'a' }] } }),
      ),
    );
    await expect(deleting).rejects.toMatchObject({
      name: 'MalformedXML',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a destination queue that does not exist, like S3', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await expect(
      configure('photos', 'arn:aws:sqs:us-east-1:000000000000:missing', 'input/'),
    ).rejects.toThrow(/Unable to validate/);
  });

  it('sends an ObjectCreated:Put event shaped exactly like a recorded AWS event, key encoded as S3 does', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url); // the test event
    const key = 'input/2026/My Photo+1 été.jpg';
    const put = await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: key, Body: Buffer.alloc(1234, 7) }),
    );
    await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'elsewhere/x.jpg', Body: Buffer.alloc(1) }),
    );
    await aws.settled();
    const messages = await receiveAll(q.url);
    expect(messages).toHaveLength(1);
    const event = JSON.parse(messages[0]?.Body ?? '{}');
    const recorded = JSON.parse(
      readFileSync(new URL('../test-fixtures/aws-s3-put-event.json', import.meta.url), 'utf8'),
    );
    expect(shape(event)).toEqual(shape(recorded));
    const record = event.Records[0];
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
    });
    expect(record.s3).toMatchObject({
      configurationId: 'photos-in',
      bucket: { name: 'photos', arn: 'arn:aws:s3:::photos' },
      object: {
        key: 'input/2026/My+Photo%2B1+%C3%A9t%C3%A9.jpg',
        size: 1234,
        eTag: put.ETag?.replace(/"/g, ''),
      },
    });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{16,}$/);
  });

  it('honours suffix filters and sends CompleteMultipartUpload and ObjectRemoved events', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure(
      'photos',
      q.arn,
      'input/',
      ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      '.jpg',
    );
    await receiveAll(q.url);
    await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'input/notes.txt', Body: 'x' }),
    );
    const { UploadId } = await aws.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'input/big.jpg' }),
    );
    const parts = [];
    for (const [n, size] of [
      [1, 5 * 1024 * 1024],
      [2, 1024],
    ] as const) {
      const { ETag } = await aws.s3.send(
        new UploadPartCommand({
          Bucket: 'photos',
          Key: 'input/big.jpg',
          UploadId,
          PartNumber: n,
          Body: Buffer.alloc(size, n),
        }),
      );
      parts.push({ ETag, PartNumber: n });
    }
    await aws.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'photos',
        Key: 'input/big.jpg',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    await aws.s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg' }));
    await aws.settled();
    const events = (await receiveAll(q.url)).map((m) => JSON.parse(m.Body ?? '{}').Records[0]);
    expect(events.map((e) => [e.eventName, e.s3.object.key, e.s3.object.size])).toEqual([
      ['ObjectCreated:CompleteMultipartUpload', 'input/big.jpg', 5 * 1024 * 1024 + 1024],
      ['ObjectRemoved:Delete', 'input/big.jpg', undefined],
    ]);
    expect(events[0].s3.object.sequencer < events[1].s3.object.sequencer).toBe(true);
  });
});

// What Darkroom relies on from fauxqs: if an upgrade breaks one of these, this fails loudly.
describe('the local credentials', () => {
  it("stay two plain fields after the SDK used them (the CLI target file written from them carried the SDK's $source marker)", async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'creds' }));
    expect(JSON.parse(JSON.stringify(LOCAL_CREDENTIALS))).toEqual({
      accessKeyId: 'darkroom-local',
      secretAccessKey: 'darkroom-local',
    });
  });
});

describe('fauxqs behaviour Darkroom depends on', () => {
  it('moves a message to the DLQ after maxReceiveCount receives', async () => {
    const dlq = await queue('work-dlq');
    const work = await queue('work', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    await aws.sqs.send(
      new (await import('@aws-sdk/client-sqs')).SendMessageCommand({
        QueueUrl: work.url,
        MessageBody: 'poison',
      }),
    );
    expect(await receiveAll(work.url)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await receiveAll(work.url)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await receiveAll(work.url)).toHaveLength(0);
    expect((await receiveAll(dlq.url)).map((m) => m.Body)).toEqual(['poison']);
  });

  it('counts visible and in-flight messages separately', async () => {
    const work = await queue('counted');
    const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
    for (const n of [1, 2, 3])
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: String(n) }));
    await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: work.url,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: 30,
      }),
    );
    const { Attributes } = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: work.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Attributes).toMatchObject({
      ApproximateNumberOfMessages: '2',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
  });

  it('answers a long poll as soon as a message arrives', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('long');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const started = Date.now();
    const polled = receiveAll(q.url, 10);
    setTimeout(
      () =>
        void aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/a.jpg', Body: 'x' })),
      200,
    );
    expect(await polled).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

// What a worker relies on to keep results in step with the newest version of their source.
describe('ordering: conditional reads and writes, sequencers', () => {
  const status = (error: unknown) =>
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

  it('GetObject with If-Match returns the object for its ETag (quoted or as in events) and 412 for a superseded one', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const v1 = await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'k.jpg', Body: 'v1' }),
    );
    const v2 = await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'k.jpg', Body: 'v2' }),
    );
    for (const ifMatch of [v2.ETag ?? '', (v2.ETag ?? '').replace(/"/g, ''), '*']) {
      const got = await aws.s3.send(
        new GetObjectCommand({ Bucket: 'photos', Key: 'k.jpg', IfMatch: ifMatch }),
      );
      expect(await got.Body?.transformToString()).toBe('v2');
    }
    const stale = await aws.s3
      .send(
        new GetObjectCommand({
          Bucket: 'photos',
          Key: 'k.jpg',
          IfMatch: (v1.ETag ?? '').replace(/"/g, ''),
        }),
      )
      .catch((error: unknown) => error);
    expect(stale).toMatchObject({ name: 'PreconditionFailed' });
    expect(status(stale)).toBe(412);
  });

  it('PutObject with If-None-Match: * creates once and answers 412 when the key exists, even under concurrent writers', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) =>
        aws.s3.send(
          new PutObjectCommand({
            Bucket: 'photos',
            Key: 'once.jpg',
            Body: `w${n}`,
            IfNoneMatch: '*',
          }),
        ),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost.map(status)).toEqual(Array.from({ length: 11 }, () => 412));
    expect(lost[0]).toMatchObject({ name: 'PreconditionFailed' });
  });

  it('PutObject with If-Match replaces only the version it names: 412 for another ETag, 404 without an object', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const v1 = await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'v1' }),
    );
    const v2 = await aws.s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'v2', IfMatch: v1.ETag }),
    );
    const stale = await aws.s3
      .send(new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'old', IfMatch: v1.ETag }))
      .catch((error: unknown) => error);
    expect(status(stale)).toBe(412);
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'r.jpg' }));
    expect(got.ETag).toBe(v2.ETag);
    expect(await got.Body?.transformToString()).toBe('v2');
    const missing = await aws.s3
      .send(
        new PutObjectCommand({ Bucket: 'photos', Key: 'none.jpg', Body: 'x', IfMatch: v1.ETag }),
      )
      .catch((error: unknown) => error);
    expect(status(missing)).toBe(404);
  });

  it('CompleteMultipartUpload honours If-None-Match: * like PutObject', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'big.jpg', Body: 'v1' }));
    const { UploadId } = await aws.s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big.jpg' }),
    );
    const { ETag } = await aws.s3.send(
      new UploadPartCommand({
        Bucket: 'photos',
        Key: 'big.jpg',
        UploadId,
        PartNumber: 1,
        Body: 'p',
      }),
    );
    const refused = await aws.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: 'photos',
          Key: 'big.jpg',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
        }),
      )
      .catch((error: unknown) => error);
    expect(status(refused)).toBe(412);
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'big.jpg' }));
    expect(await got.Body?.transformToString()).toBe('v1');
  });

  it('events for one key carry increasing sequencers, and the highest names the version that stayed', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const bodies = Array.from({ length: 10 }, (_, n) => Buffer.alloc(100 + n, n));
    const puts = await Promise.all(
      bodies.map((Body) =>
        aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/same.jpg', Body })),
      ),
    );
    await aws.settled();
    const events: { eTag: string; size: number; sequencer: string }[] = [];
    for (let batch = await receiveAll(q.url); batch.length > 0; batch = await receiveAll(q.url))
      events.push(...batch.map((m) => JSON.parse(m.Body ?? '{}').Records[0].s3.object));
    expect(events).toHaveLength(10);
    // Each event describes the version its own write stored (ETag and size belong together).
    const written = new Map(puts.map((p, n) => [p.ETag?.replace(/"/g, ''), bodies[n]?.length]));
    for (const e of events) expect(written.get(e.eTag)).toBe(e.size);
    expect(new Set(events.map((e) => e.eTag))).toEqual(new Set(written.keys()));
    expect(new Set(events.map((e) => e.sequencer)).size).toBe(10);
    const newest = [...events].sort((a, b) => a.sequencer.localeCompare(b.sequencer)).at(-1);
    const head = await aws.s3.send(
      new GetObjectCommand({ Bucket: 'photos', Key: 'input/same.jpg' }),
    );
    expect(newest?.eTag).toBe(head.ETag?.replace(/"/g, ''));
  });

  it('accepts a 12 MiB PutObject (a 24 MP camera file) and reports its size in the event', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const body = Buffer.alloc(12 * 1024 * 1024, 3);
    await aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg', Body: body }));
    await aws.settled();
    const [message] = await receiveAll(q.url);
    expect(JSON.parse(message?.Body ?? '{}').Records[0].s3.object.size).toBe(body.length);
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg' }));
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
  });

  it('keeps keys with . and .. segments opaque: stored, listed and notified exactly as sent', async () => {
    await aws.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const keys = ['input/a/../b.jpg', 'input/./c.jpg', 'input/x/../../../escape.jpg'];
    for (const Key of keys)
      await aws.s3.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: Key }));
    await aws.settled();
    const events = (await receiveAll(q.url)).map((m) => {
      const object = JSON.parse(m.Body ?? '{}').Records[0].s3.object;
      return [decodeEventKey(object.key), object.size];
    });
    expect(events.sort()).toEqual(keys.map((k) => [k, Buffer.byteLength(k)]).sort());
    for (const Key of keys) {
      const got = await aws.s3.send(new GetObjectCommand({ Bucket: 'photos', Key }));
      expect(await got.Body?.transformToString()).toBe(Key);
    }
  });
});
