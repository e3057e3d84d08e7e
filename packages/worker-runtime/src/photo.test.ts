/**
 * The S3 protocol of one photo, against AWS's documented answers (aws-sdk-client-mock): a stale
 * event is skipped, a result is written only on the condition read before the work, and a lost
 * race re-reads before deciding. The real-emulator paths are in worker.test.ts.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { ImageResult } from '@darkroom/image-ops';
import { resolveOptions } from '@darkroom/image-ops';
import { RESULT_METADATA } from '@darkroom/pipeline-spec';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createGate } from './gate.ts';
import { createSourceBufferPool } from './source-buffers.ts';
import { PermanentMessageError } from './errors.ts';
import { type PhotoContext, processPhoto } from './photo.ts';
import { plannedEtag } from './result-store.ts';
import { parseS3EventMessage, type S3ObjectEvent } from './s3-event.ts';
import { s3EventBody } from '@darkroom/local-aws/testing';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const awsError = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });

let runs = 0;
const result: ImageResult = {
  data: Buffer.from('result'),
  info: { format: 'jpeg', width: 1, height: 1, size: 6, channels: 3 },
  contentType: 'image/jpeg',
};
const options = resolveOptions('grayscale', {});
const ctx: PhotoContext<'grayscale'> = {
  s3: new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  }),
  bucket: 'photos',
  signal: new AbortController().signal,
  operation: 'grayscale',
  options,
  optionsVersion: 'v1',
  run: async () => {
    runs++;
    return result;
  },
  cpuGate: createGate(1, new AbortController().signal),
  sourceGate: createGate(2, new AbortController().signal),
  sourceBuffers: createSourceBufferPool(1024 * 1024),
};

/** A redelivered message: the job reads the stored result before the work. */
const redelivery = { receiveCount: 2 };
const firstDelivery = { receiveCount: 1 };

/** The one photo most cases are about, `input/grayscale/a.jpg`, at `eTag` and `sequencer`. */
const processA = (eTag: string, sequencer: string, delivery: { receiveCount: number }) =>
  processPhoto(ctx, event('input/grayscale/a.jpg', eTag, sequencer), delivery);

function event(key: string, eTag: string, sequencer: string, size = 1): S3ObjectEvent {
  const parsed = parseS3EventMessage(s3EventBody('photos', [{ key, size, eTag, sequencer }]));
  if (parsed.kind !== 'records' || !parsed.records[0]) throw new Error('no record');
  return parsed.records[0];
}

const source = () => ({
  Body: sdkStreamMixin(Readable.from([Buffer.from('jpeg bytes')])),
  ContentLength: 10,
});
const stored = (sourceEtag: string, sequencer: string, etag = '"r1"') => ({
  ETag: etag,
  Metadata: {
    [RESULT_METADATA.sourceEtag]: sourceEtag,
    [RESULT_METADATA.sourceSequencer]: sequencer,
    [RESULT_METADATA.optionsVersion]: 'v1',
  },
});

