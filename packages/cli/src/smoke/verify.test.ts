/**
 * The smoke test's judgement of a result, on real photos: the workers' own outputs (image-ops)
 * pass, and each way a deployed worker could be wrong is caught.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grayscale, thumbnail, watermark } from '@darkroom/image-ops';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { resultProblem } from './verify.ts';

const source = readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'));
const box = { width: 256, height: 256 };
const jpeg = (image: Sharp) => image.jpeg({ quality: 85 }).toBuffer();

describe('smoke: is this result what its operation makes?', () => {
  it('accepts what the real workers make', async () => {
    expect(
      await resultProblem('grayscale', source, (await grayscale(source)).data, box),
    ).toBeUndefined();
    expect(
      await resultProblem('thumbnail', source, (await thumbnail(source)).data, box),
    ).toBeUndefined();
    expect(
      await resultProblem('watermark', source, (await watermark(source)).data, box),
    ).toBeUndefined();
  });

  it('catches a "grayscale" that kept its colour', async () => {
    expect(await resultProblem('grayscale', source, await jpeg(sharp(source)), box)).toMatch(
      /3 channels/,
    );
  });

  it('catches a grayscale at the wrong size', async () => {
    const small = await jpeg(sharp(source).resize(100).toColourspace('b-w'));
    expect(await resultProblem('grayscale', source, small, box)).toMatch(/is 100×/);
  });

  it('catches a thumbnail larger than its box (e.g. a stack configured for 320 but checked for 256)', async () => {
    const big = (await thumbnail(source, { width: 320, height: 320 })).data;
    expect(await resultProblem('thumbnail', source, big, box)).toMatch(
      /larger than its 256×256 box/,
    );
  });

  it('catches a squashed thumbnail', async () => {
    const squashed = await jpeg(sharp(source).resize(256, 256, { fit: 'fill' }));
    expect(await resultProblem('thumbnail', source, squashed, box)).toMatch(/aspect/);
  });

  it('catches a "watermark" that is only a re-encoded copy', async () => {
    const copy = await jpeg(sharp(source).rotate());
    expect(await resultProblem('watermark', source, copy, box)).toMatch(/shows no watermark/);
  });

  it('catches a result that is not an image', async () => {
    expect(await resultProblem('thumbnail', source, Buffer.from('<Error/>'), box)).toMatch(
      /not a decodable image/,
    );
  });
});
