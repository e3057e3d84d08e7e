/**
 * The three worker images, built by `nx run <op>:image`, run exactly as their Kubernetes pods run
 * them (read-only root, UID 65532, no capabilities, no privilege escalation, tmpfs /tmp, the env
 * contract from the spec) against the local S3/SQS emulator on the host's loopback. Skipped, with
 * the reason, where podman cannot run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { regionDifference } from '@darkroom/image-ops/testing';
import {
  type CreatedTopology,
  type LocalAws,
  createTopology,
  startLocalAws,
  workerEnvironment,
} from '@darkroom/local-aws';
import {
  OPERATIONS,
  type Operation,
  PROBE_PATHS,
  RESULT_METADATA,
  TERMINATION_GRACE_PERIOD_SECONDS,
  WORKER_ENV,
  WORKER_NODE_FLAGS,
  WORKER_PROCESS_ENV,
  inputPrefix,
  outputPrefix,
} from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWorker, logLines, startWorkerContainer } from './containers.ts';
import { builtImage, changedPaths, podman, podmanUnavailable } from './podman.ts';

const unavailable = await podmanUnavailable();
// Under CI (.ci/run sets DARKROOM_REQUIRE_PODMAN) a container test that cannot run is a failure.
if (unavailable && process.env['DARKROOM_REQUIRE_PODMAN'] === '1')
  throw new Error(`the worker images cannot be run, and CI requires them: ${unavailable}`);
if (unavailable) console.warn(`SKIPPED worker image container tests: ${unavailable}`);

const REPORT = fileURLToPath(new URL('../../../dist/images/report.json', import.meta.url));
const photo = readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'));

let aws: LocalAws;
let topology: CreatedTopology;
const running = new Map<Operation, RunningWorker>();
const figures: Record<string, unknown> = {};

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Start one worker container as production does; resolves when it logs "worker ready". */
async function startWorker(operation: Operation): Promise<RunningWorker> {
  const queue = topology.queues[operation];
  const name = `darkroom-test-${operation}-${process.pid}`;
  return startWorkerContainer({
    image: await builtImage(operation),
    name,
    env: {
      ...workerEnvironment(aws, topology, operation, name),
      [WORKER_ENV.visibilityTimeoutSeconds]: String(queue.topology.visibilityTimeoutSeconds),
    },
  });
}