describe('one photo against S3 (stale events and overwrite races)', () => {
  it('a new photo costs one GET (If-Match the event ETag) and one PUT (If-None-Match *), no HEAD', async () => {
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).resolves({});
    const photo = await processA('e1', '0A', firstDelivery);
    expect(photo.outcome).toBe('processed');
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.IfMatch).toBe('"e1"');
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Key: 'output/grayscale/a.jpg', IfNoneMatch: '*' });
    expect(put?.IfMatch).toBeUndefined();
    expect(put?.Metadata?.[RESULT_METADATA.sourceSequencer]).toBe('0A');
  });

  it('first receive of a repeated notification: the conditional PUT fails, the result is read then, and it is left alone (duplicate)', async () => {
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A'));
    const photo = await processA('e1', '0A', firstDelivery);
    expect(photo.outcome).toBe('duplicate');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it('an identical re-upload (an edit reverted) rewrites the result If-Match, recording its newer sequencer, so the version in between cannot win', async () => {
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).rejectsOnce(awsError('PreconditionFailed', 412)).resolves({});
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', '"r1"'));
    const photo = await processA('e1', '0C', firstDelivery);
    expect(photo.outcome).toBe('processed');
    const rewrite = s3.commandCalls(PutObjectCommand)[1]?.args[0].input;
    expect(rewrite?.IfMatch).toBe('"r1"');
    expect(rewrite?.Metadata?.[RESULT_METADATA.sourceSequencer]).toBe('0C');
    // The late job of the version in between (0B) then finds 0C stored: superseded, not written.
    s3.reset();
    s3.on(HeadObjectCommand).resolves(stored('e1', '0C', '"r3"'));
    const late = await processPhoto(ctx, event('input/grayscale/a.jpg', 'e2', '0B'), redelivery);
    expect(late.outcome).toBe('superseded');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('first receive of a new version: the older result already there is replaced only If-Match its ETag', async () => {
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).rejectsOnce(awsError('PreconditionFailed', 412)).resolves({});
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', '"r1"'));
    const photo = await processA('e2', '0B', firstDelivery);
    expect(photo.outcome).toBe('processed');
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.IfNoneMatch, p.IfMatch])).toEqual([
      ['*', undefined],
      [undefined, '"r1"'],
    ]);
  });

  it('a redelivered message reads the result first: a photo whose result was stored before a crash is not processed again', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A'));
    runs = 0;
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('duplicate');
    expect(runs).toBe(0);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('a source overwritten since the event (GET 412) is skipped as superseded: its newer event brings it', async () => {
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    s3.on(GetObjectCommand).rejects(awsError('PreconditionFailed', 412));
    runs = 0;
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('superseded');
    expect(runs).toBe(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a source deleted since its event (GET 404) is superseded by its delete: no retry, nothing for the DLQ alarm', async () => {
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));
    runs = 0;
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('superseded');
    expect(runs).toBe(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a result of a newer source version already there means superseded, without reading the source', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e2', '0B'));
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('superseded');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('the slow older job loses the race: its conditional PUT fails (412) and it never overwrites the newer result', async () => {
    s3.on(HeadObjectCommand)
      .rejectsOnce(awsError('NotFound', 404))
      .resolves(stored('e2', '0B', '"r2"'));
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('superseded');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('a newer job replaces an older result only if it is still that result (If-Match its ETag)', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', '"r1"'));
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).resolves({});
    const photo = await processA('e2', '0B', redelivery);
    expect(photo.outcome).toBe('processed');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ IfMatch: '"r1"' });
  });

  it('a concurrent conditional write (409 ConditionalRequestConflict) is re-read and written again', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', '"r1"'));
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).rejectsOnce(awsError('ConditionalRequestConflict', 409)).resolves({});
    const photo = await processA('e2', '0B', redelivery);
    expect(photo.outcome).toBe('processed');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('compares sequencers of different lengths as S3 documents (left-padded hex)', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', 'FF'));
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).resolves({});
    expect((await processA('e2', '0100', redelivery)).outcome).toBe('processed');
  });

  it('a receive of many photos holds at most concurrency + 1 sources in memory (one download ahead)', async () => {
    let held = 0;
    let peak = 0;
    s3.on(GetObjectCommand).callsFake(() => {
      held++;
      peak = Math.max(peak, held);
      return source();
    });
    s3.on(PutObjectCommand).resolves({});
    const slow: PhotoContext<'grayscale'> = {
      ...ctx,
      run: async () => {
        await new Promise((r) => setTimeout(r, 5));
        held--;
        return result;
      },
    };
    const photos = Array.from({ length: 8 }, (_, i) =>
      processPhoto(slow, event(`input/grayscale/${i}.jpg`, 'e1', '0A'), firstDelivery),
    );
    expect((await Promise.all(photos)).map((p) => p.outcome)).toEqual(Array(8).fill('processed'));
    expect(peak).toBe(2);
  });

  it('a "folder" object is skipped without any S3 call', async () => {
    for (const key of ['input/grayscale/', 'input/grayscale/2026/'])
      expect(
        (
          await processPhoto(
            ctx,
            event(key, 'd41d8cd98f00b204e9800998ecf8427e', '0A', 0),
            redelivery,
          )
        ).outcome,
      ).toBe('skipped');
    expect(s3.calls()).toHaveLength(0);
  });

  it('a file stored under a key ending in "/" is processed, not skipped as a folder (its result would silently never exist)', async () => {
    s3.on(GetObjectCommand).resolves(source());
    s3.on(PutObjectCommand).resolves({});
    const photo = await processPhoto(
      ctx,
      event('input/grayscale/2026/', 'e1', '0A', 10),
      firstDelivery,
    );
    expect(photo.outcome).toBe('processed');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key).toBe('output/grayscale/2026/');
  });

  it("an input key whose result key would pass S3's 1,024 bytes fails permanently at once, saying the limit", async () => {
    const key = `input/grayscale/${'é'.repeat(504)}.jpg`; // 1,028 bytes … result 1,029
    const error = await processPhoto(ctx, event(key, 'e1', '0A'), redelivery).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentMessageError);
    expect(error).toMatchObject({ code: 'OutputKeyTooLong' });
    expect(String((error as Error).message)).toMatch(
      /1029 bytes, above S3's 1024; keep keys under input\/grayscale\/ to 1023 bytes/,
    );
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('a result leaves with its source', () => {
  const removedEvent = (sequencer: string): S3ObjectEvent => {
    const body = JSON.stringify({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectRemoved:Delete',
          s3: { bucket: { name: 'photos' }, object: { key: 'input/grayscale/a.jpg', sequencer } },
        },
      ],
    });
    const parsed = parseS3EventMessage(body);
    if (parsed.kind !== 'records' || !parsed.records[0]) throw new Error('no record');
    return parsed.records[0];
  };

  it('a deleted source takes its result with it', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A'));
    s3.on(DeleteObjectCommand).resolves({});
    const photo = await processPhoto(ctx, removedEvent('0B'), firstDelivery);
    expect(photo.outcome).toBe('removed');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(
      'output/grayscale/a.jpg',
    );
  });

  it("deletes the result only if it is still the version it read (If-Match): a re-upload's result written in between is kept", async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', '"r1"'));
    s3.on(DeleteObjectCommand).rejects(awsError('PreconditionFailed', 412));
    const photo = await processPhoto(ctx, removedEvent('0B'), firstDelivery);
    expect(photo.outcome).toBe('superseded');
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.IfMatch).toBe('"r1"');
  });

  it('a delete older than the stored result (the photo was uploaded again since) removes nothing', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e2', '0C'));
    const photo = await processPhoto(ctx, removedEvent('0B'), firstDelivery);
    expect(photo.outcome).toBe('superseded');
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('a newer version that is no photo removes the older result, then dead-letters with its reason', async () => {
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A'));
    s3.on(GetObjectCommand).resolves({
      Body: sdkStreamMixin(Readable.from([Buffer.alloc(4096, 'text, not a photo ')])),
      ContentLength: 4096,
    });
    s3.on(DeleteObjectCommand).resolves({});
    await expect(processA('e2', '0B', firstDelivery)).rejects.toMatchObject({
      code: 'UnsupportedFormat',
    });
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(1);
  });
});

