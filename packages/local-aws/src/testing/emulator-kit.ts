/**
 * What the emulator's own tests share (not exported from the package): a fresh emulator per
 * test, queues bucket \`photos\` may notify, notification configurations, raw bodies.
 */
import { PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { workQueuePolicy } from '@darkroom/access';
import { afterEach, beforeEach } from 'vitest';
import { type LocalAws, startLocalAws } from '../emulator.ts';

/** Send `run`'s S3 request with `body` in place of the SDK's (signed as sent, like a broken client). */
async function withBody<T>(aws: LocalAws, body: string, run: () => Promise<T>): Promise<T> {
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
  aws: LocalAws,
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

async function receiveAll(aws: LocalAws, url: string, waitSeconds = 0): Promise<Message[]> {
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
  aws: LocalAws,
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
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort()
        .map(([k, v]) => [k, shape(v)]),
    );
  return typeof value;
}

/** A fresh emulator for each test of the calling file, and the helpers bound to it. */
export function useEmulator() {
  let current: LocalAws | undefined;
  beforeEach(async () => {
    current = await startLocalAws();
  });
  afterEach(async () => {
    await current?.close();
  });
  const aws = (): LocalAws => {
    if (!current) throw new Error('the emulator starts in beforeEach');
    return current;
  };
  return {
    aws,
    withBody: <T>(body: string, run: () => Promise<T>) => withBody(aws(), body, run),
    queue: (name: string, attributes?: Record<string, string>) => queue(aws(), name, attributes),
    receiveAll: (url: string, waitSeconds?: number) => receiveAll(aws(), url, waitSeconds),
    configure: (bucket: string, arn: string, prefix: string, events?: string[], suffix?: string) =>
      configure(aws(), bucket, arn, prefix, events, suffix),
  };
}
