/** `darkroom clients` against the real emulator: a token shown once, kept only as a hash, revocable. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  type CreatedTopology,
  LOCAL_CREDENTIALS,
  type LocalAws,
  createTopology,
  startLocalAws,
} from '@darkroom/local-aws';
import { sha256 } from '@darkroom/operator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, lastJson, writeTarget } from './testing.ts';

let aws: LocalAws;
let topology: CreatedTopology;
let target: string[];

beforeAll(async () => {
  aws = await startLocalAws();
  topology = await createTopology(aws, { bucket: 'cli-clients-test' });
  const work = mkdtempSync(join(tmpdir(), 'darkroom-cli-clients-'));
  target = ['--local', '--outputs', writeTarget(work, aws.endpoint, topology, LOCAL_CREDENTIALS)];
});
afterAll(async () => aws?.close());

describe('darkroom clients', () => {
  it('adds a client and prints its token once; the bucket keeps only its hash', async () => {
    const run = await cli([
      ...target,
      '--json',
      'clients',
      'add',
      'studio-a',
      '--name',
      'Studio A',
      '--webhook',
      'https://studio-a.example/hooks',
      '--photos-per-day',
      '500',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const added = lastJson<{
      token: string;
      webhookSecret: string;
      quota: { photosPerDay: number };
    }>(run);
    expect(added.token).toMatch(/^drk_studio-a_[A-Za-z0-9_-]{43}$/);
    expect(added.webhookSecret).toMatch(/^whsec_/);
    expect(added.quota.photosPerDay).toBe(500);
    const object = await aws.s3.send(
      new GetObjectCommand({ Bucket: topology.bucket, Key: 'clients/studio-a.json' }),
    );
    const stored = (await object.Body?.transformToString()) ?? '';
    expect(stored).not.toContain(added.token);
    expect(stored).toContain(sha256(added.token));
  });

  it('lists clients with token ids only, and revokes', async () => {
    const listed = await cli([...target, 'clients', 'list']);
    expect(listed.stdout).toMatch(
      /studio-a\s+Studio A\s+1\s+https:\/\/studio-a\.example\/hooks\s+500/,
    );
    expect(listed.stdout).not.toMatch(/drk_|[0-9a-f]{64}/);
    const revoked = await cli([...target, '--json', 'clients', 'revoke', 'studio-a']);
    expect(revoked.code).toBe(0);
    expect(
      lastJson<{ tokens: { revokedAt?: string }[] }>(revoked).tokens.every((t) => t.revokedAt),
    ).toBe(true);
  });

  it('refuses an id that cannot be a key segment, and an unknown client, with exit 64 and why', async () => {
    const bad = await cli([...target, 'clients', 'add', 'Studio/A']);
    expect([bad.code, bad.stderr]).toEqual([
      64,
      expect.stringContaining('a client id is 1-40 lower-case letters'),
    ]);
    const unknown = await cli([...target, 'clients', 'revoke', 'nobody']);
    expect([unknown.code, unknown.stderr]).toEqual([
      64,
      expect.stringContaining('no client "nobody"'),
    ]);
  });
});
