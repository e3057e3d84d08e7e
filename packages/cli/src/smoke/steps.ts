/** The smoke run's I/O, one step per function: put, look for results and dead letters, fetch, clean up. */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import type { CommandContext } from '../context.ts';
import { receiveAll, release, toDeadLetter } from '@darkroom/operator';
import type { SmokeItem } from './plan.ts';

export async function putItem(ctx: CommandContext, item: SmokeItem, body: Buffer): Promise<void> {
  await ctx.clients.s3.send(
    new PutObjectCommand({
      Bucket: ctx.target.bucket,
      Key: item.inputKey,
      Body: body,
      ContentType: 'image/jpeg',
    }),
  );
}

export async function resultExists(ctx: CommandContext, key: string): Promise<boolean> {
  try {
    await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: ctx.target.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

export async function fetchObject(ctx: CommandContext, key: string): Promise<Buffer> {
  const { Body } = await ctx.clients.s3.send(
    new GetObjectCommand({ Bucket: ctx.target.bucket, Key: key }),
  );
  return Buffer.from((await Body?.transformToByteArray()) ?? new Uint8Array());
}

/**
 * The dead letters of this run's keys in one DLQ, taken out of it (they are the run's own
 * litter); every other message is made visible again untouched.
 */
export async function takeDeadLetters(
  ctx: CommandContext,
  operation: Operation,
  keys: ReadonlySet<string>,
): Promise<Map<string, { code: string; reason: string }>> {
  const url = ctx.target.queues[operation].deadLetterQueueUrl;
  const messages = await receiveAll(ctx.clients.sqs, url, 30);
  const ours = messages.filter((m) => keys.has(toDeadLetter(operation, m).key));
  await release(
    ctx.clients.sqs,
    url,
    messages.filter((m) => !ours.includes(m)),
  );
  for (let i = 0; i < ours.length; i += 10)
    await ctx.clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: ours
          .slice(i, i + 10)
          .map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  return new Map(
    ours.map((m) => {
      const letter = toDeadLetter(operation, m);
      return [letter.key, { code: letter.code, reason: letter.reason }];
    }),
  );
}

/** Delete everything under the run's input and output prefixes of `operation`; returns the count. */
export async function removeRun(
  ctx: CommandContext,
  operation: Operation,
  runId: string,
): Promise<number> {
  let removed = 0;
  for (const prefix of [
    `${inputPrefix(operation)}${runId}/`,
    `${outputPrefix(operation)}${runId}/`,
  ]) {
    const { Contents = [] } = await ctx.clients.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.target.bucket, Prefix: prefix }),
    );
    if (Contents.length === 0) continue;
    await ctx.clients.s3.send(
      new DeleteObjectsCommand({
        Bucket: ctx.target.bucket,
        Delete: { Objects: Contents.map((o) => ({ Key: o.Key })), Quiet: true },
      }),
    );
    removed += Contents.length;
  }
  return removed;
}
