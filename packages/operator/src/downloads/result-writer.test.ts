/**
 * Results on a real disk, with the shapes a hostile or unlucky `--out` has: keys that collide
 * or climb, and symbolic links at every level below `--out`. Nothing is written outside it.
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
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unmappableName } from './placement.ts';
import { ResultWriter } from './result-writer.ts';

const sandbox = () => {
  const base = mkdtempSync(join(tmpdir(), 'darkroom-results-'));
  const out = join(base, 'out');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim.jpg'), 'precious');
  return { base, out, outside, writer: new ResultWriter(out) };
};
const body = (text: string) => async () => Buffer.from(text);
const untouched = (outside: string) => {
  expect(readdirSync(outside)).toEqual(['victim.jpg']);
  expect(readFileSync(join(outside, 'victim.jpg'), 'utf8')).toBe('precious');
};

describe('writing results below --out', () => {
  it('gives keys that would share a path (pair0/../p0.jpg and p0.jpg) a file each', async () => {
    const { out, writer } = sandbox();
    expect(await writer.write('thumbnail', 'p0.jpg', body('p0'))).toMatchObject({
      kind: 'written',
    });
    const climbing = await writer.write('thumbnail', 'pair0/../p0.jpg', body('pair0'));
    expect(climbing).toMatchObject({ kind: 'remapped' });
    expect(readFileSync(join(out, 'output', 'thumbnail', 'p0.jpg'), 'utf8')).toBe('p0');
    const mapped = join(out, 'unmappable', 'thumbnail', unmappableName('pair0/../p0.jpg'));
    expect(readFileSync(mapped, 'utf8')).toBe('pair0');
    expect(readFileSync(join(out, 'unmappable', 'thumbnail', 'keys.tsv'), 'utf8')).toBe(
      `${unmappableName('pair0/../p0.jpg')}\t${encodeURI('pair0/../p0.jpg')}\n`,
    );
  });

  it('keeps one operation’s results out of another’s folder (output/thumbnail/../grayscale/x.jpg)', async () => {
    const { out, writer } = sandbox();
    await writer.write('grayscale', 'x.jpg', body('grayscale'));
    await writer.write('thumbnail', '../grayscale/x.jpg', body('thumbnail'));
    expect(readFileSync(join(out, 'output', 'grayscale', 'x.jpg'), 'utf8')).toBe('grayscale');
  });

  it('maps a key that clashes with another’s folder (a and a/b.jpg) instead of failing', async () => {
    const { out, writer } = sandbox();
    await writer.write('grayscale', 'a', body('a'));
    expect(await writer.write('grayscale', 'a/b.jpg', body('b'))).toMatchObject({
      kind: 'remapped',
    });
    expect(readFileSync(join(out, 'output', 'grayscale', 'a'), 'utf8')).toBe('a');
  });

  it.each([
    [
      'a symbolic link at the file’s name',
      (out: string, outside: string) => {
        mkdirSync(join(out, 'output', 'grayscale'), { recursive: true });
        symlinkSync(join(outside, 'victim.jpg'), join(out, 'output', 'grayscale', 'a.jpg'));
      },
    ],
    [
      'a symbolic link for a folder inside',
      (out: string, outside: string) => {
        mkdirSync(join(out, 'output', 'grayscale'), { recursive: true });
        symlinkSync(outside, join(out, 'output', 'grayscale', 'sub'));
      },
    ],
    [
      '<out>/output itself a symbolic link',
      (out: string, outside: string) => {
        mkdirSync(out);
        symlinkSync(outside, join(out, 'output'));
      },
    ],
    [
      '<out>/output/<op> a symbolic link',
      (out: string, outside: string) => {
        mkdirSync(join(out, 'output'), { recursive: true });
        symlinkSync(outside, join(out, 'output', 'grayscale'));
      },
    ],
    [
      'a dangling symbolic link at the file’s name',
      (out: string, outside: string) => {
        mkdirSync(join(out, 'output', 'grayscale'), { recursive: true });
        symlinkSync(join(outside, 'new.jpg'), join(out, 'output', 'grayscale', 'a.jpg'));
      },
    ],
  ])('refuses to write through %s, and writes nothing outside', async (_shape, arrange) => {
    const { out, outside, writer } = sandbox();
    arrange(out, outside);
    const results = await Promise.all(
      ['a.jpg', 'sub/victim.jpg', 'victim.jpg'].map((key) =>
        writer.write('grayscale', key, body('JPEG')),
      ),
    );
    expect(results.some((r) => r.kind === 'refused')).toBe(true);
    expect(results.every((r) => r.kind !== 'written' || !r.path.startsWith(outside))).toBe(true);
    untouched(outside);
    expect(existsSync(join(outside, 'new.jpg'))).toBe(false);
  });

  it('reports the size already on disk for a resumable download, never through a link', async () => {
    const { out, outside, writer } = sandbox();
    await writer.write('grayscale', 'a.jpg', body('1234'));
    expect((await writer.existingFile('grayscale', 'a.jpg'))?.size).toBe(4);
    expect(await writer.existingFile('grayscale', 'missing.jpg')).toBeUndefined();
    symlinkSync(join(outside, 'victim.jpg'), join(out, 'output', 'grayscale', 'link.jpg'));
    expect(await writer.existingFile('grayscale', 'link.jpg')).toBeUndefined();
  });

  it('streams a body (a download) to its file, and closes it', async () => {
    const { out, writer } = sandbox();
    const { Readable } = await import('node:stream');
    const streamed = await writer.write('grayscale', 'big.jpg', async () =>
      Readable.from([Buffer.from('part 1 '), Buffer.from('part 2')]),
    );
    expect(streamed).toMatchObject({ kind: 'written' });
    expect(readFileSync(join(out, 'output', 'grayscale', 'big.jpg'), 'utf8')).toBe('part 1 part 2');
  });

  it('may itself be a symbolic link: --out is where the user said', async () => {
    const { base } = sandbox();
    const real = join(base, 'real-out');
    mkdirSync(real);
    symlinkSync(real, join(base, 'link-out'));
    const writer = new ResultWriter(join(base, 'link-out'));
    expect(await writer.write('grayscale', 'a.jpg', body('x'))).toMatchObject({ kind: 'written' });
    expect(readFileSync(join(real, 'output', 'grayscale', 'a.jpg'), 'utf8')).toBe('x');
  });
});
