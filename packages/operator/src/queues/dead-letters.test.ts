/** Reading a DLQ (what `darkroom failed` and `npm start`'s summary both run) leaves it as it was. */
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '@darkroom/pipeline-spec';
import { type LocalAws, startLocalAws } from '@darkroom/local-aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueCounts } from './queue-counts.ts';
import { readDeadLetters } from './dead-letters.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => aws.close());

describe('reading dead letters', () => {
  it('lists each photo with its reason, twice the same, and leaves every message in the DLQ', async () => {
    const work = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'work' }));
    const dlq = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
    const queues = { queueUrl: work.QueueUrl ?? '', deadLetterQueueUrl: dlq.QueueUrl ?? '' };
    const text = (v: string) => ({ DataType: 'String', StringValue: v });
    await aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MessageBody: '{}',
        MessageAttributes: {
          [DLQ_ATTRIBUTES.sourceKey]: text('input/thumbnail/a.txt'),
          [DLQ_ATTRIBUTES.errorCode]: text('UnsupportedFormat'),
          [DLQ_ATTRIBUTES.errorMessage]: text('not an image: text'),
        },
      }),
    );
    const summary = (letters: Awaited<ReturnType<typeof readDeadLetters>>) =>
      letters.map((l) => [l.operation, l.key, l.code, l.reason]);
    const first = summary(await readDeadLetters(aws.sqs, queues, 'thumbnail'));
    expect(first).toEqual([
      ['thumbnail', 'input/thumbnail/a.txt', 'UnsupportedFormat', 'not an image: text'],
    ]);
    expect(summary(await readDeadLetters(aws.sqs, queues, 'thumbnail'))).toEqual(first);
    expect(await queueCounts(aws.sqs, queues)).toEqual({
      visible: 0,
      inFlight: 0,
      deadLettered: 1,
    });
  });
});
