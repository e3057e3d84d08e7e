/**
 * `upload` against the real emulator (no workers: the S3 events wait in the queues): keys kept
 * verbatim, resumable by size and ETag (single and multipart), clear errors for bad input.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  type CreatedTopology,
  LOCAL_CREDENTIALS,
  type LocalAws,
  createTopology,
  startLocalAws,
} from '@darkroom/local-aws';
import { inputPrefix } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, lastJson, writeTarget } from './testing.ts';
import type { UploadResult } from './upload.ts';

let aws: LocalAws;
let topology: CreatedTopology;
let target: string[];
let work: string;

beforeAll(async () => {
  aws = await startLocalAws();
  topology = await createTopology(aws, { bucket: 'cli-upload-test' });
  work = mkdtempSync(join(tmpdir(), 'darkroom-cli-upload-'));
  target = ['--local', '--outputs', writeTarget(work, aws.endpoint, topology, LOCAL_CREDENTIALS)];
});
afterAll(async () => {
  await aws?.close();
});

function tree(root: string, files: Record<string, Buffer | string>): string {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), body);
  }
  return root;
}

async function keys(prefix: string): Promise<string[]> {
  const { Contents = [] } = await aws.s3.send(
    new ListObjectsV2Command({ Bucket: topology.bucket, Prefix: prefix }),
  );
  return Contents.map((o) => o.Key ?? '').sort();
}

describe('darkroom upload', () => {
  it('keeps keys verbatim (spaces, plus, percent, unicode, folders) under the prefix and skips hidden files', async () => {
    const dir = tree(join(work, 'keys'), {
      'a b.jpg': 'x',
      'plus+1.jpg': 'x',
      'pct%41.jpg': 'x',
      'ünïcødé/été.jpg': 'x',
      'deep/er/c.jpg': 'x',
      '.DS_Store': 'x',
      '.hidden/d.jpg': 'x',
    });
    const run = await cli([
      ...target,
      'upload',
      dir,
      '--op',
      'grayscale',
      '--prefix',
      '/batch 2026-11/',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const base = `${inputPrefix('grayscale')}batch 2026-11/`;
    expect(await keys(inputPrefix('grayscale'))).toEqual(
      ['a b.jpg', 'deep/er/c.jpg', 'pct%41.jpg', 'plus+1.jpg', 'ünïcødé/été.jpg']
        .map((k) => base + k)
        .sort(),
    );
  });

  it('resumes: a second run skips what is there, re-uploads a same-size file whose content changed', async () => {
    const dir = tree(join(work, 'resume'), {
      'one.jpg': 'aaaa',
      'two.jpg': 'bbbb',
      'sub/three.jpg': 'cccc',
    });
    const first = lastJson<UploadResult>(
      await cli([...target, '--json', 'upload', dir, '--op', 'thumbnail,watermark']),
    );
    expect(first).toMatchObject({ files: 6, uploaded: 6, skipped: 0 });
    const second = lastJson<UploadResult>(
      await cli([...target, '--json', 'upload', dir, '--op', 'all']),
    );
    expect(second).toMatchObject({ files: 9, uploaded: 3, skipped: 6 });
    writeFileSync(join(dir, 'two.jpg'), 'BBBB');
    const third = lastJson<UploadResult>(
      await cli([...target, '--json', 'upload', dir, '--op', 'all']),
    );
    expect(third).toMatchObject({ uploaded: 3, skipped: 6 });
  });

  it('sends large files multipart and recognises them on the next run by their multipart ETag', async () => {
    const dir = tree(join(work, 'large'), { 'big.tif': randomBytes(11 * 1024 * 1024) });
    const args = [
      ...target,
      '--json',
      'upload',
      dir,
      '--op',
      'grayscale',
      '--prefix',
      'large',
      '--part-size-mb',
      '5',
    ];
    expect(lastJson<UploadResult>(await cli(args))).toMatchObject({
      uploaded: 1,
      bytes: 11 * 1024 * 1024,
    });
    const head = await aws.s3.send(
      new HeadObjectCommand({
        Bucket: topology.bucket,
        Key: `${inputPrefix('grayscale')}large/big.tif`,
      }),
    );
    expect(head.ContentLength).toBe(11 * 1024 * 1024);
    expect(head.ETag).toMatch(/-3"$/);
    expect(lastJson<UploadResult>(await cli(args))).toMatchObject({ uploaded: 0, skipped: 1 });
  });

  it('refuses bad input with exit 64 and says what it expects', async () => {
    const dir = tree(join(work, 'bad'), { 'a.jpg': 'x' });
    const badOp = await cli([...target, 'upload', dir, '--op', 'sepia']);
    expect(badOp.code).toBe(64);
    expect(badOp.stderr).toMatch(
      /--op must be one of grayscale, watermark, thumbnail or all .*received "sepia"/,
    );
    const missing = await cli([...target, 'upload', join(work, 'nope'), '--op', 'all']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/cannot read .*nope/);
    const traversal = await cli([...target, 'upload', dir, '--op', 'all', '--prefix', '../x']);
    expect(traversal.code).toBe(64);
    const noTarget = await cli(['upload', dir, '--op', 'all']);
    expect(noTarget.code).toBe(64);
    expect(noTarget.stderr).toMatch(/no target: pass --local .* or --stack NAME/);
  });
});

describe('upload: entries that cannot be sent are reported, never fatal', () => {
  it('sends the rest past a dangling link and a loop, keeps a Latin-1 name, and follows links only when asked', async () => {
    const dir = join(work, 'odd-entries');
    tree(dir, { 'ok.jpg': 'ok', 'sub/b.jpg': 'bb' });
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'dangling.jpg'));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    const outside = join(work, 'outside-folder');
    tree(outside, { 'elsewhere.jpg': 'e' });
    symlinkSync(outside, join(dir, 'linked'));
    writeFileSync(Buffer.from(join(dir, 'caf\xe9.jpg'), 'latin1'), 'latin-1');
    const run = await cli([
      ...target,
      '--json',
      'upload',
      dir,
      '--op',
      'grayscale',
      '--prefix',
      'odd',
    ]);
    const result = lastJson<UploadResult>(run);
    expect(run.code).toBe(2);
    expect(result.uploaded).toBe(3);
    expect(result.notSent.map((n) => n.relativeKey)).toEqual([
      'dangling.jpg',
      'linked',
      'sub/loop',
    ]);
    expect(await keys(`${inputPrefix('grayscale')}odd/`)).toEqual([
      'input/grayscale/odd/café.jpg',
      'input/grayscale/odd/ok.jpg',
      'input/grayscale/odd/sub/b.jpg',
    ]);
    const followed = await cli([
      ...target,
      '--json',
      'upload',
      dir,
      '--op',
      'grayscale',
      '--prefix',
      'odd',
      '--follow-symlinks',
    ]);
    expect(lastJson<UploadResult>(followed).uploaded).toBe(1); // linked/elsewhere.jpg; the rest is there
  });
});