describe('a rewrite of byte-identical results', () => {
  it('gets another ETag (a one-part multipart upload), so a slower job holding the old one as If-Match cannot overwrite it', async () => {
    const sameBytes = `"${plannedEtag(result.data, false)}"`;
    s3.on(HeadObjectCommand).resolves(stored('e1', '0A', sameBytes));
    s3.on(GetObjectCommand).resolves(source());
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p1"' });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    const photo = await processA('e1', '0C', redelivery); // S again, after L (0B)
    expect(photo.outcome).toBe('processed');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    const complete = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(complete?.IfMatch).toBe(sameBytes);
    const created = s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input;
    expect(created?.Metadata?.[RESULT_METADATA.sourceSequencer]).toBe('0C');
    expect(plannedEtag(result.data, true)).not.toBe(plannedEtag(result.data, false));
  });
});

describe('a source that is no photo', () => {
  it('is refused after its first bytes, without downloading the rest (a 200 MB text file)', async () => {
    let chunksRead = 0;
    async function* hugeText() {
      for (let i = 0; i < 3200; i++) {
        chunksRead++;
        yield Buffer.alloc(64 * 1024, 'not a photo, just text. ');
      }
    }
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    s3.on(GetObjectCommand).resolves({
      Body: sdkStreamMixin(Readable.from(hugeText())),
      ContentLength: 3200 * 64 * 1024,
    });
    runs = 0;
    const sized = { ...ctx, options: { ...ctx.options, maxInputBytes: 300 * 1024 * 1024 } };
    const processing = processPhoto(sized, event('input/grayscale/a.jpg', 'e1', '0A'), redelivery);
    await expect(processing).rejects.toMatchObject({
      code: 'UnsupportedFormat',
      retryable: false,
    });
    expect(chunksRead).toBeLessThan(4);
    expect(runs).toBe(0);
  });

  it('a real photo is read whole and processed as before', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(10_000, 1)]);
    s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    s3.on(GetObjectCommand).resolves({
      Body: sdkStreamMixin(Readable.from([jpeg.subarray(0, 3000), jpeg.subarray(3000)])),
      ContentLength: jpeg.byteLength,
    });
    s3.on(PutObjectCommand).resolves({});
    runs = 0;
    const photo = await processA('e1', '0A', redelivery);
    expect(photo.outcome).toBe('processed');
    expect(runs).toBe(1);
  });
});
