/** Errors a user can act on: what is wrong, and what to do, never a bare ECONNREFUSED or TypeError. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { parseSince } from './results.ts';
import { cli } from './testing.ts';

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The target file a runner writes, for an emulator at `url`. */
function localTarget(url: string): string {
  const byOp = Object.fromEntries(
    OPERATIONS.map((op) => [op, `${url}/000000000000/darkroom-${op}`]),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'darkroom-stale-')), 'local.json');
  writeFileSync(
    file,
    JSON.stringify({
      bucketName: 'b',
      queueUrls: byOp,
      deadLetterQueueUrls: byOp,
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    }),
  );
  return file;
}

describe('CLI errors say what to do', () => {
  it('a stale local target (runner stopped) says the pipeline is not running and how to start it', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const file = localTarget(url);
    const run = await cli(['--local', '--outputs', file, 'status']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the local pipeline is not running (nothing answers at ${url})`);
    expect(run.stderr).toContain('npm start -- --keep-running');
  });

  it('--endpoint that is not a URL is bad usage (64), naming the value', async () => {
    const file = localTarget(`http://127.0.0.1:${await deadPort()}`);
    const run = await cli(['--local', '--outputs', file, '--endpoint', 'notaurl', 'status']);
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('--endpoint must be an http(s) URL');
  });

  it('--since before 1970 is refused instead of silently downloading nothing', () => {
    expect(() => parseSince('99999999999d')).toThrow(/reaches before 1970/);
    expect(parseSince('2h', 10 * 3_600_000)?.getTime()).toBe(8 * 3_600_000);
  });
});
