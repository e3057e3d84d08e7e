/**
 * Observability shipped with the stack: per operation, CloudWatch alarms on the queues (DLQ not
 * empty, oldest message older than the drain target, backlog not falling while KEDA is at
 * maxReplicas) notifying an SNS topic (with an optional email subscription), and a dashboard of
 * queue depth, in flight, DLQ depth, oldest age and photos finished.
 *
 * Photos finished come from SQS (`NumberOfMessagesDeleted` on the work queue: a worker deletes a
 * message once its photo is stored or dead-lettered; `NumberOfMessagesSent` on the DLQ: photos
 * dead-lettered), not from S3 request metrics, which cost extra per bucket filter. Karpenter's
 * node count is a Prometheus metric, not in CloudWatch, so it is not on this dashboard.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { BURST_DRAIN_TARGET, OPERATIONS, type Operation } from '@darkroom/pipeline-spec';

export interface AlarmThresholds {
  /** Email subscribed to the alarm topic (confirm the email AWS sends). */
  readonly email?: string | undefined;
  /** Oldest-message-age bound; default: the spec's burst drain target. */
  readonly oldestMessageAgeSeconds?: number | undefined;
  /** Minutes the backlog may stay at KEDA's maximum without falling. */
  readonly stuckMinutes: number;
}

export interface AlarmQueues {
  readonly queueName: pulumi.Input<string>;
  readonly deadLetterQueueName: pulumi.Input<string>;
}

export interface AlarmsArgs {
  readonly namePrefix: string;
  readonly region: string;
  readonly queues: { readonly [K in Operation]: AlarmQueues };
  /** Per operation KEDA's maxReplicas and target queueLength (messages per replica). */
  readonly scaling: {
    readonly [K in Operation]: { readonly maxReplicas: number; readonly queueLength: number };
  };
  readonly thresholds: AlarmThresholds;
}

const SQS = 'AWS/SQS';

/** The backlog at which KEDA asks for maxReplicas: desired = ceil(visible / queueLength). */
export function backlogAtMaxReplicas(scaling: {
  maxReplicas: number;
  queueLength: number;
}): number {
  return scaling.maxReplicas * scaling.queueLength;
}

export function oldestMessageAgeThreshold(thresholds: AlarmThresholds): number {
  return thresholds.oldestMessageAgeSeconds ?? BURST_DRAIN_TARGET.seconds;
}

export class Alarms extends pulumi.ComponentResource {
  readonly topicArn: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:observability:Alarms', name, {}, opts);
    const topic = new aws.sns.Topic(
      `${name}-topic`,
      { name: `${args.namePrefix}-alarms` },
      { parent: this },
    );
    if (args.thresholds.email)
      new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: topic.arn, protocol: 'email', endpoint: args.thresholds.email },
        { parent: this },
      );
    for (const op of OPERATIONS) this.operationAlarms(name, op, args, topic.arn);
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      { dashboardName: args.namePrefix, dashboardBody: dashboardBody(args) },
      { parent: this },
    );
    this.topicArn = topic.arn;
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ topicArn: this.topicArn, dashboardName: this.dashboardName });
  }

  private operationAlarms(
    name: string,
    op: Operation,
    args: AlarmsArgs,
    topicArn: pulumi.Output<string>,
  ): void {
    const q = args.queues[op];
    const actions = {
      alarmActions: [topicArn],
      okActions: [topicArn],
      treatMissingData: 'notBreaching',
    };
    new aws.cloudwatch.MetricAlarm(
      `${name}-${op}-dlq-not-empty`,
      {
        name: `${args.namePrefix}-${op}-dlq-not-empty`,
        alarmDescription: `Photos of ${op} were dead-lettered: \`darkroom failed --op ${op}\` lists them with the reason, \`darkroom redrive --op ${op}\` retries them.`,
        namespace: SQS,
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: q.deadLetterQueueName },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        ...actions,
      },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-${op}-oldest-message`,
      {
        name: `${args.namePrefix}-${op}-oldest-message-age`,
        alarmDescription: `A ${op} photo has waited longer than the drain target: workers are not keeping pace or not running (\`darkroom status --stack …\`).`,
        namespace: SQS,
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: q.queueName },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 1,
        threshold: oldestMessageAgeThreshold(args.thresholds),
        comparisonOperator: 'GreaterThanThreshold',
        ...actions,
      },
      { parent: this },
    );
    this.stuckAlarm(name, op, args, actions);
  }

  /** Backlog at or above KEDA's max-replicas level and not falling, minute after minute. */
  private stuckAlarm(name: string, op: Operation, args: AlarmsArgs, actions: object): void {
    const atMax = backlogAtMaxReplicas(args.scaling[op]);
    new aws.cloudwatch.MetricAlarm(
      `${name}-${op}-backlog-stuck`,
      {
        name: `${args.namePrefix}-${op}-backlog-stuck`,
        alarmDescription: `The ${op} backlog has stayed ≥ ${atMax} messages (KEDA at maxReplicas ${args.scaling[op].maxReplicas}) without falling for ${args.thresholds.stuckMinutes} minutes: raise maxReplicas or karpenter.cpuLimit, or look for failing nodes.`,
        metricQueries: [
          {
            id: 'depth',
            metric: {
              namespace: SQS,
              metricName: 'ApproximateNumberOfMessagesVisible',
              dimensions: { QueueName: args.queues[op].queueName },
              stat: 'Maximum',
              period: 60,
            },
            returnData: false,
          },
          {
            id: 'stuck',
            expression: `IF(depth >= ${atMax} AND DIFF(depth) >= 0, 1, 0)`,
            label: 'backlog at max replicas and not falling',
            returnData: true,
          },
        ],
        evaluationPeriods: args.thresholds.stuckMinutes,
        datapointsToAlarm: args.thresholds.stuckMinutes,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        ...actions,
      },
      { parent: this },
    );
  }
}

