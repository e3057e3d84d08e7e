/** `npm start` as a user runs it: the real CLI, its exit codes and what it leaves on disk. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { describe, expect, it } from 'vitest';

const CLI = new URL('./cli.ts', import.meta.url).pathname;

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
});
