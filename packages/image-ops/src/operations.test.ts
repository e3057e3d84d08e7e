import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { grayscale, thumbnail, watermark } from './index.ts';
import { pixels, regionDifference, samplePhoto, samplePhotoPaths } from './test-support.ts';
import { readFileSync, createReadStream } from 'node:fs';

describe.each(samplePhotoPaths())('real photo %s', (path) => {
  const photo = readFileSync(path);

  it('grayscale has one luminance channel, same size, JPEG', async () => {
    const { data, info } = await grayscale(photo);
    const meta = await sharp(data).metadata();
    expect(info.format).toBe('jpeg');
    expect(meta.format).toBe('jpeg');
    expect(meta.channels).toBe(1);
    expect([meta.width, meta.height]).toEqual([1600, 1000]);
    expect(info.size).toBe(data.byteLength);
  });

  it('thumbnail fits the default 256 box with the aspect kept within 1 px', async () => {
    const { info } = await thumbnail(photo);
    expect(info.width).toBeLessThanOrEqual(256);
    expect(info.height).toBeLessThanOrEqual(256);
    expect(Math.max(info.width, info.height)).toBe(256);
    expect(Math.abs(info.height - (info.width * 1000) / 1600)).toBeLessThanOrEqual(1);
  });

  it('watermark changes the south-east corner and leaves the north-west one alone', async () => {
    const { data, info } = await watermark(photo);
    expect([info.width, info.height]).toEqual([1600, 1000]);
    const corner = { width: 200, height: 60 };
    const southeast = await regionDifference(photo, data, {
      ...corner,
      left: 1600 - 30 - 200,
      top: 1000 - 30 - 60,
    });
    const northwest = await regionDifference(photo, data, { ...corner, left: 0, top: 0 });
    expect(southeast).toBeGreaterThan(15);
    expect(northwest).toBeLessThan(4);
  });
});

describe('grayscale', () => {
  it('uses luminance, not the channel average: pure green is brighter than pure blue', async () => {
    const make = (r: number, g: number, b: number) =>
      sharp({ create: { width: 8, height: 8, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer();
    const [green, blue] = await Promise.all([make(0, 255, 0), make(0, 0, 255)]);
    const [g, b] = await Promise.all(
      [grayscale(green), grayscale(blue)].map(
        async (p) => (await pixels((await p).data)).data[0] ?? 0,
      ),
    );
    // An average would give 85 for both. CIE luminance, sRGB-encoded: green ≈ 220, blue ≈ 76.
    expect(g).toBeGreaterThan(200);
    expect(b).toBeLessThan(82);
  });

  it('accepts a readable stream as input', async () => {
    const { info } = await grayscale(createReadStream(samplePhotoPaths()[0] ?? ''));
    expect(info.width).toBe(1600);
  });
});

describe('thumbnail', () => {
  it('never enlarges a photo smaller than the box', async () => {
    const small = await sharp(samplePhoto()).resize(100, 62).jpeg().toBuffer();
    const { info } = await thumbnail(small, { width: 512, height: 512 });
    expect([info.width, info.height]).toEqual([100, 62]);
  });

  it('honours a custom box', async () => {
    const { info } = await thumbnail(samplePhoto(), { width: 100, height: 300 });
    expect([info.width, info.height]).toEqual([100, 63]);
  });

  it('applies EXIF orientation: a sideways-stored photo comes out upright', async () => {
    const upright = samplePhoto();
    const sideways = await sharp(upright)
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).width).toBe(1000);
    const [fromSideways, fromUpright] = await Promise.all([
      thumbnail(sideways),
      thumbnail(upright),
    ]);
    expect([fromSideways.info.width, fromSideways.info.height]).toEqual([256, 160]);
    const diff = await regionDifference(fromSideways.data, fromUpright.data, {
      left: 0,
      top: 0,
      width: 256,
      height: 160,
    });
    expect(diff).toBeLessThan(6);
  });

  it('strips metadata: no EXIF or GPS survives', async () => {
    const tagged = await sharp(samplePhoto())
      .withExif({
        IFD0: { Copyright: 'x', Artist: 'y' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' },
      })
      .jpeg()
      .toBuffer();
    expect((await sharp(tagged).metadata()).exif).toBeDefined();
    for (const op of [thumbnail, grayscale, watermark]) {
      const meta = await sharp((await op(tagged)).data).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }
  });
});

describe('watermark', () => {
  it('fits on a tiny photo and stays inside it', async () => {
    const tiny = await sharp(samplePhoto()).resize(40, 25).jpeg().toBuffer();
    const { data, info } = await watermark(tiny);
    expect([info.width, info.height]).toEqual([40, 25]);
    const diff = await regionDifference(tiny, data, { left: 28, top: 19, width: 8, height: 3 });
    expect(diff).toBeGreaterThan(5);
  });

  it('scales the logo with a huge photo', async () => {
    const huge = await sharp(samplePhoto()).resize(8000, 5000).jpeg({ quality: 70 }).toBuffer();
    const { data, info } = await watermark(huge, { gravity: 'northwest', opacity: 1 });
    expect([info.width, info.height]).toEqual([8000, 5000]);
    // logo is 1600 px wide at a 150 px margin in the north-west corner
    expect(
      await regionDifference(huge, data, { left: 150, top: 150, width: 1600, height: 40 }),
    ).toBeGreaterThan(30);
    expect(
      await regionDifference(huge, data, { left: 6000, top: 4500, width: 1000, height: 300 }),
    ).toBeLessThan(4);
  });
});

describe('logo asset', () => {
  it('the inlined logo is byte-identical to assets/darkroom-logo.svg', async () => {
    const { DARKROOM_LOGO_SVG } = await import('./index.ts');
    expect(DARKROOM_LOGO_SVG).toBe(
      readFileSync(new URL('../assets/darkroom-logo.svg', import.meta.url), 'utf8'),
    );
  });
});
