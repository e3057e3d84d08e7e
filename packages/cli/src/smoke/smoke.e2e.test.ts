/**
 * `darkroom smoke` against the real local pipeline (emulator with IAM, the three built workers as
 * processes), as `npm start -- --keep-running` runs it: a healthy pipeline passes and is left as it
 * was; a wrong result and a dead worker each fail the run (exit 2), and it still cleans up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS } from '@darkroom/local-aws';
import { type LocalPipeline, startLocalPipeline } from '@darkroom/local-pipeline';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, lastJson, writeTarget } from '../testing.ts';
import type { SmokeResult } from './smoke.ts';

let pipeline: LocalPipeline;
let target: string[];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    operations: OPERATIONS,
    workersPerOperation: 1,
    concurrency: 2,
  });
  const work = mkdtempSync(join(tmpdir(), 'darkroom-smoke-'));
  target = [
    '--local',
    '--outputs',
    writeTarget(work, pipeline.aws.endpoint, pipeline.topology, LOCAL_CREDENTIALS),
  ];
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
});

async function leftovers(): Promise<{ objects: number; deadLetters: number }> {
  const { Contents = [] } = await pipeline.aws.s3.send(
    new ListObjectsV2Command({ Bucket: pipeline.topology.bucket }),
  );
  let deadLetters = 0;
  for (const op of OPERATIONS) {
    const { Attributes = {} } = await pipeline.aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: pipeline.topology.queues[op].deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    deadLetters +=
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible);
  }
  return { objects: Contents.filter((o) => o.Key?.includes('smoke-')).length, deadLetters };
}

describe('darkroom smoke', () => {
  it('passes on a healthy pipeline: every result checked, the poison dead-lettered, nothing left behind', async () => {
    const run = await cli([...target, '--json', 'smoke', '--timeout', '90']);
    const result = lastJson<SmokeResult>(run);
    expect(run.stderr).toContain(`smoke ${result.runId}`);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.checks).toHaveLength(OPERATIONS.length * 4);
    expect(
      result.checks.filter((c) => c.detail === 'dead-lettered: UnsupportedFormat'),
    ).toHaveLength(3);
    expect(run.code).toBe(0);
    expect(result.removedObjects).toBe(OPERATIONS.length * 4 + OPERATIONS.length * 3);
    expect(await leftovers()).toEqual({ objects: 0, deadLetters: 0 });
  }, 120_000);

  it('fails (exit 2) when a worker’s results are not what the stack promises, and still cleans up', async () => {
    const run = await cli([...target, 'smoke', '--timeout', '90', '--thumbnail-box', '100x100']);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      /FAIL\s+thumbnail\s+\S+\s+result is \d+×\d+, larger than its 100×100 box/,
    );
    expect(run.stdout).toContain('smoke FAILED: 3 of 12');
    expect(await leftovers()).toEqual({ objects: 0, deadLetters: 0 });
  }, 120_000);

  it('fails (exit 2) within its timeout when an operation has no worker', async () => {
    const thumbnailWorker = pipeline.workers.find((w) => w.operation === 'thumbnail');
    thumbnailWorker?.child.kill('SIGKILL');
    await thumbnailWorker?.exited;
    const started = Date.now();
    const run = await cli([...target, '--json', 'smoke', '--timeout', '20']);
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(run.code).toBe(2);
    const failures = lastJson<SmokeResult>(run).checks.filter((c) => !c.ok);
    expect(failures.map((c) => [c.operation, c.detail])).toEqual([
      ['thumbnail', 'no result within 20 s'],
      ['thumbnail', 'no result within 20 s'],
      ['thumbnail', 'no result within 20 s'],
      ['thumbnail', 'never dead-lettered'],
    ]);
    expect((await leftovers()).objects).toBe(0);
  }, 120_000);
});
