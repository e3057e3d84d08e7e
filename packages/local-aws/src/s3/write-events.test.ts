/** One write per key, conditional reads and writes, sequencers: end to end through the real SDK. */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../testing/emulator-kit.ts';

const { aws, queue, receiveAll, configure } = useEmulator();

// What a worker relies on to keep results in step with the newest version of their source.
describe('ordering: conditional reads and writes, sequencers', () => {
  const status = (error: unknown) =>
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

  it('GetObject with If-Match returns the object for its ETag (quoted or as in events) and 412 for a superseded one', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const v1 = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'k.jpg', Body: 'v1' }),
    );
    const v2 = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'k.jpg', Body: 'v2' }),
    );
    for (const ifMatch of [v2.ETag ?? '', (v2.ETag ?? '').replace(/"/g, ''), '*']) {
      const got = await aws().s3.send(
        new GetObjectCommand({ Bucket: 'photos', Key: 'k.jpg', IfMatch: ifMatch }),
      );
      expect(await got.Body?.transformToString()).toBe('v2');
    }
    const stale = await aws()
      .s3.send(
        new GetObjectCommand({
          Bucket: 'photos',
          Key: 'k.jpg',
          IfMatch: (v1.ETag ?? '').replace(/"/g, ''),
        }),
      )
      .catch((error: unknown) => error);
    expect(stale).toMatchObject({ name: 'PreconditionFailed' });
    expect(status(stale)).toBe(412);
  });

  it('PutObject with If-None-Match: * creates once and answers 412 when the key exists, even under concurrent writers', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, n) =>
        aws().s3.send(
          new PutObjectCommand({
            Bucket: 'photos',
            Key: 'once.jpg',
            Body: `w${n}`,
            IfNoneMatch: '*',
          }),
        ),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost.map(status)).toEqual(Array.from({ length: 11 }, () => 412));
    expect(lost[0]).toMatchObject({ name: 'PreconditionFailed' });
  });

  it('PutObject with If-Match replaces only the version it names: 412 for another ETag, 404 without an object', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const v1 = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'v1' }),
    );
    const v2 = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'v2', IfMatch: v1.ETag }),
    );
    const stale = await aws()
      .s3.send(
        new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'old', IfMatch: v1.ETag }),
      )
      .catch((error: unknown) => error);
    expect(status(stale)).toBe(412);
    const got = await aws().s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'r.jpg' }));
    expect(got.ETag).toBe(v2.ETag);
    expect(await got.Body?.transformToString()).toBe('v2');
    const missing = await aws()
      .s3.send(
        new PutObjectCommand({ Bucket: 'photos', Key: 'none.jpg', Body: 'x', IfMatch: v1.ETag }),
      )
      .catch((error: unknown) => error);
    expect(status(missing)).toBe(404);
  });

  it('CompleteMultipartUpload honours If-None-Match: * like PutObject', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await aws().s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'big.jpg', Body: 'v1' }));
    const { UploadId } = await aws().s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'photos', Key: 'big.jpg' }),
    );
    const { ETag } = await aws().s3.send(
      new UploadPartCommand({
        Bucket: 'photos',
        Key: 'big.jpg',
        UploadId,
        PartNumber: 1,
        Body: 'p',
      }),
    );
    const refused = await aws()
      .s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'photos',
          Key: 'big.jpg',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
        }),
      )
      .catch((error: unknown) => error);
    expect(status(refused)).toBe(412);
    const got = await aws().s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'big.jpg' }));
    expect(await got.Body?.transformToString()).toBe('v1');
  });

  it('events for one key carry increasing sequencers, and the highest names the version that stayed', async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const q = await queue('in');
    await configure('photos', q.arn, 'input/');
    await receiveAll(q.url);
    const bodies = Array.from({ length: 10 }, (_, n) => Buffer.alloc(100 + n, n));
    const puts = await Promise.all(
      bodies.map((Body) =>
        aws().s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'input/same.jpg', Body })),
      ),
    );
    await aws().settled();
    const events: { eTag: string; size: number; sequencer: string }[] = [];
    for (let batch = await receiveAll(q.url); batch.length > 0; batch = await receiveAll(q.url))
      events.push(...batch.map((m) => JSON.parse(m.Body ?? '{}').Records[0].s3.object));
    expect(events).toHaveLength(10);
    // Each event describes the version its own write stored (ETag and size belong together).
    const written = new Map(puts.map((p, n) => [p.ETag?.replace(/"/g, ''), bodies[n]?.length]));
    for (const e of events) expect(written.get(e.eTag)).toBe(e.size);
    expect(new Set(events.map((e) => e.eTag))).toEqual(new Set(written.keys()));
    expect(new Set(events.map((e) => e.sequencer)).size).toBe(10);
    const newest = [...events].sort((a, b) => a.sequencer.localeCompare(b.sequencer)).at(-1);
    const head = await aws().s3.send(
      new GetObjectCommand({ Bucket: 'photos', Key: 'input/same.jpg' }),
    );
    expect(newest?.eTag).toBe(head.ETag?.replace(/"/g, ''));
  });

  it("DeleteObject with If-Match deletes only the version it names (412 for another, as S3's conditional deletes)", async () => {
    await aws().s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    const first = await aws().s3.send(
      new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'one' }),
    );
    await aws().s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'r.jpg', Body: 'two' }));
    const stale = await aws()
      .s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'r.jpg', IfMatch: first.ETag }))
      .catch((e: unknown) => e);
    expect(status(stale)).toBe(412);
    const head = await aws().s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'r.jpg' }));
    expect(await head.Body?.transformToString()).toBe('two');
    await aws().s3.send(
      new DeleteObjectCommand({ Bucket: 'photos', Key: 'r.jpg', IfMatch: head.ETag }),
    );
    const gone = await aws()
      .s3.send(new GetObjectCommand({ Bucket: 'photos', Key: 'r.jpg' }))
      .catch((e: unknown) => e);
    expect(status(gone)).toBe(404);
  });
});
