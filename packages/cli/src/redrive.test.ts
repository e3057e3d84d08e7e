/**
 * `redrive` and `status` on a deployed stack, with SQS and CloudWatch mocked
 * (aws-sdk-client-mock): the move task gets the right ARNs; a refused task falls back to
 * receive/send/delete; a failed send deletes nothing; oldest age comes from CloudWatch.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import { OPERATIONS, queueNames } from '@darkroom/pipeline-spec';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OperationRedrive } from './redrive.ts';
import type { StatusResult } from './status.ts';
import { cli } from './testing.ts';

const ACCOUNT = '123456789012';
const url = (name: string) => `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${name}`;
const arn = (name: string) => `arn:aws:sqs:eu-west-1:${ACCOUNT}:${name}`;
const names = queueNames('thumbnail', 'darkroom-dev');
const byOp = (pick: (n: { queue: string; deadLetterQueue: string }) => string) =>
  Object.fromEntries(OPERATIONS.map((op) => [op, url(pick(queueNames(op, 'darkroom-dev')))]));

const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
let target: string[];

const deadLetter = (id: string, code: string) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: JSON.stringify({ Records: [{ s3: { object: { key: `input/thumbnail/${id}.jpg` } } }] }),
  MessageAttributes: { 'darkroom-error': { DataType: 'String', StringValue: code } },
  Attributes: { ApproximateReceiveCount: '1' },
});

beforeEach(() => {
  for (const m of [sqs, s3, cloudwatch]) m.reset();
  const dir = mkdtempSync(join(tmpdir(), 'darkroom-cli-stack-'));
  writeFileSync(
    join(dir, 'dev.json'),
    JSON.stringify({
      bucketName: 'darkroom-dev-photos-0123abcd',
      queueUrls: byOp((n) => n.queue),
      deadLetterQueueUrls: byOp((n) => n.deadLetterQueue),
      clusterName: 'darkroom-dev',
      kubeconfig: '[secret]',
    }),
  );
  target = ['--stack', 'dev', '--outputs', join(dir, 'dev.json')];
  sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: {
      QueueArn: arn(input.QueueUrl.split('/').pop() ?? ''),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    },
  }));
});

describe('darkroom redrive on a deployed stack', () => {
  it('without a reason, starts an SQS move task from the DLQ to its own work queue', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'eyJ0YXNrSWQiOiJhYmMifQ==' });
    const run = await cli([...target, '--json', 'redrive', '--op', 'thumbnail']);
    expect(run.code, run.stderr).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
      { SourceArn: arn(names.deadLetterQueue), DestinationArn: arn(names.queue) },
    ]);
    expect(
      (JSON.parse(run.stdout) as { operations: OperationRedrive[] }).operations[0],
    ).toMatchObject({
      method: 'move-task',
      taskHandle: 'eyJ0YXNrSWQiOiJhYmMifQ==',
    });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toEqual([]);
  });

  it('falls back to receive/send/delete when the move task is refused', async () => {
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(new UnsupportedOperation({ message: 'no', $metadata: {} }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [deadLetter('a', 'CorruptImage'), deadLetter('b', 'ImageTooLarge')],
      })
      .resolves({ Messages: [] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const run = await cli([...target, '--json', 'redrive', '--op', 'thumbnail']);
    expect(run.code, run.stderr).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
    expect(run.stderr).toMatch(
      /StartMessageMoveTask refused for thumbnail \(UnsupportedOperation\)/,
    );
    expect(
      sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle),
    ).toEqual(['rh-a', 'rh-b']);
  });

  it('with a reason, moves only the matching messages and releases the others', async () => {
    sqs
      .on(StartMessageMoveTaskCommand)
      .rejects(new UnsupportedOperation({ message: 'no', $metadata: {} }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [deadLetter('a', 'CorruptImage'), deadLetter('b', 'ImageTooLarge')],
      })
      .resolves({ Messages: [] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'new' });
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const run = await cli([
      ...target,
      '--json',
      'redrive',
      '--op',
      'thumbnail',
      '--method',
      'auto',
      '--reason',
      'CorruptImage',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // With a reason the move task (all or nothing) is not even tried.
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([
      url(names.queue),
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: url(names.deadLetterQueue), ReceiptHandle: 'rh-a' },
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries).toEqual(
      [{ Id: '0', ReceiptHandle: 'rh-b', VisibilityTimeout: 0 }],
    );
  });

  it('never deletes a dead letter whose copy the work queue did not accept (exit 2)', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [deadLetter('a', 'CorruptImage')] })
      .resolves({ Messages: [] });
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Throttled'), { name: 'RequestThrottled' }));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    const run = await cli([
      ...target,
      '--json',
      'redrive',
      '--op',
      'thumbnail',
      '--method',
      'copy',
    ]);
    expect(run.code).toBe(2);
    expect(sqs.commandCalls(DeleteMessageCommand)).toEqual([]);
    expect(
      sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries?.[0]
        ?.ReceiptHandle,
    ).toBe('rh-a');
  });
});

describe('darkroom status on a deployed stack', () => {
  it('reads the oldest message age from CloudWatch by the real queue name', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'output/thumbnail/a.jpg', LastModified: new Date(), Size: 1 }],
    });
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'age', Values: [412, 380], StatusCode: 'Complete' }] });
    const run = await cli([...target, '--json', 'status', '--op', 'thumbnail']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as StatusResult).operations[0]).toEqual({
      operation: 'thumbnail',
      visible: 0,
      inFlight: 0,
      deadLettered: 0,
      oldestMessageAgeSeconds: 412,
      outputsLastMinute: 1,
    });
    const query =
      cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0];
    expect(query?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'QueueName', Value: names.queue },
    ]);
    expect(query?.MetricStat?.Metric?.MetricName).toBe('ApproximateAgeOfOldestMessage');
  });
});
