import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles, planUploads } from './photos.ts';
import { percentile, table } from './stats.ts';

describe('upload planning', () => {
  const files = Array.from({ length: 10 }, (_, n) => ({
    path: Buffer.from(`/in/d/${n}.jpg`),
    relativeKey: `d/${n}.jpg`,
  }));

  it('sends every file to every operation without a mix, keeping folders in the key', () => {
    const plan = planUploads(files, ['grayscale', 'thumbnail']);
    expect(plan).toHaveLength(20);
    expect(plan[0]).toEqual({
      operation: 'grayscale',
      path: Buffer.from('/in/d/0.jpg'),
      relativeKey: 'd/0.jpg',
    });
  });

  it('splits files by a 40/40/20 mix', () => {
    const plan = planUploads(files, ['grayscale', 'watermark', 'thumbnail'], [40, 40, 20]);
    const count = (op: string) => plan.filter((p) => p.operation === op).length;
    expect([count('grayscale'), count('watermark'), count('thumbnail')]).toEqual([4, 4, 2]);
  });

  it('refuses a mix that does not match the operations', () => {
    expect(() => planUploads(files, ['grayscale'], [50, 50])).toThrow(
      '--mix needs 1 non-negative numbers (one per operation: grayscale), received 50,50',
    );
  });
});

describe('input folder', () => {
  it('lists files whose names are Latin-1, not UTF-8, so a folder from an old camera uploads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'darkroom-latin1-'));
    mkdirSync(join(dir, 'été'));
    writeFileSync(Buffer.from(`${dir}/caf\xe9.jpg`, 'latin1'), 'latin-1 name');
    writeFileSync(join(dir, 'été', 'ok.jpg'), 'utf-8 name');
    writeFileSync(join(dir, '.hidden.jpg'), 'skipped');
    const files = listFiles(dir);
    expect(files.map((f) => f.relativeKey)).toEqual(['café.jpg', 'été/ok.jpg']);
    expect(files.map((f) => readFileSync(f.path, 'utf8'))).toEqual(['latin-1 name', 'utf-8 name']);
  });
});

describe('summary', () => {
  it('computes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 95)).toBe(5);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('keeps one line per row when a reason spans several lines, so the table stays readable', () => {
    const lines = table([
      ['key', 'reason'],
      ['a.jpg', 'CorruptImage: VipsJpeg: Premature end of file\nVipsJpeg: out of order read\n'],
      ['b.jpg', 'ok'],
    ]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      'a.jpg  CorruptImage: VipsJpeg: Premature end of file ⏎ VipsJpeg: out of order read',
    );
  });

  it('aligns numbers right and text left', () => {
    const lines = table([
      ['op', 'n'],
      ['grayscale', '12'],
      ['x', '3'],
    ]).split('\n');
    expect(lines).toEqual([
      `op${' '.repeat(10)}n`,
      '─────────  ──',
      'grayscale  12',
      `x${' '.repeat(11)}3`,
    ]);
  });
});
