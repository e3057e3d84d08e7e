import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { runServiceOnce } from '@darkroom/worker-runtime/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

/** The built artifact (what the image runs), made by `nx build` before `nx test`. */
const SERVICE_BUNDLE = new URL('../dist/main.js', import.meta.url).pathname;
import { watermarkOptionsFromEnv } from './options.ts';

async function meanDifference(
  a: Buffer,
  b: Buffer,
  region: { left: number; top: number; width: number; height: number },
): Promise<number> {
  const [ra, rb] = await Promise.all(
    [a, b].map((img) => sharp(img).extract(region).raw().toBuffer()),
  );
  let sum = 0;
  for (let i = 0; i < (ra?.length ?? 0); i++) sum += Math.abs((ra?.[i] ?? 0) - (rb?.[i] ?? 0));
  return sum / (ra?.length ?? 1);
}

describe('watermark service', () => {
  it('reads placement and look from the environment', () => {
    expect(
      watermarkOptionsFromEnv({
        DARKROOM_WATERMARK_GRAVITY: 'northwest',
        DARKROOM_WATERMARK_SCALE: '0.1',
        DARKROOM_WATERMARK_OPACITY: '0.5',
        DARKROOM_WATERMARK_MARGIN: '0',
      }),
    ).toEqual({
      gravity: 'northwest',
      scale: 0.1,
      opacity: 0.5,
      margin: 0,
    });
    expect(() => watermarkOptionsFromEnv({ DARKROOM_WATERMARK_OPACITY: 'half' })).toThrow(
      'DARKROOM_WATERMARK_OPACITY must be a number (option "opacity"), received "half"',
    );
  });

  it('the built bundle wires the watermark operation and its gravity', async () => {
    const photo = readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg'));
    const run = await runServiceOnce({
      entry: SERVICE_BUNDLE,
      operation: 'watermark',
      photo,
      env: { DARKROOM_WATERMARK_GRAVITY: 'northwest' },
    });
    expect(
      await meanDifference(photo, run.output, { left: 30, top: 30, width: 200, height: 60 }),
    ).toBeGreaterThan(15);
    expect(
      await meanDifference(photo, run.output, { left: 1300, top: 900, width: 200, height: 60 }),
    ).toBeLessThan(4);
    expect(run.exitCode).toBe(0);
  });
});
