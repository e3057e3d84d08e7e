/** S3 → SQS event notifications as S3 sends them, end to end through the real SDK. */
import { readFileSync } from 'node:fs';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { shape, useEmulator } from '../testing/emulator-kit.ts';

const { aws, withBody, queue, receiveAll, configure } = useEmulator();

describe('embedded S3/SQS with event notifications', () => {
  it('stores, returns and tests a notification configuration', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/', ['s3:ObjectCreated:*'], '.jpg');
    const got = await aws().s3.send(
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
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url); // the s3:TestEvent
    const malformed = withBody('this is not XML', () => configure('photos', q.arn, 'input/'));
    await expect(malformed).rejects.toMatchObject({
      name: 'MalformedXML',
      $metadata: { httpStatusCode: 400 },
    });
    await aws().s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/a.jpg', Body: 'x' }));
    await aws().settled();
    const [event] = await receiveAll(q.url);
    expect(JSON.parse(event?.Body ?? '{}').Records?.[0]?.s3?.object?.key).toBe('input/a.jpg');
  });

  it('refuses a destination queue that does not exist, like S3', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await expect(
      configure('photos', 'arn:aws:sqs:us-east-1:000000000000:missing', 'input/'),
    ).rejects.toThrow(/Unable to validate/);
  });

  it('sends an ObjectCreated:Put event shaped exactly like a recorded AWS event, key encoded as S3 does', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url); // the test event
    const key = 'input/2026/My Photo+1 été.jpg';
    const put = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: key, Body: Buffer.alloc(1234, 7) }),
    );
    await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'elsewhere/x.jpg', Body: Buffer.alloc(1) }),
    );
    await aws().settled();
    const messages = await receiveAll(q.url);
    expect(messages).toHaveLength(1);
    const event = JSON.parse(messages[0]?.Body ?? '{}');
    const recorded = JSON.parse(
      readFileSync(new URL('../../test-fixtures/aws-s3-put-event.json', import.meta.url), 'utf8'),
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
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure(
      'photos',
      q.arn,
      'input/',
      ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      '.jpg',
    );
    await receiveAll(q.url);
    await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'input/notes.txt', Body: 'x' }),
    );
    const { UploadId } = await aws().s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'input/big.jpg' }),
    );
    const parts = [];
    for (const [n, size] of [
      [1, 5 * 1024 * 1024],
      [2, 1024],
    ] as const) {
      const { ETag } = await aws().s3.send(
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
    await aws().s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'photos',
        Key: 'input/big.jpg',
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    await aws().s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg' }));
    await aws().settled();
    const events = (await receiveAll(q.url)).map((m) => JSON.parse(m.Body ?? '{}').Records[0]);
    expect(events.map((e) => [e.eventName, e.s3.object.key, e.s3.object.size])).toEqual([
      ['ObjectCreated:CompleteMultipartUpload', 'input/big.jpg', 5 * 1024 * 1024 + 1024],
      ['ObjectRemoved:Delete', 'input/big.jpg', undefined],
    ]);
    expect(events[0].s3.object.sequencer < events[1].s3.object.sequencer).toBe(true);
  });
});
