import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { MAX_RECEIVE_COUNT, queueNames } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_TEST_EVENT_BODY, nextSequencer, s3EventBody } from './events.ts';
import { type TestEmulator, startTestEmulator } from './test-emulator.ts';

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

describe('the test emulator other projects use', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('makes an operation’s queues from the topology: names, DLQ and redrive', async () => {
    const q = await emulator.createOperationQueues('thumbnail', { namePrefix: 'darkroom-t' });
    expect(q.queueUrl.endsWith(`/${queueNames('thumbnail', 'darkroom-t').queue}`)).toBe(true);
    const { Attributes } = await emulator.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: q.deadLetterQueueArn,
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    expect(await emulator.counts(q.deadLetterQueueUrl)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('fails requests a fault rule picks, with S3’s error code, until the rule is removed', async () => {
    await emulator.createBucket('faulty');
    const rule = ({ method }: { method: string }) => (method === 'PUT' ? 503 : undefined);
    emulator.faults.push(rule);
    const put = () =>
      emulator.s3.send(new PutObjectCommand({ Bucket: 'faulty', Key: 'k', Body: 'x' }));
    await expect(put()).rejects.toMatchObject({ name: 'SlowDown' });
    emulator.faults.splice(emulator.faults.indexOf(rule), 1);
    await expect(put()).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });
});

describe('S3 event bodies for tests', () => {
  it('have the shape of a recorded AWS event, from the same builder as the emulator’s events', () => {
    const body = JSON.parse(
      s3EventBody('photos', [{ key: 'input/a b.jpg', size: 3, eTag: '"e"' }]),
    );
    const recorded = JSON.parse(
      readFileSync(new URL('../../test-fixtures/aws-s3-put-event.json', import.meta.url), 'utf8'),
    );
    expect(shape(body)).toEqual(shape(recorded));
    expect(body.Records[0].s3.object).toMatchObject({ key: 'input/a+b.jpg', size: 3, eTag: 'e' });
    expect(JSON.parse(S3_TEST_EVENT_BODY)).toMatchObject({ Event: 's3:TestEvent' });
  });

  it('give every record a larger sequencer than the one before', () => {
    const a = nextSequencer();
    const records = JSON.parse(
      s3EventBody('photos', [
        { key: 'x', size: 1, eTag: 'e' },
        { key: 'x', size: 1, eTag: 'e' },
      ]),
    ).Records;
    const [b, c] = records.map(
      (r: { s3: { object: { sequencer: string } } }) => r.s3.object.sequencer,
    );
    expect(a < b && b < c).toBe(true);
  });
});
