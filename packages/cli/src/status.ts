/**
 * `darkroom status [--watch]`: per operation the queue's visible and in-flight messages, the DLQ
 * depth, the oldest message's age (CloudWatch `ApproximateAgeOfOldestMessage`, deployed stacks
 * only: SQS has no API for it and the emulator no CloudWatch) and results written in the last
 * minute (from S3 LastModified), and — where `kubectl` reaches the cluster — ready/desired worker
 * pods per operation and Karpenter's nodes. `--watch` redraws until every queue is empty and nothing is in
 * flight, then prints the drain time.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { listObjects, queueCounts } from '@darkroom/operator';
import { type Operation, outputPrefix } from '@darkroom/pipeline-spec';
import { type ClusterView, nodesLine, podsCell, readClusterView } from './cluster.ts';
import type { CommandContext, CommandResult } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { table } from './table.ts';

export interface OperationStatus {
  readonly operation: Operation;
  readonly visible: number;
  readonly inFlight: number;
  readonly deadLettered: number;
  /** Seconds; null where CloudWatch is not available (local emulator) or has no datapoint yet. */
  readonly oldestMessageAgeSeconds: number | null;
  readonly outputsLastMinute: number;
}

export interface StatusResult {
  readonly at: string;
  readonly operations: OperationStatus[];
  readonly drained: boolean;
  /** Replicas and nodes; absent when kubectl is missing or cannot reach a cluster (e.g. --local). */
  readonly cluster?: ClusterView;
  /** With --watch: seconds from the first poll to the drain. */
  readonly drainSeconds?: number;
}

/** The queue name is the URL's last segment, as CloudWatch's `QueueName` dimension wants it. */
export const queueNameOf = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

async function oldestAge(ctx: CommandContext, queueUrl: string): Promise<number | null> {
  const cw = ctx.clients.cloudwatch;
  if (!cw) return null;
  const now = Date.now();
  const { MetricDataResults = [] } = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 10 * 60_000),
      EndTime: new Date(now),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'age',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateAgeOfOldestMessage',
              Dimensions: [{ Name: 'QueueName', Value: queueNameOf(queueUrl) }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return MetricDataResults[0]?.Values?.[0] ?? null;
}

export async function operationStatus(
  ctx: CommandContext,
  operation: Operation,
): Promise<OperationStatus> {
  const q = ctx.target.queues[operation];
  const since = Date.now() - 60_000;
  const [counts, age, outputs] = await Promise.all([
    queueCounts(ctx.clients.sqs, q),
    oldestAge(ctx, q.queueUrl),
    listObjects(ctx.clients.s3, ctx.target.bucket, outputPrefix(operation)),
  ]);
  return {
    operation,
    ...counts,
    oldestMessageAgeSeconds: age,
    outputsLastMinute: outputs.filter((o) => (o.LastModified?.getTime() ?? 0) >= since).length,
  };
}

async function snapshot(ctx: CommandContext, ops: readonly Operation[]): Promise<StatusResult> {
  const [operations, cluster] = await Promise.all([
    Promise.all(ops.map((op) => operationStatus(ctx, op))),
    ctx.target.kind === 'stack' ? readClusterView() : Promise.resolve(undefined),
  ]);
  return {
    at: new Date().toISOString(),
    operations,
    drained: operations.every((o) => o.visible === 0 && o.inFlight === 0),
    ...(cluster ? { cluster } : {}),
  };
}

export function statusTable(s: StatusResult): string {
  const rows = [
    ['operation', 'visible', 'in flight', 'DLQ', 'oldest age', 'results/min', 'pods'],
    ...s.operations.map((o) => [
      o.operation,
      String(o.visible),
      String(o.inFlight),
      String(o.deadLettered),
      o.oldestMessageAgeSeconds === null ? '-' : `${o.oldestMessageAgeSeconds} s`,
      String(o.outputsLastMinute),
      podsCell(s.cluster, o.operation),
    ]),
  ];
  return `${table(rows)}\n${nodesLine(s.cluster)}`;
}

const codeOf = (s: StatusResult) =>
  s.operations.some((o) => o.deadLettered > 0) ? EXIT.attention : EXIT.ok;

export async function status(
  ctx: CommandContext,
  ops: readonly Operation[],
): Promise<CommandResult<StatusResult>> {
  const s = await snapshot(ctx, ops);
  return { code: codeOf(s), result: s, text: statusTable(s) };
}

export interface WatchOptions {
  readonly intervalMs: number;
  /** Give up (exit 2) after this long; undefined: until drained or Ctrl-C. */
  readonly timeoutMs: number | undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

/**
 * Poll until drained: every queue empty with nothing in flight on two polls in a row (one poll
 * can fall between an upload and its S3 event). With --json, one JSON line per poll.
 */
export async function watchStatus(
  ctx: CommandContext,
  ops: readonly Operation[],
  options: WatchOptions,
): Promise<CommandResult<StatusResult>> {
  const started = Date.now();
  let quietPolls = 0;
  for (;;) {
    const s = await snapshot(ctx, ops);
    quietPolls = s.drained ? quietPolls + 1 : 0;
    const elapsed = (Date.now() - started) / 1000;
    if (ctx.io.json) ctx.io.out(`${JSON.stringify(s)}\n`);
    else
      ctx.io.out(
        `${ctx.io.tty ? '\x1b[H\x1b[2J' : ''}${s.at}  (${elapsed.toFixed(0)} s)\n${statusTable(s)}`,
      );
    if (quietPolls >= 2) {
      const done = { ...s, drainSeconds: elapsed };
      return { code: codeOf(s), result: done, text: `drained in ${elapsed.toFixed(1)} s\n` };
    }
    if (
      ctx.signal.aborted ||
      (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs)
    )
      return {
        code: EXIT.attention,
        result: s,
        text: `not drained after ${elapsed.toFixed(0)} s\n`,
      };
    await sleep(options.intervalMs, ctx.signal);
  }
}
