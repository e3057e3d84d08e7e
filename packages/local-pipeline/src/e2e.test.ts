/**
 * End-to-end and fault tests: the embedded S3/SQS, the real topology and the real worker
 * processes (built bundles), asserting on what lands in S3 and in the DLQs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { pngHeaderBomb, regionDifference } from '@darkroom/image-ops/testing';
import { objectEventBody } from '@darkroom/local-aws';
import {
  OPERATIONS,
  type Operation,
  RESULT_METADATA,
  inputPrefix,
  outputPrefix,
  isPhotoLine,
} from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CrashLoopError, type LocalPipeline, startLocalPipeline } from './index.ts';

const samples = [
  'bythewater.jpg',
  'colorfulcups.jpg',
  'fallenleaf.jpg',
  'kite.jpg',
  'path.jpg',
].map((f) => readFileSync(join(SAMPLE_PHOTOS_DIR, f)));
const sample = (n: number): Buffer => samples[n % samples.length] as Buffer;

let pipeline: LocalPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

async function assertResult(
  p: LocalPipeline,
  op: Operation,
  relativeKey: string,
  original: Buffer,
): Promise<void> {
  const data = await p.getObject(`${outputPrefix(op)}${relativeKey}`);
  const meta = await sharp(data).metadata();
  if (op === 'grayscale') {
    expect(meta.channels, relativeKey).toBe(1);
  } else if (op === 'thumbnail') {
    expect(Math.max(meta.width ?? 0, meta.height ?? 0), relativeKey).toBe(256);
  } else {
    const { width = 0, height = 0 } = await sharp(original).metadata();
    const corner = { width: 150, height: 40, left: width - 180, top: height - 70 };
    expect(await regionDifference(original, data, corner), relativeKey).toBeGreaterThan(10);
    expect(
      await regionDifference(original, data, { ...corner, left: 0, top: 0 }),
      relativeKey,
    ).toBeLessThan(4);
  }
  const head = await p.aws.s3.send(
    new HeadObjectCommand({ Bucket: p.topology.bucket, Key: `${outputPrefix(op)}${relativeKey}` }),
  );
  expect(decodeURIComponent(head.Metadata?.[RESULT_METADATA.sourceKey] ?? '')).toBe(
    `${inputPrefix(op)}${relativeKey}`,
  );
}

describe('local pipeline end to end', () => {
  it('turns every photo into exactly its outputs, whatever the key, and keeps the originals', async () => {
    pipeline = await startLocalPipeline({
      operations: OPERATIONS,
      workersPerOperation: 1,
      concurrency: 1,
    });
    const keys = [
      'kite.jpg',
      'with space/photo 1.jpg',
      'plus+sign.jpg',
      'percent%41.jpg',
      'ünïcødé/été.jpg',
      'nested/a/b/c/deep.jpg',
    ];
    for (const op of OPERATIONS)
      for (const [n, key] of keys.entries()) await pipeline.upload(op, key, sample(n));
    await pipeline.waitForDrain(
      { grayscale: keys.length, watermark: keys.length, thumbnail: keys.length },
      { timeoutMs: 90_000 },
    );
    for (const op of OPERATIONS) {
      expect((await pipeline.outputs(op)).sort()).toEqual([...keys].sort());
      expect(await pipeline.readDeadLetters(op)).toEqual([]);
      for (const [n, key] of keys.entries()) {
        await assertResult(pipeline, op, key, sample(n));
        expect((await pipeline.getObject(`${inputPrefix(op)}${key}`)).equals(sample(n))).toBe(true);
      }
    }
  });

  it('dead-letters each poison input with its reason while the good photos of the run succeed', async () => {
    pipeline = await startLocalPipeline({
      operations: OPERATIONS,
      workersPerOperation: 1,
      concurrency: 2,
      workerEnv: { DARKROOM_LIMIT_INPUT_PIXELS: '1000000' },
    });
    const small = await sharp(sample(0)).resize(800, 500).jpeg().toBuffer();
    const poison: Record<string, [Buffer, string]> = {
      'truncated.jpg': [small.subarray(0, small.byteLength / 2), 'CorruptImage'],
      'notes.jpg': [Buffer.from('this is a text file, not a photo\n'), 'UnsupportedFormat'],
      'empty.jpg': [Buffer.alloc(0), 'CorruptImage'],
      'bomb.png': [pngHeaderBomb(), 'ImageTooLarge'],
      'too-big.jpg': [sample(1), 'ImageTooLarge'],
    };
    const good = ['good-1.jpg', 'good-2.jpg', 'good-3.jpg'];
    for (const op of OPERATIONS) {
      for (const [key, [body]] of Object.entries(poison)) await pipeline.upload(op, key, body);
      for (const key of good) await pipeline.upload(op, key, small);
    }
    const total = Object.keys(poison).length + good.length;
    await pipeline.waitForDrain(
      { grayscale: total, watermark: total, thumbnail: total },
      { timeoutMs: 90_000 },
    );
    for (const op of OPERATIONS) {
      expect((await pipeline.outputs(op)).sort()).toEqual(good);
      const dead = await pipeline.readDeadLetters(op);
      expect(
        Object.fromEntries(dead.map((d) => [d.key.slice(inputPrefix(op).length), d.code])),
      ).toEqual(Object.fromEntries(Object.entries(poison).map(([k, [, code]]) => [k, code])));
      for (const d of dead) expect(d.reason.length).toBeGreaterThan(20);
    }
    for (const worker of pipeline.workers) expect(worker.child.exitCode, worker.name).toBeNull();
  });

  it('loses nothing when every worker is SIGTERMed mid-burst and restarted', async () => {
    const ops: Operation[] = ['grayscale', 'thumbnail'];
    pipeline = await startLocalPipeline({
      operations: ops,
      workersPerOperation: 1,
      concurrency: 1,
      shutdownGraceSeconds: 5,
      // A long poll cut by the exit can still be answered with a message: it returns after this.
      visibilityTimeoutSeconds: 5,
    });
    const keys = Array.from({ length: 20 }, (_, n) => `burst/${n}.jpg`);
    const p = pipeline;
    // Uploads go on while the workers are signalled, so the burst is really in progress then
    // (uploading everything first let the workers finish before the signal on a busy machine).
    const uploading = (async () => {
      for (const op of ops)
        for (const [n, key] of keys.entries()) await p.upload(op, key, sample(n));
    })();
    await new Promise<void>((resolve) => {
      const check = setInterval(async () => {
        if ((await p.outputs('grayscale')).length >= 2) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    const first = [...pipeline.workers];
    const signalledAt = Date.now();
    for (const w of first) w.child.kill('SIGTERM');
    const exits = await Promise.all(first.map((w) => w.exited));
    for (const exit of exits) {
      expect(exit.code).toBe(0);
      expect(exit.at - signalledAt).toBeLessThan(5_000 + 2_000);
    }
    const doneBefore = (await pipeline.outputs('grayscale')).length;
    expect(doneBefore).toBeLessThan(keys.length);
    await uploading;
    for (const op of ops) pipeline.addWorker(op);
    await pipeline.waitForDrain(
      { grayscale: keys.length, thumbnail: keys.length },
      { timeoutMs: 90_000 },
    );
    for (const op of ops) {
      expect((await pipeline.outputs(op)).sort()).toEqual([...keys].sort());
      expect(await pipeline.readDeadLetters(op)).toEqual([]);
      for (const [n, key] of keys.entries()) await assertResult(pipeline, op, key, sample(n));
    }
  });

  it('after kill -9 of a worker, its in-flight photos come back after the visibility timeout and others finish them', async () => {
    pipeline = await startLocalPipeline({
      operations: ['grayscale'],
      workersPerOperation: 2,
      concurrency: 1,
      visibilityTimeoutSeconds: 3,
    });
    const keys = Array.from({ length: 24 }, (_, n) => `k9/${n}.jpg`);
    for (const [n, key] of keys.entries()) await pipeline.upload('grayscale', key, sample(n));
    const victim = pipeline.workers[0];
    if (!victim) throw new Error('no worker');
    const p = pipeline;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (victim.lines.filter((l) => isPhotoLine(l)).length >= 1) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect((await p.counts('grayscale')).inFlight).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    await pipeline.waitForDrain({ grayscale: keys.length }, { timeoutMs: 90_000 });
    expect((await pipeline.outputs('grayscale')).sort()).toEqual([...keys].sort());
    expect(await pipeline.readDeadLetters('grayscale')).toEqual([]);
    const survivor = pipeline.workers[1];
    expect(
      survivor?.lines.filter((l) => isPhotoLine(l) && l.receiveCount > 1).length,
    ).toBeGreaterThan(0);
  });

  it('a duplicate delivery of the same event gives one correct output and no error', async () => {
    pipeline = await startLocalPipeline({
      operations: ['thumbnail'],
      workersPerOperation: 1,
      concurrency: 1,
    });
    await pipeline.upload('thumbnail', 'twice.jpg', sample(3));
    await pipeline.waitForDrain({ thumbnail: 1 });
    const head = await pipeline.aws.s3.send(
      new HeadObjectCommand({ Bucket: pipeline.topology.bucket, Key: 'input/thumbnail/twice.jpg' }),
    );
    // The same event again: the sequencer S3 gave the upload, which its result records.
    const result = await pipeline.aws.s3.send(
      new HeadObjectCommand({
        Bucket: pipeline.topology.bucket,
        Key: 'output/thumbnail/twice.jpg',
      }),
    );
    const sequencer = result.Metadata?.[RESULT_METADATA.sourceSequencer] ?? '';
    expect(sequencer).not.toBe('');
    const body = objectEventBody({
      region: 'us-east-1',
      eventName: 'ObjectCreated:Put',
      configurationId: 'darkroom-thumbnail',
      bucket: pipeline.topology.bucket,
      key: 'input/thumbnail/twice.jpg',
      size: head.ContentLength ?? 0,
      eTag: head.ETag ?? '',
      sequencer,
      requestId: 'DUP',
      sourceIp: '127.0.0.1',
    });
    await pipeline.aws.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.topology.queues.thumbnail.queueUrl,
        MessageBody: body,
      }),
    );
    const worker = pipeline.workers[0];
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (worker?.lines.some((l) => isPhotoLine(l) && l.outcome === 'duplicate')) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    await pipeline.waitForDrain({ thumbnail: 1 });
    expect(await pipeline.outputs('thumbnail')).toEqual(['twice.jpg']);
    expect(await pipeline.readDeadLetters('thumbnail')).toEqual([]);
    await assertResult(pipeline, 'thumbnail', 'twice.jpg', sample(3));
    expect(worker?.lines.filter((l) => isPhotoLine(l) && l.outcome === 'dead_lettered')).toEqual(
      [],
    );
  });

  it('a reverted overwrite ends with the result of the reverted bytes (S, then a slow L, then S again 100 ms later, two workers)', async () => {
    pipeline = await startLocalPipeline({
      operations: ['watermark'],
      workersPerOperation: 2,
      concurrency: 1,
    });
    // L takes one worker a while (24 MP); S, small, is done by the other before L's job ends.
    const small = sample(3);
    const large = await sharp(sample(4)).resize(6000, 4000, { fit: 'fill' }).jpeg().toBuffer();
    const keys = ['revert-0.jpg', 'revert-1.jpg'];
    for (const key of keys) await pipeline.upload('watermark', key, small);
    await pipeline.waitForDrain({ watermark: keys.length });
    const expected = await pipeline.getObject(`${outputPrefix('watermark')}${keys[0]}`);
    for (const key of keys) {
      await pipeline.upload('watermark', key, large);
      await new Promise((r) => setTimeout(r, 100));
      await pipeline.upload('watermark', key, small);
      await pipeline.waitForDrain({ watermark: keys.length }); // every queue empty, nothing in flight
      const stored = await pipeline.getObject(`${outputPrefix('watermark')}${key}`);
      expect(stored.equals(expected), `${key}: the stored result is not the reverted bytes'`).toBe(
        true,
      );
    }
  });

  it('a result never outlives its source: deleting the photo removes its result; replacing it with a non-photo too, with the reason in the DLQ', async () => {
    pipeline = await startLocalPipeline({
      operations: ['thumbnail'],
      workersPerOperation: 1,
      concurrency: 1,
    });
    await pipeline.upload('thumbnail', 'deleted.jpg', sample(3));
    await pipeline.upload('thumbnail', 'replaced.jpg', sample(3));
    await pipeline.waitForDrain({ thumbnail: 2 });
    expect(await pipeline.outputs('thumbnail')).toEqual(['deleted.jpg', 'replaced.jpg']);
    await pipeline.aws.s3.send(
      new DeleteObjectCommand({
        Bucket: pipeline.topology.bucket,
        Key: 'input/thumbnail/deleted.jpg',
      }),
    );
    await pipeline.upload(
      'thumbnail',
      'replaced.jpg',
      Buffer.from('not a photo any more\n'.repeat(100)),
    );
    const deadline = Date.now() + 30_000;
    while ((await pipeline.outputs('thumbnail')).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await pipeline.waitForDrain({ thumbnail: 0 });
    expect(await pipeline.outputs('thumbnail')).toEqual([]);
    const letters = await pipeline.readDeadLetters('thumbnail');
    expect(letters.map((l) => [l.key, l.code])).toEqual([
      ['input/thumbnail/replaced.jpg', 'UnsupportedFormat'],
    ]);
  });

  it('keeps keys with . and .. segments as they are: each gets its own result', async () => {
    pipeline = await startLocalPipeline({
      operations: ['thumbnail'],
      workersPerOperation: 1,
      concurrency: 1,
    });
    const keys = ['a/../b.jpg', './c.jpg', 'b.jpg'];
    for (const [n, key] of keys.entries()) await pipeline.upload('thumbnail', key, sample(n));
    await pipeline.waitForDrain({ thumbnail: keys.length }, { timeoutMs: 60_000 });
    expect((await pipeline.outputs('thumbnail')).sort()).toEqual([...keys].sort());
    expect(await pipeline.readDeadLetters('thumbnail')).toEqual([]);
    for (const [n, key] of keys.entries())
      await assertResult(pipeline, 'thumbnail', key, sample(n));
  });

  it('processes a real photo over 11 MiB end to end (multipart upload, large result)', async () => {
    const { width = 0 } = await sharp(sample(1)).metadata();
    // A real photo at 4× (25 MP, a 24 MP camera's size) with film grain, so it compresses like one.
    const grain = await sharp({
      create: {
        width: 509,
        height: 509,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 24 },
      },
    })
      .png()
      .toBuffer();
    const big = await sharp(sample(1))
      .resize(width * 4)
      .composite([{ input: grain, tile: true, blend: 'overlay' }])
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(big.byteLength).toBeGreaterThan(11 * 1024 * 1024);
    pipeline = await startLocalPipeline({
      operations: ['grayscale', 'watermark'],
      workersPerOperation: 1,
      concurrency: 1,
    });
    for (const op of ['grayscale', 'watermark'] as const)
      await pipeline.upload(op, 'camera/big.jpg', big);
    await pipeline.waitForDrain({ grayscale: 1, watermark: 1 }, { timeoutMs: 110_000 });
    const source = await sharp(big).metadata();
    const original = await pipeline.aws.s3.send(
      new HeadObjectCommand({
        Bucket: pipeline.topology.bucket,
        Key: 'input/grayscale/camera/big.jpg',
      }),
    );
    expect(original.ETag, 'uploaded in parts').toMatch(/-2"$/);
    for (const op of ['grayscale', 'watermark'] as const) {
      expect(await pipeline.readDeadLetters(op)).toEqual([]);
      expect((await pipeline.getObject(`${inputPrefix(op)}camera/big.jpg`)).equals(big)).toBe(true);
      const result = await sharp(
        await pipeline.getObject(`${outputPrefix(op)}camera/big.jpg`),
      ).metadata();
      expect([result.width, result.height]).toEqual([source.width, source.height]);
      expect(result.channels).toBe(op === 'grayscale' ? 1 : 3);
    }
  });

  it('restarts a worker killed with kill -9, reports why, and the run finishes with every photo', async () => {
    pipeline = await startLocalPipeline({
      operations: ['grayscale'],
      workersPerOperation: 1,
      concurrency: 1,
      visibilityTimeoutSeconds: 3,
      restartPolicy: {
        initialBackoffMs: 200,
        maxBackoffMs: 1_000,
        maxRestarts: 3,
        resetAfterMs: 60_000,
      },
    });
    const victim = pipeline.workers[0];
    if (!victim?.child.pid) throw new Error('no worker');
    // Workers run with the image's malloc setting, so local memory figures match pods.
    expect(readFileSync(`/proc/${victim.child.pid}/environ`, 'utf8').split('\0')).toContain(
      'MALLOC_ARENA_MAX=2',
    );
    const keys = Array.from({ length: 8 }, (_, n) => `restart/${n}.jpg`);
    for (const [n, key] of keys.entries()) await pipeline.upload('grayscale', key, sample(n));
    await until(() => victim.lines.some((l) => l.msg === 'photo'));
    victim.child.kill('SIGKILL');
    await pipeline.waitForDrain({ grayscale: keys.length }, { timeoutMs: 90_000 });
    expect((await pipeline.outputs('grayscale')).sort()).toEqual([...keys].sort());
    expect(await pipeline.readDeadLetters('grayscale')).toEqual([]);
    const [slot] = pipeline.slots();
    expect(slot?.restarts).toBe(1);
    expect(slot?.lastExit?.signal).toBe('SIGKILL');
    expect(slot?.current).not.toBe(victim);
  });

  it('stops waiting with a message naming a worker that keeps dying and its last log lines', async () => {
    pipeline = await startLocalPipeline({
      operations: ['thumbnail'],
      workersPerOperation: 1,
      concurrency: 1,
      restartPolicy: {
        initialBackoffMs: 100,
        maxBackoffMs: 200,
        maxRestarts: 2,
        resetAfterMs: 60_000,
      },
    });
    const p = pipeline;
    const killer = setInterval(() => {
      for (const w of p.workers)
        if (w.lines.some((l) => l.msg === 'worker ready') && w.child.exitCode === null)
          w.child.kill('SIGKILL');
    }, 50);
    const failure = await p
      .waitForDrain({ thumbnail: 1 }, { timeoutMs: 60_000 })
      .catch((error: unknown) => error)
      .finally(() => clearInterval(killer));
    expect(failure).toBeInstanceOf(CrashLoopError);
    const message = (failure as Error).message;
    expect(message).toContain(
      'worker thumbnail-1 keeps dying (killed by SIGKILL after 2 restart(s))',
    );
    expect(message).toContain('worker ready');
    expect(p.workers).toHaveLength(3);
  });
});

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
