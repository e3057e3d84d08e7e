import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../index.ts';
import { withExpiredCountedVisible } from './visibility-expiry.ts';

let aws: LocalAws;
beforeEach(async () => {
  aws = await startLocalAws();
});
afterEach(async () => {
  await aws.close();
});

const counts = async (url: string) => {
  const { Attributes = {} } = await aws.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Attributes.ApproximateNumberOfMessages,
    inFlight: Attributes.ApproximateNumberOfMessagesNotVisible,
  };
};

describe('visibility timeouts in queue counts', () => {
  it('a message whose visibility timeout passed counts as visible, not in flight, with nobody receiving (status would show dead work as busy)', async () => {
    const { QueueUrl = '' } = await aws.sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 1 }));
    expect(await counts(QueueUrl)).toEqual({ visible: '1', inFlight: '1' });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await counts(QueueUrl)).toEqual({ visible: '2', inFlight: '0' });
    // And it really is receivable again.
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(2);
  });

  it('moves only the expired messages and leaves attributes that were not asked for alone', () => {
    expect(
      withExpiredCountedVisible(
        { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '5' },
        2,
      ),
    ).toEqual({ ApproximateNumberOfMessages: '5', ApproximateNumberOfMessagesNotVisible: '3' });
    expect(withExpiredCountedVisible({ QueueArn: 'arn' }, 2)).toEqual({ QueueArn: 'arn' });
  });
});
