/** `npm start` as a user runs it: the real CLI, its exit codes and what it leaves on disk. */
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { describe, expect, it } from 'vitest';

const CLI = new URL('./cli.ts', import.meta.url).pathname;
const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

function run(args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, ['--conditions=@darkroom/source', CLI, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: result.status, stdout: result.stdout + result.stderr };
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jpg'));

describe('npm start', () => {
  it('with no arguments runs the sample photos through all three workers and exits 0', () => {
    const out = mkdtempSync(join(tmpdir(), 'darkroom-out-'));
    const { status, stdout } = run(['--out', out]);
    expect(status, stdout).toBe(0);
    const samples = readdirSync(SAMPLE_PHOTOS_DIR).length;
    expect(stdout).toMatch(new RegExp(`all\\s+${3 * samples}\\s+${3 * samples}\\s+0\\s`));
    expect(filesUnder(join(out, 'output'))).toHaveLength(3 * samples);
    expect(stdout).toContain(
      "IAM: enforced — each worker used its own role's policy (the documents infra deploys); 0 request(s) denied",
    );
  });

  it('with --no-iam says so in the summary and still processes the photos', () => {
    const input = mkdtempSync(join(tmpdir(), 'darkroom-in-'));
    copyFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'), join(input, 'kite.jpg'));
    const out = mkdtempSync(join(tmpdir(), 'darkroom-out-'));
    const { status, stdout } = run([
      '--no-iam',
      '--input',
      input,
      '--ops',
      'thumbnail',
      '--out',
      out,
    ]);
    expect(status, stdout).toBe(0);
    expect(stdout).toContain('IAM: not enforced (--no-iam)');
  });

  it('exits 2 and lists each failed photo with its reason when some land in a DLQ', () => {
    const input = mkdtempSync(join(tmpdir(), 'darkroom-in-'));
    copyFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'), join(input, 'kite.jpg'));
    writeFileSync(join(input, 'notes.txt'), 'not a photo\n');
    const { status, stdout } = run([
      '--input',
      input,
      '--ops',
      'thumbnail',
      '--out',
      mkdtempSync(join(tmpdir(), 'darkroom-out-')),
    ]);
    expect(status, stdout).toBe(2);
    expect(stdout).toMatch(/thumbnail\s+input\/thumbnail\/notes\.txt\s+UnsupportedFormat: /);
  });

  it('exits 1 with a clear message for a bad option', () => {
    const { status, stdout } = run(['--ops', 'sepia']);
    expect(status).toBe(1);
    expect(stdout).toContain(
      '--ops must list operations from grayscale, watermark, thumbnail, received "sepia"',
    );
  });

  it('prints usage, not a stack trace, for --help (exit 0) and an unknown option (exit 1)', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: npm start [-- options]');
    const unknown = run(['--colour', 'red']);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain("Unknown option '--colour'");
    expect(unknown.stdout).toContain('Usage: npm start [-- options]');
    expect(unknown.stdout).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    'on %s stops like Ctrl-C: exit %i and no worker process or health port survives it',
    async (signal, code) => {
      const { child, exited, workers } = await startCli(30);
      expect(workers).toHaveLength(2);
      child.kill(signal);
      expect(await exited).toBe(code);
      for (const { pid, port } of workers) {
        expect(() => process.kill(pid, 0), `worker ${pid}`).toThrow(/ESRCH/);
        const refused = await new Promise<boolean>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.on('connect', () => (socket.destroy(), resolve(false)));
          socket.on('error', () => resolve(true));
        });
        expect(refused, `health port ${port}`).toBe(true);
      }
    },
  );

  it('stops runner and workers when a process manager signals npm itself (kill -TERM <npm pid>)', async () => {
    const { child, exited, workers, output } = await startCli(30, ['--keep-running'], true);
    expect(workers).toHaveLength(2);
    // --keep-running also opens the clients' front desk, with a ready token for a sample client.
    const deadline = Date.now() + 20_000;
    while (!/#token=drk_sample_/.test(output()) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const desk = /Front desk: (http:\/\/127\.0\.0\.1:\d+)\/[\s\S]*#token=(drk_sample_\S+)/.exec(
      output(),
    );
    expect(desk, output()).not.toBeNull();
    const photos = await fetch(`${desk?.[1]}/v1/photos`, {
      headers: { authorization: `Bearer ${desk?.[2]}` },
    });
    expect(photos.status).toBe(200);
    child.kill('SIGTERM');
    await exited;
    await new Promise((r) => setTimeout(r, 3_000)); // the runner's drain, then its exit
    for (const { pid } of workers)
      expect(() => process.kill(pid, 0), `worker ${pid}`).toThrow(/ESRCH/);
  }, 120_000);

  it('restarts a worker killed with kill -9, says so in the progress and the summary, and exits 0', async () => {
    // A dead worker's photos return after the visibility timeout: 5 s instead of the default 60.
    const { exited, workers, output } = await startCli(12, ['--visibility-timeout', '5']);
    const victim = workers[0];
    if (!victim) throw new Error('no worker');
    process.kill(victim.pid, 'SIGKILL');
    expect(await exited, output()).toBe(0);
    expect(output()).toMatch(/worker grayscale-1 died \(killed by SIGKILL\); restart 1 in /);
    expect(output()).toContain('worker restarts: grayscale-1 1× (last: killed by SIGKILL)');
    expect(output()).toMatch(/all\s+24\s+24\s+0\s/);
    // The killed worker's peak memory is the last one read while it ran, not "?".
    expect(output()).toMatch(/peak RSS per worker: grayscale-1 \d+ MB/);
    expect(output()).not.toContain('? MB');
  });
});

/** Start `npm start` on `photos` copies of a sample (grayscale and thumbnail, one worker each). */
async function startCli(photos: number, extra: string[] = [], viaNpm = false) {
  const input = mkdtempSync(join(tmpdir(), 'darkroom-in-'));
  for (let n = 0; n < photos; n++)
    copyFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'), join(input, `kite-${n}.jpg`));
  const out = mkdtempSync(join(tmpdir(), 'darkroom-out-'));
  const args = [
    ...['--input', input, '--ops', 'grayscale,thumbnail', '--workers', '1', '--out', out],
    ...extra,
  ];
  // viaNpm: what a process manager runs, `npm start`, and then signals: npm's own PID.
  const child = viaNpm
    ? spawn('npm', ['start', '--silent', '--', ...args], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, ['--conditions=@darkroom/source', CLI, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!/^workers: .*\n/m.test(stdout)) {
    if (child.exitCode !== null) throw new Error(stdout);
    await new Promise((r) => setTimeout(r, 50));
  }
  const workers = [...stdout.matchAll(/pid (\d+) health 127\.0\.0\.1:(\d+)/g)].map((m) => ({
    pid: Number(m[1]),
    port: Number(m[2]),
  }));
  return { child, exited, workers, output: () => stdout };
}
