/**
 * `darkroom redrive [--op …] [--reason CODE] [--dry-run]`: move dead-lettered messages back to
 * their work queue. Without a reason filter on a deployed stack, SQS's own `StartMessageMoveTask`
 * moves them; otherwise (a filter, the emulator, or a move task refused) each message is sent to
 * the work queue and only then deleted from the DLQ — never lost; a duplicate only if the delete
 * fails after the send, which the report shows and the workers' idempotency check absorbs.
 */
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Operation } from '@darkroom/pipeline-spec';
import type { CommandContext, CommandResult } from './context.ts';
import { receiveAll, release, toDeadLetter } from '@darkroom/operator';
import { EXIT } from './exit-codes.ts';

export type RedriveMethod = 'auto' | 'move-task' | 'copy';

export interface RedriveOptions {
  readonly operations: readonly Operation[];
  readonly reason: string | undefined;
  readonly dryRun: boolean;
  readonly method: RedriveMethod;
}

export interface OperationRedrive {
  readonly operation: Operation;
  readonly method: 'move-task' | 'copy';
  /** Keys moved (or, with --dry-run, that would be); a move task reports none until it runs. */
  readonly moved: string[];
  readonly left: number;
  readonly taskHandle?: string;
  readonly errors: string[];
}

async function arnOf(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

async function moveTask(ctx: CommandContext, operation: Operation): Promise<OperationRedrive> {
  const q = ctx.target.queues[operation];
  const [source, destination] = await Promise.all([
    arnOf(ctx.clients.sqs, q.deadLetterQueueUrl),
    arnOf(ctx.clients.sqs, q.queueUrl),
  ]);
  const { TaskHandle } = await ctx.clients.sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination }),
  );
  return {
    operation,
    method: 'move-task',
    moved: [],
    left: 0,
    errors: [],
    ...(TaskHandle ? { taskHandle: TaskHandle } : {}),
  };
}

async function moveOne(
  ctx: CommandContext,
  operation: Operation,
  m: Message,
): Promise<string | undefined> {
  const q = ctx.target.queues[operation];
  await ctx.clients.sqs.send(
    new SendMessageCommand({ QueueUrl: q.queueUrl, MessageBody: m.Body ?? '' }),
  );
  try {
    await ctx.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: q.deadLetterQueueUrl, ReceiptHandle: m.ReceiptHandle }),
    );
    return undefined;
  } catch (error) {
    return `sent ${m.MessageId} back but could not delete it from the DLQ (it may run twice): ${(error as Error).message}`;
  }
}

async function copyBack(
  ctx: CommandContext,
  operation: Operation,
  options: RedriveOptions,
): Promise<OperationRedrive> {
  const dlq = ctx.target.queues[operation].deadLetterQueueUrl;
  // Hidden long enough to send and delete each one; released at the end if left behind.
  const messages = await receiveAll(ctx.clients.sqs, dlq, 300);
  const moved: string[] = [];
  const errors: string[] = [];
  const keep: Message[] = [];
  for (const m of messages) {
    const letter = toDeadLetter(operation, m);
    if ((options.reason && letter.code !== options.reason) || options.dryRun) {
      keep.push(m);
      if (options.dryRun && (!options.reason || letter.code === options.reason))
        moved.push(letter.key);
      continue;
    }
    try {
      const problem = await moveOne(ctx, operation, m);
      moved.push(letter.key);
      if (problem) errors.push(problem);
    } catch (error) {
      keep.push(m);
      errors.push(`could not send ${letter.key} back: ${(error as Error).message}`);
    }
  }
  await release(ctx.clients.sqs, dlq, keep);
  return {
    operation,
    method: 'copy',
    moved,
    left: keep.length - (options.dryRun ? moved.length : 0),
    errors,
  };
}

async function redriveOne(
  ctx: CommandContext,
  operation: Operation,
  options: RedriveOptions,
): Promise<OperationRedrive> {
  const useTask =
    options.method === 'move-task' ||
    (options.method === 'auto' &&
      ctx.target.kind === 'stack' &&
      !options.reason &&
      !options.dryRun);
  if (!useTask) return copyBack(ctx, operation, options);
  try {
    return await moveTask(ctx, operation);
  } catch (error) {
    if (options.method === 'move-task') throw error;
    ctx.io.err(
      `StartMessageMoveTask refused for ${operation} (${(error as Error).name}); moving messages one by one\n`,
    );
    return copyBack(ctx, operation, options);
  }
}

export async function redrive(
  ctx: CommandContext,
  options: RedriveOptions,
): Promise<CommandResult<{ dryRun: boolean; operations: OperationRedrive[] }>> {
  const operations: OperationRedrive[] = [];
  for (const op of options.operations) operations.push(await redriveOne(ctx, op, options));
  const text = operations
    .map((o) =>
      o.method === 'move-task'
        ? `${o.operation}: StartMessageMoveTask ${o.taskHandle ?? ''} started (all messages of the DLQ)`
        : `${o.operation}: ${options.dryRun ? 'would move' : 'moved'} ${o.moved.length}${o.moved.map((k) => `\n  ${k}`).join('')}${o.errors.map((e) => `\n  error: ${e}`).join('')}`,
    )
    .join('\n');
  return {
    code: operations.some((o) => o.errors.length > 0) ? EXIT.attention : EXIT.ok,
    result: { dryRun: options.dryRun, operations },
    text: `${text}\n`,
  };
}
