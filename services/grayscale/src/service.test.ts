import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { runServiceOnce } from '@darkroom/worker-runtime/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

/** The built artifact (what the image runs), made by `nx build` before `nx test`. */
const SERVICE_BUNDLE = new URL('../dist/main.js', import.meta.url).pathname;
import { grayscaleOptionsFromEnv } from './options.ts';

describe('grayscale service', () => {
  it('reads only the shared options from the environment', () => {
    expect(
      grayscaleOptionsFromEnv({
        DARKROOM_JPEG_QUALITY: '90',
        DARKROOM_JPEG_OPTIMISE_CODING: 'true',
        DARKROOM_THUMBNAIL_WIDTH: '5',
      }),
    ).toEqual({ quality: 90, optimiseCoding: true });
    expect(() => grayscaleOptionsFromEnv({ DARKROOM_JPEG_OPTIMISE_CODING: 'yes' })).toThrow(
      'DARKROOM_JPEG_OPTIMISE_CODING must be true or false',
    );
  });

  it('the built bundle wires the grayscale operation', async () => {
    const run = await runServiceOnce({
      entry: SERVICE_BUNDLE,
      operation: 'grayscale',
      photo: readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg')),
    });
    const meta = await sharp(run.output).metadata();
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([1600, 1000]);
    expect(run.exitCode).toBe(0);
  });
});
