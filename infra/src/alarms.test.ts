/**
 * Alarms and dashboard under Pulumi's mocks, for the dev and prod stacks: each alarm watches the
 * real queue by its spec name, with thresholds a wrong setting would break (DLQ ≥ 1 message,
 * oldest age = the spec's drain target unless configured, backlog at KEDA's max-replicas level
 * from each stack's scaling), notifying the alarm topic; email only when configured.
 */
import {
  BURST_DRAIN_TARGET,
  OPERATIONS,
  SCALING_DEFAULTS,
  queueNames,
} from '@darkroom/pipeline-spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseStackConfig } from './config.ts';
import { ACCOUNT_ID, type MockedProgram, ofType, one } from './testing/mocks.ts';
import { rawStackConfig, runStack } from './testing/stacks.ts';

const ALARM = 'aws:cloudwatch/metricAlarm:MetricAlarm';
const topicArn = (stack: string) => `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:darkroom-${stack}-alarms`;
const alarm = (program: MockedProgram, op: string, role: string) =>
  one(program, ALARM, `alarms-${op}-${role}`).inputs;

describe('alarms: dev stack', () => {
  let program: MockedProgram;
  beforeAll(async () => {
    ({ program } = await runStack('dev'));
  });

  it.each(OPERATIONS)('%s: the DLQ alarm fires at ≥ 1 visible message on its own DLQ', (op) => {
    expect(alarm(program, op, 'dlq-not-empty')).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queueNames(op, 'darkroom-dev').deadLetterQueue },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      alarmActions: [topicArn('dev')],
      okActions: [topicArn('dev')],
    });
  });

  it.each(OPERATIONS)(
    '%s: the oldest-message alarm watches the work queue at the drain target',
    (op) => {
      expect(BURST_DRAIN_TARGET.seconds).toBe(1800);
      expect(alarm(program, op, 'oldest-message')).toMatchObject({
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: queueNames(op, 'darkroom-dev').queue },
        threshold: BURST_DRAIN_TARGET.seconds,
        comparisonOperator: 'GreaterThanThreshold',
        alarmActions: [topicArn('dev')],
      });
    },
  );

  it.each(OPERATIONS)(
    '%s: the stuck-backlog alarm fires after 15 minutes at max replicas without falling',
    (op) => {
      const inputs = alarm(program, op, 'backlog-stuck');
      const atMax = SCALING_DEFAULTS[op].maxReplicas * SCALING_DEFAULTS[op].queueLength;
      expect(inputs).toMatchObject({ evaluationPeriods: 15, datapointsToAlarm: 15, threshold: 1 });
      const [depth, stuck] = inputs['metricQueries'] as Record<string, unknown>[];
      expect(depth).toMatchObject({
        id: 'depth',
        metric: {
          metricName: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: queueNames(op, 'darkroom-dev').queue },
          period: 60,
        },
      });
      expect(stuck?.['expression']).toBe(`IF(depth >= ${atMax} AND DIFF(depth) >= 0, 1, 0)`);
    },
  );

  it('has nine alarms, one topic without subscriptions, and a dashboard of every queue', () => {
    expect(ofType(program, ALARM)).toHaveLength(9);
    expect(ofType(program, 'aws:sns/topicSubscription:TopicSubscription')).toEqual([]);
    const dashboard = one(program, 'aws:cloudwatch/dashboard:Dashboard').inputs;
    expect(dashboard['dashboardName']).toBe('darkroom-dev');
    const body = JSON.parse(String(dashboard['dashboardBody'])) as {
      widgets: { properties: { title: string; region: string; metrics: unknown[][] } }[];
    };
    expect(body.widgets).toHaveLength(4 * OPERATIONS.length);
    for (const op of OPERATIONS) {
      const { queue, deadLetterQueue } = queueNames(op, 'darkroom-dev');
      const of = (title: string) =>
        body.widgets.find((w) => w.properties.title === `${op}: ${title}`)?.properties.metrics;
      expect(of('queue depth / in flight')?.map((m) => [m[1], m[3]])).toEqual([
        ['ApproximateNumberOfMessagesVisible', queue],
        ['ApproximateNumberOfMessagesNotVisible', queue],
      ]);
      expect(of('DLQ depth')?.[0]?.[3]).toBe(deadLetterQueue);
      expect(of('oldest message age (s)')?.[0]?.slice(1, 4)).toEqual([
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        queue,
      ]);
      expect(of('photos finished per minute')?.map((m) => [m[1], m[3]])).toEqual([
        ['NumberOfMessagesDeleted', queue],
        ['NumberOfMessagesSent', deadLetterQueue],
      ]);
    }
    expect(body.widgets.every((w) => w.properties.region === 'eu-west-1')).toBe(true);
  });
});

describe('alarms: prod stack and configured thresholds', () => {
  it("prod's stuck-backlog level follows its own maxReplicas, not the spec defaults", async () => {
    const { program, config } = await runStack('prod');
    for (const op of OPERATIONS) {
      const max = config.workers[op]?.maxReplicas ?? SCALING_DEFAULTS[op].maxReplicas;
      const [, stuck] = alarm(program, op, 'backlog-stuck')['metricQueries'] as Record<
        string,
        unknown
      >[];
      expect(stuck?.['expression']).toBe(
        `IF(depth >= ${max * SCALING_DEFAULTS[op].queueLength} AND DIFF(depth) >= 0, 1, 0)`,
      );
      expect(alarm(program, op, 'dlq-not-empty')['dimensions']).toEqual({
        QueueName: queueNames(op, 'darkroom-prod').deadLetterQueue,
      });
    }
    expect(config.workers.grayscale?.maxReplicas).toBe(100);
  });

  it('stack config sets the age bound, the stuck window and an email subscription', async () => {
    const { program } = await runStack('dev', {
      alarms: { email: 'ops@example.com', oldestMessageAgeSeconds: 600, stuckMinutes: 5 },
    });
    expect(alarm(program, 'watermark', 'oldest-message')['threshold']).toBe(600);
    expect(alarm(program, 'watermark', 'backlog-stuck')['evaluationPeriods']).toBe(5);
    expect(one(program, 'aws:sns/topicSubscription:TopicSubscription').inputs).toMatchObject({
      protocol: 'email',
      endpoint: 'ops@example.com',
      topic: topicArn('dev'),
    });
  });

  it('rejects an invalid alarm email or a one-minute stuck window, naming the key', () => {
    const raw = rawStackConfig('dev');
    expect(() => parseStackConfig({ ...raw, alarms: { email: 'not-an-email' } })).toThrow(
      /darkroom:alarms\.email/,
    );
    expect(() => parseStackConfig({ ...raw, alarms: { stuckMinutes: 1 } })).toThrow(
      /darkroom:alarms\.stuckMinutes/,
    );
  });
});
