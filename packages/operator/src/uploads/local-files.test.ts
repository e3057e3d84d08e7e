/** The upload walk on a real folder with the entries users' folders have. */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listLocalFiles, nameAsText } from './local-files.ts';

function folder() {
  const base = mkdtempSync(join(tmpdir(), 'darkroom-walk-'));
  const dir = join(base, 'photos');
  const outside = join(base, 'outside');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(dir, 'a.jpg'), 'a');
  writeFileSync(join(dir, 'sub', 'b.jpg'), 'bb');
  writeFileSync(join(dir, '.hidden.jpg'), 'h');
  writeFileSync(join(outside, 'elsewhere.jpg'), 'e');
  symlinkSync(join(dir, 'gone.jpg'), join(dir, 'dangling.jpg'));
  symlinkSync(dir, join(dir, 'sub', 'loop'));
  symlinkSync(outside, join(dir, 'linked-folder'));
  writeFileSync(Buffer.from(join(dir, 'caf\xe9.jpg'), 'latin1'), 'latin-1 name');
  return { dir, outside };
}

describe('the files an upload sends', () => {
  it('skips and reports a dangling link and a loop instead of aborting, and reads Latin-1 names', () => {
    const { dir } = folder();
    const { files, skipped } = listLocalFiles(dir, { followSymlinks: true });
    expect(files.map((f) => [f.relativeKey, f.size])).toEqual([
      ['a.jpg', 1],
      ['café.jpg', 12],
      ['linked-folder/elsewhere.jpg', 1],
      ['sub/b.jpg', 2],
    ]);
    expect(skipped).toEqual([
      { relativeKey: 'dangling.jpg', reason: 'a symbolic link to nothing (dangling)' },
      { relativeKey: 'sub/loop', reason: 'a link back to a folder already uploaded (a loop)' },
    ]);
  });

  it('follows no symbolic link unless asked: a link to files outside the folder is reported, not sent', () => {
    const { dir } = folder();
    const { files, skipped } = listLocalFiles(dir, { followSymlinks: false });
    expect(files.map((f) => f.relativeKey)).toEqual(['a.jpg', 'café.jpg', 'sub/b.jpg']);
    expect(skipped.map((s) => s.relativeKey)).toEqual([
      'dangling.jpg',
      'linked-folder',
      'sub/loop',
    ]);
    expect(skipped[1]?.reason).toContain('--follow-symlinks');
  });

  it('reports an unreadable folder and goes on', () => {
    const { dir } = folder();
    mkdirSync(join(dir, 'locked'));
    writeFileSync(join(dir, 'locked', 'x.jpg'), 'x');
    chmodSync(join(dir, 'locked'), 0);
    const { files, skipped } = listLocalFiles(dir, { followSymlinks: false });
    chmodSync(join(dir, 'locked'), 0o755);
    // root reads everything: the folder is either read or reported, never fatal.
    const listed = files.some((f) => f.relativeKey === 'locked/x.jpg');
    expect(listed || skipped.some((s) => s.relativeKey === 'locked')).toBe(true);
  });

  it('reads a name as UTF-8 when it is, else as Latin-1', () => {
    expect(nameAsText(Buffer.from('été.jpg'))).toBe('été.jpg');
    expect(nameAsText(Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
  });
});
