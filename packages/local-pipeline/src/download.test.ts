/** Downloading results whose keys are hostile or cannot be file paths, from the real local S3. */
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
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type LocalAws, startLocalAws } from '@darkroom/local-aws';
import type { Operation } from '@darkroom/pipeline-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unmappableName } from '@darkroom/operator';
import { downloadResults } from './download.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
  await aws.s3.send(new CreateBucketCommand({ Bucket: 'b' }));
});
afterAll(async () => aws.close());

async function download(outDir: string, keys: string[], op: Operation = 'grayscale') {
  for (const Key of keys)
    await aws.s3.send(new PutObjectCommand({ Bucket: 'b', Key: `${op}/${Key}`, Body: Key }));
  return downloadResults(outDir, new Map([[op, keys]]), async (operation, key) => {
    const got = await aws.s3.send(
      new GetObjectCommand({ Bucket: 'b', Key: `${operation}/${key}` }),
    );
    return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
  });
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
    expect(report.written).toBe(4);
    expect(report.failed).toEqual([]);
    expect(report.remapped.map((n) => n.key).sort()).toEqual([`deep/${long}`, 'a/b.jpg'].sort());
    for (const note of report.remapped)
      expect(readFileSync(note.path ?? '', 'utf8')).toBe(note.key);
    expect(readFileSync(join(out, 'output', 'grayscale', 'a'), 'utf8')).toBe('a');
    expect(readFileSync(join(out, 'output', 'grayscale', 'z.jpg'), 'utf8')).toBe('z.jpg');
  });
});
