import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { imageOperations, resolveOptions } from '@darkroom/image-ops';
import { DLQ_ATTRIBUTES, RESULT_METADATA } from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WorkerHandle, optionsVersion, startWorker } from './index.ts';
import { type RunImageOperation } from './photo.ts';
import {
  type FaultRule,
  type CreatedQueue,
  type TestEmulator,
  startTestEmulator,
  S3_TEST_EVENT_BODY,
  nextSequencer,
  s3EventBody,
} from '@darkroom/local-aws/testing';

const BUCKET = 'photos';
const photo = readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'));

let emulator: TestEmulator;
let queues: CreatedQueue;
const workers: WorkerHandle[] = [];

beforeEach(async () => {
  emulator = await startTestEmulator();
  Object.assign(process.env, emulator.env);
  await emulator.createBucket(BUCKET);
  // Queue default: short polls, as the timing of the receive-outage test assumes.
  queues = await emulator.createOperationQueues('grayscale', {
    visibilityTimeoutSeconds: 30,
    receiveWaitSeconds: 0,
  });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('test over')));
  await emulator.close();
});

/** Every log line the workers of a test wrote, parsed. */
const logged: { level: number; msg: string; [key: string]: unknown }[] = [];
const recording = new Writable({
  write(chunk: Buffer, _encoding, done) {
    if (process.env['WORKER_TEST_LOGS']) process.stdout.write(chunk);
    for (const line of chunk.toString().split('\n'))
      if (line.trim()) logged.push(JSON.parse(line) as (typeof logged)[number]);
    done();
  },
});

async function start(
  extra: Record<string, string> = {},
  imageOperation?: RunImageOperation<'grayscale'>,
): Promise<WorkerHandle> {
  const worker = await startWorker({
    operation: 'grayscale',
    env: {
      ...emulator.env,
      DARKROOM_QUEUE_URL: queues.queueUrl,
      DARKROOM_DLQ_URL: queues.deadLetterQueueUrl,
      DARKROOM_BUCKET: BUCKET,
      DARKROOM_HEALTH_PORT: '0',
      DARKROOM_CONCURRENCY: '2',
      DARKROOM_RECEIVE_WAIT_SECONDS: '1',
      ...extra,
    },
    healthHost: '127.0.0.1',
    logStream: recording,
    ...(imageOperation ? { imageOperation } : {}),
  });
  workers.push(worker);
  await worker.ready;
  return worker;
}

/** Grayscale that first waits `delayMs`, counting the photos it was given. */
function slowedGrayscale(delayMs: number): {
  run: RunImageOperation<'grayscale'>;
  calls: () => number;
} {
  let calls = 0;
  return {
    run: async (input, options) => {
      calls++;
      await new Promise((r) => setTimeout(r, delayMs));
      return imageOperations.grayscale(input, options);
    },
    calls: () => calls,
  };
}

async function upload(
  key: string,
  body: Buffer,
): Promise<{ key: string; size: number; eTag: string }> {
  const put = await emulator.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }),
  );
  return { key, size: body.byteLength, eTag: put.ETag ?? '' };
}

async function notify(
  objects: { key: string; size: number; eTag: string; sequencer?: string }[],
): Promise<void> {
  await emulator.sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.queueUrl,
      MessageBody: s3EventBody(BUCKET, objects),
    }),
  );
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function queueEmpty(): Promise<boolean> {
  const c = await emulator.counts(queues.queueUrl);
  return c.visible === 0 && c.inFlight === 0;
}