async function probe(
  worker: RunningWorker,
  path: string,
): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${worker.healthPort}${path}`);
  return { status: response.status, body: await response.text() };
}

async function getObject(key: string): Promise<Buffer | undefined> {
  try {
    const { Body } = await aws.s3.send(new GetObjectCommand({ Bucket: topology.bucket, Key: key }));
    return Buffer.from(
      await (Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function upload(operation: Operation, key: string): Promise<Buffer> {
  await aws.s3.send(
    new PutObjectCommand({
      Bucket: topology.bucket,
      Key: `${inputPrefix(operation)}${key}`,
      Body: photo,
    }),
  );
  return waitFor(`output/${operation}/${key}`, () => getObject(`${outputPrefix(operation)}${key}`));
}

async function assertCorrectResult(
  operation: Operation,
  key: string,
  result: Buffer,
): Promise<void> {
  const meta = await sharp(result).metadata();
  const original = await sharp(photo).metadata();
  expect(meta.format).toBe('jpeg');
  if (operation === 'grayscale') {
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([original.width, original.height]);
  } else if (operation === 'thumbnail') {
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(256);
  } else {
    const { width = 0, height = 0 } = original;
    const corner = { width: 150, height: 40, left: width - 180, top: height - 70 };
    expect(await regionDifference(photo, result, corner)).toBeGreaterThan(10);
    expect(await regionDifference(photo, result, { ...corner, left: 0, top: 0 })).toBeLessThan(4);
  }
  const head = await aws.s3.send(
    new HeadObjectCommand({ Bucket: topology.bucket, Key: `${outputPrefix(operation)}${key}` }),
  );
  expect(decodeURIComponent(head.Metadata?.[RESULT_METADATA.sourceKey] ?? '')).toBe(
    `${inputPrefix(operation)}${key}`,
  );
}

describe.skipIf(unavailable !== undefined)('worker images run as production runs them', () => {
  beforeAll(async () => {
    aws = await startLocalAws();
    topology = await createTopology(aws, { bucket: 'darkroom-images-test' });
    for (const operation of OPERATIONS) running.set(operation, await startWorker(operation));
  });

  afterAll(async () => {
    for (const worker of running.values()) await podman(['rm', '--force', '--ignore', worker.name]);
    await aws?.close();
    mkdirSync(join(REPORT, '..'), { recursive: true });
    writeFileSync(REPORT, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`container figures (${REPORT}):\n${JSON.stringify(figures, null, 2)}`);
  });

  it.each(OPERATIONS)(
    '%s: runs as non-root from a read-only image and becomes ready',
    async (operation) => {
      const worker = running.get(operation);
      if (!worker) throw new Error(`${operation} did not start`);
      const config = JSON.parse(await podman(['image', 'inspect', worker.image.image])) as [
        { Config: { User?: string; Cmd?: string[]; Env?: string[] } },
      ];
      expect(config[0].Config.User).toBe('65532:65532');
      // Starts as the local runner starts it, so local CPU and memory figures hold in a pod.
      expect(config[0].Config.Cmd).toEqual([...WORKER_NODE_FLAGS, 'dist/main.js']);
      for (const [name, value] of Object.entries(WORKER_PROCESS_ENV))
        expect(config[0].Config.Env).toContain(`${name}=${value}`);
      expect((await probe(worker, PROBE_PATHS.liveness)).status).toBe(200);
      expect((await probe(worker, PROBE_PATHS.readiness)).status).toBe(200);
      figures[operation] = {
        imageSizeMB: Math.round(worker.image.sizeBytes / 1e6),
        buildSeconds: worker.image.buildSeconds,
        processStartToReadyMs: worker.readyAt - worker.startedAt,
        podmanRunToReadyMs: worker.readyAt - worker.launchedAt,
      };
    },
  );

  it.each(OPERATIONS)(
    '%s: turns an uploaded photo into the right result and counts it',
    async (operation) => {
      const worker = running.get(operation);
      if (!worker) throw new Error(`${operation} did not start`);
      const result = await upload(operation, 'holiday/kite 1.jpg');
      await assertCorrectResult(operation, 'holiday/kite 1.jpg', result);
      const metrics = await probe(worker, PROBE_PATHS.metrics);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(/^darkroom_photos_total\{[^}]*outcome="processed"[^}]*\} 1$/m);
    },
  );

  it.each(OPERATIONS)(
    '%s: drains on SIGTERM, exits 0 within the grace period and wrote nothing outside /tmp',
    async (operation) => {
      const worker = running.get(operation);
      if (!worker) throw new Error(`${operation} did not start`);
      await aws.s3.send(
        new PutObjectCommand({
          Bucket: topology.bucket,
          Key: `${inputPrefix(operation)}last.jpg`,
          Body: photo,
        }),
      );
      await aws.settled();
      // podman stop = SIGTERM, then SIGKILL (exit 137) once the pod's grace period is over.
      await podman(['stop', '--time', String(TERMINATION_GRACE_PERIOD_SECONDS), worker.name]);
      const exitCode = Number(
        (await podman(['inspect', '--format', '{{.State.ExitCode}}', worker.name])).trim(),
      );
      expect(exitCode).toBe(0);
      // The photo in flight (or still queued) is not lost: done, or back on the queue.
      const done = await getObject(`${outputPrefix(operation)}last.jpg`);
      const { Attributes } = await aws.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: topology.queues[operation].queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const left =
        Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      expect(done !== undefined || left > 0).toBe(true);
      expect((await logLines(worker.name)).map((l) => l.msg)).toContain('stopped');
      expect(await changedPaths(worker.name)).toEqual([]);
    },
  );
});
