/**
 * The operator's loop against the real local pipeline (emulator + the three built workers):
 * upload → status --watch sees the drain → results downloads exactly the outputs → a poison
 * photo shows in `failed` with its reason → after replacing it, `redrive` produces its output,
 * with no duplicate and nothing left in the DLQ.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { LOCAL_CREDENTIALS } from '@darkroom/local-aws';
import { type LocalPipeline, startLocalPipeline } from '@darkroom/local-pipeline';
import { OPERATIONS, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailedResult } from './failed.ts';
import type { OperationRedrive } from './redrive.ts';
import type { ResultsResult } from './results.ts';
import type { StatusResult } from './status.ts';
import { cli, lastJson, writeTarget } from './testing.ts';
import type { UploadResult } from './upload.ts';

const GOOD = ['kite.jpg', 'with space/bythewater 1.jpg', 'plus+sign/été ünï.jpg'];
const POISON = 'batch-1/not a photo.jpg';

let pipeline: LocalPipeline;
let target: string[];
let work: string;
const photoLines: { key: string; outcome: string }[] = [];

beforeAll(async () => {
  pipeline = await startLocalPipeline({
    operations: OPERATIONS,
    workersPerOperation: 1,
    concurrency: 1,
    onWorkerLine: (_w, line) => {
      if (line.msg === 'photo' && line.key)
        photoLines.push({ key: String(line.key), outcome: String(line.outcome) });
    },
  });
  work = mkdtempSync(join(tmpdir(), 'darkroom-cli-e2e-'));
  target = [
    '--local',
    '--outputs',
    writeTarget(work, pipeline.aws.endpoint, pipeline.topology, LOCAL_CREDENTIALS),
  ];
  const photos = join(work, 'photos');
  const samples = readdirSync(SAMPLE_PHOTOS_DIR).sort();
  GOOD.forEach((key, i) => {
    mkdirSync(join(photos, key, '..'), { recursive: true });
    copyFileSync(join(SAMPLE_PHOTOS_DIR, samples[i] ?? ''), join(photos, key));
  });
  mkdirSync(join(work, 'poison', 'x'), { recursive: true });
  writeFileSync(join(work, 'poison', 'not a photo.jpg'), 'this is text, not a JPEG\n');
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
});

async function keysUnder(prefix: string): Promise<string[]> {
  const { Contents = [] } = await pipeline.aws.s3.send(
    new ListObjectsV2Command({ Bucket: pipeline.topology.bucket, Prefix: prefix }),
  );
  return Contents.map((o) => o.Key ?? '').sort();
}

describe('darkroom CLI against the local pipeline', () => {
  it('runs the whole operator loop: upload, watch the drain, results, failed, redrive', async () => {
    const up = await cli([...target, '--json', 'upload', join(work, 'photos'), '--op', 'all']);
    expect(up.code, up.stderr).toBe(0);
    expect(lastJson<UploadResult>(up)).toMatchObject({
      files: 9,
      uploaded: 9,
      skipped: 0,
      failed: [],
    });
    expect(await keysUnder(inputPrefix('watermark'))).toEqual(
      GOOD.map((k) => inputPrefix('watermark') + k).sort(),
    );

    const poison = await cli([
      ...target,
      'upload',
      join(work, 'poison'),
      '--op',
      'thumbnail',
      '--prefix',
      'batch-1',
    ]);
    expect(poison.code, poison.stderr).toBe(0);
    expect(poison.stdout).toMatch(/1 uploaded, 0 already there/);

    // Drained with one dead letter: exit 2 tells a script something needs a look.
    const watch = await cli([
      ...target,
      '--json',
      'status',
      '--watch',
      '--interval',
      '1',
      '--timeout',
      '120',
    ]);
    expect(watch.code, watch.stdout + watch.stderr).toBe(2);
    const drained = lastJson<StatusResult>(watch);
    expect(drained.drained).toBe(true);
    expect(drained.drainSeconds).toBeGreaterThanOrEqual(0);
    expect(
      Object.fromEntries(drained.operations.map((o) => [o.operation, o.deadLettered])),
    ).toEqual({
      grayscale: 0,
      watermark: 0,
      thumbnail: 1,
    });

    const out = join(work, 'results');
    const res = await cli([...target, '--json', 'results', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const expectedOutputs = OPERATIONS.flatMap((op) =>
      GOOD.map((k) => outputPrefix(op) + k),
    ).sort();
    expect(lastJson<ResultsResult>(res).downloaded).toEqual(expectedOutputs);
    for (const key of expectedOutputs)
      expect(
        readFileSync(join(out, ...key.split('/')))
          .subarray(0, 2)
          .toString('hex'),
        key,
      ).toBe('ffd8');
    const again = await cli([...target, '--json', 'results', '--out', out]);
    expect(lastJson<ResultsResult>(again)).toMatchObject({ downloaded: [], skipped: 9 });

    const listed = await cli([...target, '--json', 'failed']);
    expect(listed.code).toBe(2);
    const failed = lastJson<FailedResult>(listed);
    expect(failed.total).toBe(1);
    expect(failed.byCode[0]).toMatchObject({ code: 'UnsupportedFormat', count: 1 });
    expect(failed.byCode[0]?.photos[0]).toMatchObject({
      operation: 'thumbnail',
      key: inputPrefix('thumbnail') + POISON,
    });
    expect(failed.byCode[0]?.photos[0]?.reason).toMatch(/\w/);

    // Listing, a dry run and a non-matching reason leave the DLQ as it was.
    const dry = await cli([...target, '--json', 'redrive', '--dry-run']);
    expect(
      lastJson<{ operations: OperationRedrive[] }>(dry).operations.find(
        (o) => o.operation === 'thumbnail',
      )?.moved,
    ).toEqual([inputPrefix('thumbnail') + POISON]);
    const other = await cli([
      ...target,
      '--json',
      'redrive',
      '--op',
      'thumbnail',
      '--reason',
      'CorruptImage',
    ]);
    expect(lastJson<{ operations: OperationRedrive[] }>(other).operations[0]?.moved).toEqual([]);
    expect(lastJson<FailedResult>(await cli([...target, '--json', 'failed'])).total).toBe(1);

    // Replace the original with a real photo, then redrive: the output appears once, the DLQ empties.
    await pipeline.aws.s3.send(
      new PutObjectCommand({
        Bucket: pipeline.topology.bucket,
        Key: inputPrefix('thumbnail') + POISON,
        Body: readFileSync(join(SAMPLE_PHOTOS_DIR, 'path.jpg')),
      }),
    );
    const handledBefore = photoLines.filter(
      (l) => l.key === inputPrefix('thumbnail') + POISON,
    ).length;
    const moved = await cli([
      ...target,
      '--json',
      'redrive',
      '--op',
      'thumbnail',
      '--reason',
      'UnsupportedFormat',
    ]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(lastJson<{ operations: OperationRedrive[] }>(moved).operations[0]).toMatchObject({
      method: 'copy',
      moved: [inputPrefix('thumbnail') + POISON],
      errors: [],
    });
    const after = await cli([
      ...target,
      '--json',
      'status',
      '--watch',
      '--interval',
      '1',
      '--timeout',
      '120',
    ]);
    expect(after.code, after.stdout).toBe(0);
    expect(lastJson<StatusResult>(after).operations.every((o) => o.deadLettered === 0)).toBe(true);
    expect(await keysUnder(outputPrefix('thumbnail'))).toEqual(
      [...GOOD, POISON].map((k) => outputPrefix('thumbnail') + k).sort(),
    );
    // Both the replacement's S3 event and the redriven message reached a worker.
    expect(
      photoLines.filter((l) => l.key === inputPrefix('thumbnail') + POISON).length,
    ).toBeGreaterThan(handledBefore);
    expect((await cli([...target, 'failed'])).stdout).toBe('no dead-lettered photos\n');
  });
});
