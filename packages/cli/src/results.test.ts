/**
 * `results` against the real emulator: results whose keys collide or climb each get a file of
 * their own, and no symbolic link below --out carries a write outside it (the same rule as
 * `npm start`, @darkroom/operator).
 */
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type CreatedTopology,
  LOCAL_CREDENTIALS,
  type LocalAws,
  createTopology,
  startLocalAws,
} from '@darkroom/local-aws';
import { unmappableName } from '@darkroom/operator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsResult } from './results.ts';
import { cli, lastJson, writeTarget } from './testing.ts';

let aws: LocalAws;
let topology: CreatedTopology;
let target: string[];

beforeAll(async () => {
  aws = await startLocalAws();
  topology = await createTopology(aws, { bucket: 'cli-results-test' });
  const work = mkdtempSync(join(tmpdir(), 'darkroom-cli-results-'));
  target = ['--local', '--outputs', writeTarget(work, aws.endpoint, topology, LOCAL_CREDENTIALS)];
  const results: Record<string, string> = {
    'output/thumbnail/p0.jpg': 'p0',
    'output/thumbnail/pair0/../p0.jpg': 'pair0',
    'output/grayscale/x.jpg': 'grayscale x',
    'output/thumbnail/../grayscale/x.jpg': 'thumbnail x',
    'output/grayscale/sub/through-link.jpg': 'JPEG',
  };
  for (const [Key, Body] of Object.entries(results))
    await aws.s3.send(new PutObjectCommand({ Bucket: topology.bucket, Key, Body }));
});
afterAll(async () => {
  await aws?.close();
});

describe('darkroom results', () => {
  it('writes keys that would share a path (pair0/../p0.jpg and p0.jpg; thumbnail/../grayscale/x.jpg) to files of their own', async () => {
    const out = mkdtempSync(join(tmpdir(), 'darkroom-results-out-'));
    const run = await cli([...target, '--json', 'results', '--out', out]);
    const result = lastJson<ResultsResult>(run);
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'output', 'thumbnail', 'p0.jpg'), 'utf8')).toBe('p0');
    expect(readFileSync(join(out, 'output', 'grayscale', 'x.jpg'), 'utf8')).toBe('grayscale x');
    const mapped = (op: string, key: string) => join(out, 'unmappable', op, unmappableName(key));
    expect(readFileSync(mapped('thumbnail', 'pair0/../p0.jpg'), 'utf8')).toBe('pair0');
    expect(readFileSync(mapped('thumbnail', '../grayscale/x.jpg'), 'utf8')).toBe('thumbnail x');
    expect(result.remapped).toHaveLength(2);
    expect(result.downloaded).toHaveLength(5);
  });

  it('writes nothing through a symbolic link inside --out, reports it and exits 2', async () => {
    const base = mkdtempSync(join(tmpdir(), 'darkroom-results-link-'));
    const out = join(base, 'out');
    const outside = join(base, 'outside');
    mkdirSync(outside);
    mkdirSync(join(out, 'output', 'grayscale'), { recursive: true });
    symlinkSync(outside, join(out, 'output', 'grayscale', 'sub'));
    writeFileSync(join(outside, 'keep.txt'), 'keep');
    const run = await cli([...target, '--json', 'results', '--out', out]);
    expect(run.code).toBe(2);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    expect(lastJson<ResultsResult>(run).failed.map((f) => f.key)).toEqual([
      'output/grayscale/sub/through-link.jpg',
    ]);
  });
});
