/** Uploading files (what `darkroom upload` and `npm start` both run) to the real local S3. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type LocalAws, startLocalAws } from '@darkroom/local-aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UploadItem, uploadFiles } from './upload-files.ts';

let aws: LocalAws;
const dir = mkdtempSync(join(tmpdir(), 'darkroom-upload-files-'));
beforeAll(async () => {
  aws = await startLocalAws();
  await aws.s3.send(new CreateBucketCommand({ Bucket: 'up' }));
});
afterAll(async () => aws.close());

function file(name: string, bytes: number): UploadItem {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(bytes, name));
  return { path, size: bytes, key: `input/thumbnail/${name}` };
}

const options = { concurrency: 3, partSize: 5 * 1024 * 1024, resumeUnder: ['input/thumbnail/'] };

describe('uploading files', () => {
  it('resumes: a second run sends nothing already there with the same bytes (single and multipart) and its rate counts only what it sent', async () => {
    const items = [file('a.jpg', 1_000), file('b.jpg', 2_000), file('big.jpg', 6 * 1024 * 1024)];
    const first = await uploadFiles(aws, 'up', items, options);
    expect(first).toMatchObject({ files: 3, uploaded: 3, skipped: 0, failed: [] });
    writeFileSync(join(dir, 'b.jpg'), Buffer.alloc(2_000, 'changed')); // same size, new bytes
    const seen: string[] = [];
    const second = await uploadFiles(aws, 'up', items, {
      ...options,
      onEach: (item, outcome) => seen.push(`${item.key} ${outcome}`),
    });
    expect(second).toMatchObject({ uploaded: 1, skipped: 2, bytes: 2_000 });
    expect(seen.sort()).toEqual([
      'input/thumbnail/a.jpg skipped',
      'input/thumbnail/b.jpg uploaded',
      'input/thumbnail/big.jpg skipped',
    ]);
    // Skipped files are not photos sent: the rate is one file over the run's time.
    expect(second.photosPerSecond).toBeCloseTo(1 / Math.max(second.seconds, 0.001), 5);
  });

  it('one file that cannot be read is reported and the others are still sent', async () => {
    const good = file('good.jpg', 10);
    const gone: UploadItem = {
      path: join(dir, 'gone.jpg'),
      size: 10,
      key: 'input/thumbnail/gone.jpg',
    };
    const report = await uploadFiles(aws, 'up', [gone, good], { ...options, resumeUnder: [] });
    expect(report.uploaded).toBe(1);
    expect(report.failed.map((f) => f.key)).toEqual(['input/thumbnail/gone.jpg']);
    expect(report.photosPerSecond).toBeCloseTo(1 / Math.max(report.seconds, 0.001), 5);
    const { Contents = [] } = await aws.s3.send(
      new ListObjectsV2Command({ Bucket: 'up', Prefix: 'input/thumbnail/good' }),
    );
    expect(Contents.map((o) => o.Key)).toEqual(['input/thumbnail/good.jpg']);
  });
});