async function exists(key: string): Promise<boolean> {
  return emulator.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

async function metricValue(worker: WorkerHandle, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`)).text();
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return Number(line?.split(' ').pop() ?? 0);
}

describe('worker against a real S3/SQS API', () => {
  it('processes a photo whose key has spaces, + and unicode into the mirrored output key', async () => {
    const worker = await start();
    const source = await upload('input/grayscale/2026 shoot/été+nuit 1.jpg', photo);
    await notify([source]);
    const outputKey = 'output/grayscale/2026 shoot/été+nuit 1.jpg';
    await until(() => exists(outputKey));
    const out = await emulator.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: outputKey }));
    const bytes = Buffer.from(await (out.Body?.transformToByteArray() ?? new Uint8Array()));
    expect(out.ContentType).toBe('image/jpeg');
    expect(decodeURIComponent(out.Metadata?.[RESULT_METADATA.sourceKey] ?? '')).toBe(source.key);
    expect(out.Metadata?.[RESULT_METADATA.sourceEtag]).toBe(source.eTag.replace(/"/g, ''));
    expect(out.Metadata?.[RESULT_METADATA.operation]).toBe('grayscale');
    expect((await sharp(bytes).metadata()).channels).toBe(1);
    expect(await exists(source.key)).toBe(true);
    await until(queueEmpty);
    expect(
      await metricValue(
        worker,
        'darkroom_photos_total',
        'operation="grayscale",outcome="processed"',
      ),
    ).toBe(1);
  });

  it('skips and deletes the s3:TestEvent', async () => {
    const worker = await start();
    await emulator.sqs.send(
      new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: S3_TEST_EVENT_BODY }),
    );
    await until(
      async () =>
        (await metricValue(worker, 'darkroom_s3_test_events_total', '')) === 1 &&
        (await queueEmpty()),
    );
    expect(await emulator.drainMessages(queues.deadLetterQueueUrl)).toHaveLength(0);
  });

  it('dead-letters a corrupt photo with its reason in one receive; the rest of the batch succeeds', async () => {
    const worker = await start();
    const good = await Promise.all(
      [1, 2, 3].map((n) => upload(`input/grayscale/good-${n}.jpg`, photo)),
    );
    const corrupt = await upload(
      'input/grayscale/corrupt.jpg',
      photo.subarray(0, photo.byteLength / 3),
    );
    const outside = { key: 'input/thumbnail/wrong-queue.jpg', size: 1, eTag: 'x' };
    await notify([good[0], corrupt].filter((x) => x !== undefined));
    await notify(good.slice(1));
    await notify([outside]);
    await until(async () =>
      (await Promise.all(good.map((g) => exists(g.key.replace('input/', 'output/'))))).every(
        Boolean,
      ),
    );
    await until(queueEmpty);
    const dead = await emulator.drainMessages(queues.deadLetterQueueUrl);
    const reasons = dead.map((m) => ({
      code: m.MessageAttributes?.[DLQ_ATTRIBUTES.errorCode]?.StringValue,
      key: m.MessageAttributes?.[DLQ_ATTRIBUTES.sourceKey]?.StringValue,
      receives: m.Attributes?.ApproximateReceiveCount,
    }));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'CorruptImage', key: 'input/grayscale/corrupt.jpg' }),
        expect.objectContaining({
          code: 'KeyOutsidePrefix',
          key: 'input/thumbnail/wrong-queue.jpg',
        }),
      ]),
    );
    expect(dead).toHaveLength(2);
    const corruptMessage = dead.find(
      (m) => m.MessageAttributes?.[DLQ_ATTRIBUTES.errorCode]?.StringValue === 'CorruptImage',
    );
    expect(corruptMessage?.MessageAttributes?.[DLQ_ATTRIBUTES.errorMessage]?.StringValue).toMatch(
      /damaged or truncated/,
    );
    // only the failed record is kept in the dead-lettered body
    expect(JSON.parse(corruptMessage?.Body ?? '{}').Records).toHaveLength(1);
    expect(await exists('output/grayscale/corrupt.jpg')).toBe(false);
    expect(
      await metricValue(
        worker,
        'darkroom_photos_total',
        'operation="grayscale",outcome="dead_lettered"',
      ),
    ).toBe(2);
    expect(
      await metricValue(
        worker,
        'darkroom_photos_total',
        'operation="grayscale",outcome="processed"',
      ),
    ).toBe(3);
  });

  it('retries a transient S3 failure and then succeeds', async () => {
    let failures = 0;
    emulator.faults.push(({ method, url }) => {
      if (method === 'GET' && url.includes('flaky.jpg') && failures < 3) {
        failures++;
        return 503;
      }
      return undefined;
    });
    const worker = await start();
    const source = await upload('input/grayscale/flaky.jpg', photo);
    await notify([source]);
    await until(() => exists('output/grayscale/flaky.jpg'), 30_000);
    expect(failures).toBe(3);
    expect(
      await metricValue(worker, 'darkroom_photos_total', 'operation="grayscale",outcome="retried"'),
    ).toBe(1);
    expect(await emulator.drainMessages(queues.deadLetterQueueUrl)).toHaveLength(0);
  });

  it('extends visibility of a slow photo so a second worker never processes it too', async () => {
    const slow = slowedGrayscale(5_000);
    await start({ DARKROOM_VISIBILITY_TIMEOUT_SECONDS: '2' }, slow.run);
    await start({ DARKROOM_VISIBILITY_TIMEOUT_SECONDS: '2' }, slow.run);
    await notify([await upload('input/grayscale/slow.jpg', photo)]);
    await until(() => exists('output/grayscale/slow.jpg'), 20_000);
    await until(queueEmpty);
    expect(slow.calls()).toBe(1);
  });

  it('a message redelivered after a crash that followed the write (receive count 2) finds its result and skips the work', async () => {
    let calls = 0;
    const counting: RunImageOperation<'grayscale'> = async (input, options) => {
      calls++;
      return imageOperations.grayscale(input, options);
    };
    const source = await upload('input/grayscale/twice.jpg', photo);
    // What the crashed worker left: its result, written as a worker writes it...
    await emulator.s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'output/grayscale/twice.jpg',
        Body: await imageOperations.grayscale(photo).then((r) => r.data),
        Metadata: {
          [RESULT_METADATA.sourceEtag]: source.eTag.replace(/"/g, ''),
          [RESULT_METADATA.sourceSequencer]: '',
          [RESULT_METADATA.optionsVersion]: optionsVersion(
            'grayscale',
            resolveOptions('grayscale', {}),
          ),
        },
      }),
    );
    // ...and its receive of the message, which therefore comes back with ApproximateReceiveCount 2.
    await notify([source]);
    const crashed = await emulator.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, VisibilityTimeout: 0 }),
    );
    expect(crashed.Messages).toHaveLength(1);
    const worker = await start({}, counting);
    await until(
      async () =>
        (await metricValue(
          worker,
          'darkroom_photos_total',
          'operation="grayscale",outcome="duplicate"',
        )) === 1,
    );
    expect(calls).toBe(0);
  });

  it('a duplicate notification (first receive) is processed but the stored identical result is left alone', async () => {
    const worker = await start();
    // The same event twice (S3 may deliver a notification more than once): one sequencer.
    const source = {
      ...(await upload('input/grayscale/dup.jpg', photo)),
      sequencer: nextSequencer(),
    };
    await notify([source]);
    await until(() => exists('output/grayscale/dup.jpg'));
    await notify([source]);
    const count = (outcome: string) =>
      metricValue(worker, 'darkroom_photos_total', `operation="grayscale",outcome="${outcome}"`);
    await until(async () => (await count('duplicate')) === 1);
    expect(await count('processed')).toBe(1);
  });

  it('a photo deleted after its event is done with at once: no retries, no DLQ alarm (the worker may list its own inputs, so S3 says 404)', async () => {
    const worker = await start();
    const source = await upload('input/grayscale/deleted.jpg', photo);
    await emulator.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: source.key }));
    await notify([source]);
    const superseded = () =>
      metricValue(worker, 'darkroom_photos_total', 'operation="grayscale",outcome="superseded"');
    await until(async () => (await superseded()) === 1);
    await until(queueEmpty);
    expect((await emulator.counts(queues.deadLetterQueueUrl)).visible).toBe(0);
    expect(await exists('output/grayscale/deleted.jpg')).toBe(false);
  });

  it('while draining, readiness drops and liveness holds, and the photo in flight still finishes', async () => {
    const slow = slowedGrayscale(1_500);
    const worker = await start({}, slow.run);
    const base = `http://127.0.0.1:${worker.healthPort}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/process_resident_memory_bytes/);
    await notify([await upload('input/grayscale/in-flight.jpg', photo)]);
    await until(async () => slow.calls() === 1);
    const stopping = worker.stop('test drain');
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([503, 'draining']);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await stopping;
    expect(await exists('output/grayscale/in-flight.jpg')).toBe(true);
    expect(await queueEmpty()).toBe(true);
  });

  it('a photo still in flight when the grace period runs out is released at once for another worker, not hidden for its visibility timeout', async () => {
    const tooSlow = slowedGrayscale(4_000);
    const worker = await start({ DARKROOM_SHUTDOWN_GRACE_SECONDS: '1' }, tooSlow.run);
    await notify([await upload('input/grayscale/unfinished.jpg', photo)]);
    await until(async () => tooSlow.calls() === 1);
    await worker.stop('scale-in');
    // The queue's visibility timeout is 30 s: without the release it would stay in flight.
    expect(await emulator.counts(queues.queueUrl)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('a photo sent while a worker drains is handed back at once, not hidden by its last long poll', async () => {
    const worker = await start({ DARKROOM_RECEIVE_WAIT_SECONDS: '3' });
    const source = await upload('input/grayscale/late.jpg', photo);
    const stopped = worker.stop('scale-in');
    await new Promise((r) => setTimeout(r, 300));
    await notify([source]);
    await stopped;
    // Visible again now, for the next worker — not in flight until its visibility timeout.
    expect(await emulator.counts(queues.queueUrl)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('skips S3 console "folder" objects: counted, logged, deleted, never dead-lettered', async () => {
    const worker = await start();
    await notify([
      { key: 'input/grayscale/', size: 0, eTag: 'd41d8cd98f00b204e9800998ecf8427e' },
      { key: 'input/grayscale/2026/', size: 0, eTag: 'd41d8cd98f00b204e9800998ecf8427e' },
    ]);
    await until(
      async () =>
        (await metricValue(
          worker,
          'darkroom_photos_total',
          'operation="grayscale",outcome="skipped"',
        )) === 2 && (await queueEmpty()),
    );
    expect(await emulator.drainMessages(queues.deadLetterQueueUrl)).toHaveLength(0);
  });

  it('a permanent failure beside a retried photo is dead-lettered once, not once per receive', async () => {
    let failures = 0;
    emulator.faults.push(({ method, url }) => {
      if (method === 'GET' && url.includes('flaky-neighbour.jpg') && failures < 3) {
        failures++;
        return 503;
      }
      return undefined;
    });
    const worker = await start();
    const corrupt = await upload('input/grayscale/broken.jpg', photo.subarray(0, 2_000));
    const flaky = await upload('input/grayscale/flaky-neighbour.jpg', photo);
    await notify([corrupt, flaky]);
    await until(() => exists('output/grayscale/flaky-neighbour.jpg'), 30_000);
    await until(queueEmpty);
    const dead = await emulator.drainMessages(queues.deadLetterQueueUrl);
    expect(dead.map((m) => m.MessageAttributes?.[DLQ_ATTRIBUTES.sourceKey]?.StringValue)).toEqual([
      'input/grayscale/broken.jpg',
    ]);
    const count = (outcome: string) =>
      metricValue(worker, 'darkroom_photos_total', `operation="grayscale",outcome="${outcome}"`);
    expect([
      await count('dead_lettered'),
      await count('processed'),
      await count('retried'),
    ]).toEqual([1, 1, 2]);
  });

  it('on the last receive the worker dead-letters a failing photo itself, with its key and the real error', async () => {
    queues = await emulator.createOperationQueues('grayscale', {
      namePrefix: 'darkroom-2',
      visibilityTimeoutSeconds: 30,
      receiveWaitSeconds: 0,
      maxReceiveCount: 2,
    });
    emulator.faults.push(({ method, url }) =>
      method === 'GET' && url.includes('always-503.jpg') ? 503 : undefined,
    );
    await start();
    await notify([await upload('input/grayscale/always-503.jpg', photo)]);
    await until(
      async () => (await emulator.counts(queues.deadLetterQueueUrl)).visible === 1,
      30_000,
    );
    const [dead] = await emulator.drainMessages(queues.deadLetterQueueUrl);
    const attr = (name: string) => dead?.MessageAttributes?.[name]?.StringValue;
    expect(attr(DLQ_ATTRIBUTES.sourceKey)).toBe('input/grayscale/always-503.jpg');
    expect(attr(DLQ_ATTRIBUTES.errorCode)).toBe('SlowDown');
    expect(attr(DLQ_ATTRIBUTES.errorMessage)).toMatch(
      /^Gave up after 2 receives \(maxReceiveCount 2\); last error: GET s3:\/\/photos\/input\/grayscale\/always-503.jpg failed with SlowDown/,
    );
  });

  it('an event for a source overwritten since then never replaces the newer result', async () => {
    const worker = await start();
    const key = 'input/grayscale/reuploaded.jpg';
    const v1 = await upload(key, photo);
    const v1Event = { ...v1, sequencer: nextSequencer() };
    const small = await sharp(photo).resize(200).jpeg().toBuffer();
    const v2 = await upload(key, small);
    await notify([{ ...v2, sequencer: nextSequencer() }]);
    await until(() => exists('output/grayscale/reuploaded.jpg'));
    await notify([v1Event]);
    await until(
      async () =>
        (await metricValue(
          worker,
          'darkroom_photos_total',
          'operation="grayscale",outcome="superseded"',
        )) === 1,
    );
    const out = await emulator.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'output/grayscale/reuploaded.jpg' }),
    );
    expect(out.Metadata?.[RESULT_METADATA.sourceEtag]).toBe(v2.eTag.replace(/"/g, ''));
  });

  it('an unreachable queue: receives back off, readiness drops, liveness holds; all recover', async () => {
    const worker = await start();
    const base = `http://127.0.0.1:${worker.healthPort}`;
    let refused = 0;
    const outage: FaultRule = ({ method, url }) => {
      if (method !== 'POST' || url !== '/') return undefined;
      refused++;
      return 500;
    };
    emulator.faults.push(outage);
    await until(async () => (await fetch(`${base}/readyz`)).status === 503, 30_000);
    refused = 0;
    await new Promise((r) => setTimeout(r, 8_000));
    // Without backoff a worker retries at once: about 10 requests a second (3 SDK attempts each).
    expect(refused).toBeLessThan(40);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).text()).toMatch(/last SQS receive failed/);
    emulator.faults.splice(emulator.faults.indexOf(outage), 1);
    // Recovery waits out the current back-off (at most RECEIVE_BACKOFF.maxMs, 20 s) plus the
    // SDK's own retries of the failed attempt: bound it generously, the point is that it recovers.
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, 60_000);
    // …and it said so: the first failure at once, the recovery with its length, not one line a retry.
    const outageLines = logged
      .filter((l) => /^SQS receive/.test(l.msg))
      .map((l) => [l.level, l.msg]);
    expect(outageLines[0]).toEqual([40, 'SQS receive failing, retrying with backoff']);
    expect(outageLines.at(-1)).toEqual([30, 'SQS receive recovered']);
    expect(outageLines.length).toBeLessThan(6);
  }, 150_000); // the outage starts when the current 20 s long poll ends
});
