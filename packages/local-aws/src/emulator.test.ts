/** The emulator as a whole: where it listens, its credentials, what Darkroom needs of fauxqs. */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { decodeEventKey } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { useEmulator } from './testing/emulator-kit.ts';
import { LOCAL_CREDENTIALS } from './index.ts';

const { aws, queue, receiveAll, configure } = useEmulator();

describe('the emulator', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(aws().endpoint).hostname).toBe('127.0.0.1');
  });
});

describe('the local credentials', () => {
  it("stay two plain fields after the SDK used them (the CLI target file written from them carried the SDK's $source marker)", async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'creds' }));
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
    await aws().sqs.send(
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
      await aws().sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: String(n) }));
    await aws().sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: work.url,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: 30,
      }),
    );
    const { Attributes } = await aws().sqs.send(
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
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('long');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const started = Date.now();
    const polled = receiveAll(q.url, 10);
    setTimeout(
      () =>
        void aws().s3.send(
          new PutObjectCommand({ Bucket: 'photos', Key: 'input/a.jpg', Body: 'x' }),
        ),
      200,
    );
    expect(await polled).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('large bodies and opaque keys', () => {
  it('accepts a 12 MiB PutObject (a 24 MP camera file) and reports its size in the event', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const body = Buffer.alloc(12 * 1024 * 1024, 3);
    await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg', Body: body }),
    );
    await aws().settled();
    const [message] = await receiveAll(q.url);
    expect(JSON.parse(message?.Body ?? '{}').Records[0].s3.object.size).toBe(body.length);
    const got = await aws().s3.send(
      new GetObjectCommand({ Bucket: 'photos', Key: 'input/big.jpg' }),
    );
    expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
  });

  it('keeps keys with . and .. segments opaque: stored, listed and notified exactly as sent', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const keys = ['input/a/../b.jpg', 'input/./c.jpg', 'input/x/../../../escape.jpg'];
    for (const Key of keys)
      await aws().s3.send(new PutObjectCommand({ Bucket: 'photos', Key, Body: Key }));
    await aws().settled();
    const events = (await receiveAll(q.url)).map((m) => {
      const object = JSON.parse(m.Body ?? '{}').Records[0].s3.object;
      return [decodeEventKey(object.key), object.size];
    });
    expect(events.sort()).toEqual(keys.map((k) => [k, Buffer.byteLength(k)]).sort());
    for (const Key of keys) {
      const got = await aws().s3.send(new GetObjectCommand({ Bucket: 'photos', Key }));
      expect(await got.Body?.transformToString()).toBe(Key);
    }
  });
});