type Metric = (string | { label: string; stat?: string })[];

function widget(title: string, region: string, metrics: Metric[], x: number, y: number): object {
  return {
    type: 'metric',
    x,
    y,
    width: 6,
    height: 6,
    properties: { title, region, view: 'timeSeries', stat: 'Maximum', period: 60, metrics },
  };
}

/** One row per operation: depth + in flight, DLQ depth, oldest age, photos finished / dead-lettered per minute. */
export function dashboardBody(args: Pick<AlarmsArgs, 'queues' | 'region'>): pulumi.Output<string> {
  const names = OPERATIONS.map((op) =>
    pulumi.all([args.queues[op].queueName, args.queues[op].deadLetterQueueName]),
  );
  return pulumi.all(names).apply((resolved) =>
    JSON.stringify({
      widgets: resolved.flatMap(([queue, dlq], row) => {
        const op = OPERATIONS[row] as Operation;
        const y = row * 6;
        return [
          widget(
            `${op}: queue depth / in flight`,
            args.region,
            [
              [SQS, 'ApproximateNumberOfMessagesVisible', 'QueueName', queue, { label: 'visible' }],
              [
                SQS,
                'ApproximateNumberOfMessagesNotVisible',
                'QueueName',
                queue,
                { label: 'in flight' },
              ],
            ],
            0,
            y,
          ),
          widget(
            `${op}: DLQ depth`,
            args.region,
            [
              [
                SQS,
                'ApproximateNumberOfMessagesVisible',
                'QueueName',
                dlq,
                { label: 'dead-lettered' },
              ],
            ],
            6,
            y,
          ),
          widget(
            `${op}: oldest message age (s)`,
            args.region,
            [[SQS, 'ApproximateAgeOfOldestMessage', 'QueueName', queue, { label: 'oldest age' }]],
            12,
            y,
          ),
          widget(
            `${op}: photos finished per minute`,
            args.region,
            [
              [
                SQS,
                'NumberOfMessagesDeleted',
                'QueueName',
                queue,
                { label: 'finished', stat: 'Sum' },
              ],
              [
                SQS,
                'NumberOfMessagesSent',
                'QueueName',
                dlq,
                { label: 'dead-lettered', stat: 'Sum' },
              ],
            ],
            18,
            y,
          ),
        ];
      }),
    }),
  );
}

/**
 * Alarms and dashboard for the stack's queues.
 * @example createAlarms('alarms', { namePrefix: 'darkroom-dev', region, queues, scaling, thresholds: config.alarms })
 */
export function createAlarms(
  name: string,
  args: AlarmsArgs,
  opts?: pulumi.ComponentResourceOptions,
): Alarms {
  return new Alarms(name, args, opts);
}
