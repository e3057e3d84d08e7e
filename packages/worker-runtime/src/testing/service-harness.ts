/**
 * Test support for services: run a service entrypoint as a real process against a real S3/SQS
 * API, feed it one photo through an S3 event, and hand back what it wrote.
 */
import { spawn } from 'node:child_process';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { type Operation, WORKER_ENV, inputPrefix, outputKeyFor } from '@darkroom/pipeline-spec';
import { startTestEmulator, s3EventBody } from '@darkroom/local-aws/testing';

export interface ServiceRun {
  readonly output: Buffer;
  readonly contentType: string | undefined;
  readonly exitCode: number | null;
  readonly logs: string;
}

/**
 * Start `entry` (a service's main.ts or built main.js) with `env`, process `photo` uploaded as
 * `input/<op>/<name>`, then SIGTERM it. Rejects if no output appears within `timeoutMs`.
 */
export async function runServiceOnce(options: {
  entry: string;
  operation: Operation;
  photo: Buffer;
  name?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ServiceRun> {
  const emulator = await startTestEmulator();
  const bucket = 'photos';
  const key = `${inputPrefix(options.operation)}${options.name ?? 'photo.jpg'}`;
  const outputKey = outputKeyFor(options.operation, key) ?? '';
  try {
    await emulator.createBucket(bucket);
    const { queueUrl, deadLetterQueueUrl: dlqUrl } = await emulator.createOperationQueues(
      options.operation,
    );
    const put = await emulator.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: options.photo }),
    );
    await emulator.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: s3EventBody(bucket, [
          { key, size: options.photo.byteLength, eTag: put.ETag ?? '' },
        ]),
      }),
    );
    const child = spawn(process.execPath, ['--conditions=@darkroom/source', options.entry], {
      env: {
        PATH: process.env['PATH'] ?? '',
        ...emulator.env,
        [WORKER_ENV.queueUrl]: queueUrl,
        [WORKER_ENV.deadLetterQueueUrl]: dlqUrl,
        [WORKER_ENV.bucket]: bucket,
        [WORKER_ENV.healthPort]: '0',
        [WORKER_ENV.healthHost]: '127.0.0.1',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      const found = await emulator.s3
        .send(new GetObjectCommand({ Bucket: bucket, Key: outputKey }))
        .catch(() => undefined);
      if (found?.Body) {
        const output = Buffer.from(await found.Body.transformToByteArray());
        child.kill('SIGTERM');
        return { output, contentType: found.ContentType, exitCode: await exited, logs };
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`no output at ${outputKey} (exit ${child.exitCode}); logs:\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await emulator.close();
  }
}
