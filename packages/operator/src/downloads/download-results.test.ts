/**
 * Downloading results (what `darkroom results` and `npm start` both run) from the real local S3:
 * hostile keys, keys that cannot be file paths, symbolic links below --out, and resuming.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type LocalAws, startLocalAws } from '@darkroom/local-aws';
import { type Operation, outputPrefix } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadResults } from './download-results.ts';
import { unmappableName } from './placement.ts';

let aws: LocalAws;
let bucket: string;
beforeAll(async () => {
  aws = await startLocalAws();
});
// Each test its own bucket's worth of results: empty the bucket by making a new one.
let bucketNumber = 0;
beforeEach(async () => {
  bucket = `b${++bucketNumber}`;
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => aws.close());

const put = (key: string, body: string, op: Operation = 'grayscale') =>
  aws.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: `${outputPrefix(op)}${key}`, Body: body }),
  );

async function download(outDir: string, keys: string[], op: Operation = 'grayscale') {
  for (const key of keys) await put(key, key, op);
  return downloadResults(aws, bucket, { operations: [op], out: outDir, concurrency: 4 });
}

const sandbox = () => {
  const base = mkdtempSync(join(tmpdir(), 'darkroom-dl-'));
  const out = join(base, 'out');
  mkdirSync(out);
  return { base, out };
};

describe('downloading results', () => {
  it('never writes outside --out, even for a key full of ../ segments', async () => {
    const { base, out } = sandbox();
    const hostile = 'x/../../../../escape/pwned.jpg';
    const report = await download(out, [hostile, 'ok.jpg']);
    expect(readdirSync(base)).toEqual(['out']);
    expect(existsSync(resolve(out, 'output', 'grayscale', 'x/../../../../escape'))).toBe(false);
    const mapped = join(out, 'unmappable', 'grayscale', unmappableName(hostile));
    expect(readFileSync(mapped, 'utf8')).toBe(hostile);
    expect(report.remapped.map((n) => n.key)).toEqual([hostile]);
    expect(readFileSync(join(out, 'output', 'grayscale', 'ok.jpg'), 'utf8')).toBe('ok.jpg');
    expect(readFileSync(join(out, 'unmappable', 'grayscale', 'keys.tsv'), 'utf8')).toContain(
      encodeURI(hostile),
    );
  });

  it('refuses and reports a path that a symbolic link inside --out would carry outside', async () => {
    const { base, out } = sandbox();
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(join(out, 'output', 'grayscale'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'output', 'grayscale', 'linked'));
    const report = await download(out, ['linked/p.jpg', 'after.jpg']);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(report.refused.map((n) => [n.key, n.reason])).toEqual([
      [
        'linked/p.jpg',
        `${join(out, 'output', 'grayscale', 'linked')} is a symbolic link: writing through it could leave ${out}`,
      ],
    ]);
    expect(existsSync(join(out, 'output', 'grayscale', 'after.jpg'))).toBe(true);
  });

  it.each([
    ['<out>/output', (out: string) => join(out, 'output')],
    ['<out>/output/<op>', (out: string) => join(out, 'output', 'grayscale')],
    ['a result’s own file', (out: string) => join(out, 'output', 'grayscale', 'victim.jpg')],
  ])('writes nothing outside --out when %s is a symbolic link', async (_what, linkAt) => {
    const { base, out } = sandbox();
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'victim.jpg'), 'precious');
    const link = linkAt(out);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(link.endsWith('.jpg') ? join(elsewhere, 'victim.jpg') : elsewhere, link);
    const report = await download(out, ['victim.jpg', 'new.jpg']);
    expect(readdirSync(elsewhere)).toEqual(['victim.jpg']);
    expect(readFileSync(join(elsewhere, 'victim.jpg'), 'utf8')).toBe('precious');
    expect(report.refused.length).toBeGreaterThan(0);
  });

  it('maps keys that cannot be file paths (300-byte segment, a and a/b.jpg), reports them and keeps going', async () => {
    const { out } = sandbox();
    const long = `${'é'.repeat(150)}.jpg`; // 304 bytes in one segment
    const keys = ['a', 'a/b.jpg', `deep/${long}`, 'z.jpg'];
    const report = await download(out, keys);
    expect(report.written).toHaveLength(4);
    expect(report.failed).toEqual([]);
    // The folder keeps its path for what is in it, whichever download finishes first.
    expect(report.remapped.map((n) => n.key).sort()).toEqual([`deep/${long}`, 'a'].sort());
    for (const note of report.remapped)
      expect(readFileSync(note.path ?? '', 'utf8')).toBe(note.key);
    expect(readFileSync(join(out, 'output', 'grayscale', 'a', 'b.jpg'), 'utf8')).toBe('a/b.jpg');
    expect(readFileSync(join(out, 'output', 'grayscale', 'z.jpg'), 'utf8')).toBe('z.jpg');
  });

  it('a second download leaves identical results alone and replaces a changed one of the same size (the newest result wins)', async () => {
    const { out } = sandbox();
    await put('same.jpg', 'AAAA');
    await put('changed.jpg', 'BBBB');
    const first = await downloadResults(aws, bucket, {
      operations: ['grayscale'],
      out,
      concurrency: 2,
    });
    expect(first.written).toHaveLength(2);
    await put('changed.jpg', 'CCCC'); // same size, new bytes: a re-processed photo
    const second = await downloadResults(aws, bucket, {
      operations: ['grayscale'],
      out,
      concurrency: 2,
    });
    expect(second.unchanged).toBe(1);
    expect(second.written).toEqual([`${outputPrefix('grayscale')}changed.jpg`]);
    expect(readFileSync(join(out, 'output', 'grayscale', 'changed.jpg'), 'utf8')).toBe('CCCC');
  });
});
