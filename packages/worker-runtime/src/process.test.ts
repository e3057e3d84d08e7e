/** The worker as a real process: exit codes, SIGTERM drain, release of unfinished messages. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestEmulator, startTestEmulator, s3EventBody } from '@darkroom/local-aws/testing';
import { WORKER_LOG } from '@darkroom/pipeline-spec';

const ENTRY = new URL('./testing/worker-main.ts', import.meta.url).pathname;
const BUCKET = 'photos';
const photo = readFileSync(join(SAMPLE_PHOTOS_DIR, 'fallenleaf.jpg'));

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; at: number }>;
}

function spawnWorker(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--conditions=@darkroom/source', ENTRY], {
    env: { PATH: process.env['PATH'] ?? '', TEST_OPERATION: 'grayscale', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts)
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    // 'close', not 'exit': only then has all of its output been read (its last line included).
    child.on('close', (code) => resolve({ code, at: Date.now() })),
  );
  return { child, lines, stderr: () => stderr, exited };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let emulator: TestEmulator;
let children: ChildProcess[] = [];

beforeEach(async () => {
  emulator = await startTestEmulator();
  await emulator.createBucket(BUCKET);
});

afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children = [];
  await emulator.close();
});

describe('worker process', () => {
  it('exits 1 naming every missing variable when the environment is incomplete', async () => {
    const worker = spawnWorker({ DARKROOM_BUCKET: 'photos' });
    children.push(worker.child);
    const { code } = await worker.exited;
    expect(code).toBe(1);
    for (const name of ['DARKROOM_QUEUE_URL', 'DARKROOM_DLQ_URL', 'AWS_REGION'])
      expect(worker.stderr()).toContain(name);
    expect(worker.stderr()).not.toContain('DARKROOM_BUCKET');
  });

  it('on SIGTERM finishes photos in flight, releases the rest at once and exits 0 within the grace period', async () => {
    const { queueUrl, deadLetterQueueUrl: dlqUrl } = await emulator.createOperationQueues(
      'grayscale',
      {
        visibilityTimeoutSeconds: 60,
      },
    );
    const keys = Array.from({ length: 6 }, (_, n) => `input/grayscale/burst/${n}.jpg`);
    for (const key of keys) {
      const put = await emulator.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: photo }),
      );
      await emulator.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: s3EventBody(BUCKET, [{ key, size: photo.byteLength, eTag: put.ETag ?? '' }]),
        }),
      );
    }
    const env = {
      ...emulator.env,
      DARKROOM_QUEUE_URL: queueUrl,
      DARKROOM_DLQ_URL: dlqUrl,
      DARKROOM_BUCKET: BUCKET,
      DARKROOM_HEALTH_PORT: '0',
      DARKROOM_CONCURRENCY: '2',
      DARKROOM_SHUTDOWN_GRACE_SECONDS: '8',
      DARKROOM_RECEIVE_WAIT_SECONDS: '1',
    };
    const slow = spawnWorker({ ...env, DARKROOM_TEST_DELAY_MS: '1500' });
    children.push(slow.child);
    await until(() => slow.lines.some((l) => l['msg'] === WORKER_LOG.ready));
    await until(async () => (await emulator.counts(queueUrl)).inFlight === 6);
    await new Promise((r) => setTimeout(r, 800)); // two photos are now inside the (slowed, 1.5 s) operation
    const signalledAt = Date.now();
    slow.child.kill('SIGTERM');
    const { code, at } = await slow.exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(8_000);
    const finished = slow.lines.filter(
      (l) => l['msg'] === 'photo' && l['outcome'] === 'processed',
    ).length;
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(finished).toBeLessThan(6);
    // Unfinished messages are visible again immediately, not after the 60 s visibility timeout.
    expect(await emulator.counts(queueUrl)).toEqual({ visible: 6 - finished, inFlight: 0 });
    expect(slow.lines.at(-1)).toMatchObject({ msg: 'stopped', reason: 'SIGTERM' });

    const fresh = spawnWorker(env);
    children.push(fresh.child);
    const done = async () =>
      (
        await Promise.all(
          keys.map((k) =>
            emulator.s3
              .send(new HeadObjectCommand({ Bucket: BUCKET, Key: k.replace('input/', 'output/') }))
              .then(
                () => true,
                () => false,
              ),
          ),
        )
      ).every(Boolean);
    await until(done, 30_000);
    fresh.child.kill('SIGTERM');
    expect((await fresh.exited).code).toBe(0);
    expect(await emulator.drainMessages(dlqUrl)).toHaveLength(0);
  });
});
