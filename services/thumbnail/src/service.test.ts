import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { ConfigError } from '@darkroom/worker-runtime';
import { runServiceOnce } from '@darkroom/worker-runtime/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

/** The built artifact (what the image runs), made by `nx build` before `nx test`. */
const SERVICE_BUNDLE = new URL('../dist/main.js', import.meta.url).pathname;
import { thumbnailOptionsFromEnv } from './options.ts';

describe('thumbnail service', () => {
  it('reads the box and quality from the environment', () => {
    expect(
      thumbnailOptionsFromEnv({
        DARKROOM_THUMBNAIL_WIDTH: '320',
        DARKROOM_THUMBNAIL_HEIGHT: '200',
        DARKROOM_JPEG_QUALITY: '70',
      }),
    ).toEqual({ width: 320, height: 200, quality: 70 });
    expect(thumbnailOptionsFromEnv({})).toEqual({});
  });

  it('names the variable that does not parse', () => {
    expect(() => thumbnailOptionsFromEnv({ DARKROOM_THUMBNAIL_WIDTH: 'wide' })).toThrow(
      ConfigError,
    );
    expect(() => thumbnailOptionsFromEnv({ DARKROOM_THUMBNAIL_WIDTH: 'wide' })).toThrow(
      'DARKROOM_THUMBNAIL_WIDTH must be an integer (option "width"), received "wide"',
    );
  });

  it('the built bundle wires the thumbnail operation with its env options', async () => {
    const run = await runServiceOnce({
      entry: SERVICE_BUNDLE,
      operation: 'thumbnail',
      photo: readFileSync(join(SAMPLE_PHOTOS_DIR, 'path.jpg')),
      env: { DARKROOM_THUMBNAIL_WIDTH: '100', DARKROOM_THUMBNAIL_HEIGHT: '100' },
    });
    const meta = await sharp(run.output).metadata();
    expect([meta.width, meta.height]).toEqual([100, 63]);
    expect(run.contentType).toBe('image/jpeg');
    expect(run.exitCode).toBe(0);
  });

  it('refuses to start with an out-of-range option, naming it', async () => {
    await expect(
      runServiceOnce({
        entry: SERVICE_BUNDLE,
        operation: 'thumbnail',
        photo: Buffer.alloc(0),
        env: { DARKROOM_THUMBNAIL_WIDTH: '0' },
        timeoutMs: 5_000,
      }),
    ).rejects.toThrow(
      /exit 1\).*thumbnail option "width" must be an integer from 1 to 16384, received 0/s,
    );
  });
});
