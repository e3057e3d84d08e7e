import { readFileSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from './index.ts';

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws();
});
afterEach(async () => {
  await aws.close();
});

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
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
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
