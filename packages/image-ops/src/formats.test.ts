import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import {
  CorruptImageError,
  ImageTooLargeError,
  InvalidOptionsError,
  UnsupportedFormatError,
  grayscale,
  thumbnail,
  watermark,
} from './index.ts';
import { fromSharpError } from './errors.ts';
import { fixturePath, pixels, pngHeaderBomb, samplePhoto } from './test-support.ts';

const base = () => sharp(samplePhoto()).resize(320, 200);

describe('input formats', () => {
  it('PNG with alpha stays PNG with its transparency', async () => {
    const png = await base().ensureAlpha(0.5).png().toBuffer();
    for (const op of [grayscale, thumbnail, watermark]) {
      const { data, info } = await op(png);
      expect(info.format).toBe('png');
      const meta = await sharp(data).metadata();
      expect(meta.hasAlpha).toBe(true);
    }
  });

  it('16-bit PNG is read and written as 8-bit', async () => {
    const png16 = await base().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const { data, info } = await thumbnail(png16);
    expect(info.format).toBe('jpeg');
    expect((await sharp(data).metadata()).depth).toBe('uchar');
  });

  it('CMYK JPEG comes out as sRGB', async () => {
    const cmyk = await base().toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const { data } = await watermark(cmyk);
    const meta = await sharp(data).metadata();
    expect(meta.space).toBe('srgb');
    expect(meta.channels).toBe(3);
  });

  it.each(['gif', 'webp'] as const)(
    'animated %s: the first frame becomes a still',
    async (format) => {
      const red = await sharp({
        create: { width: 64, height: 48, channels: 3, background: '#ff0000' },
      })
        .png()
        .toBuffer();
      const blue = await sharp({
        create: { width: 64, height: 48, channels: 3, background: '#0000ff' },
      })
        .png()
        .toBuffer();
      const animated = await sharp([red, blue], { join: { animated: true } })
        .toFormat(format)
        .toBuffer();
      expect((await sharp(animated).metadata()).pages).toBe(2);
      const { data, info } = await thumbnail(animated);
      expect([info.width, info.height]).toEqual([64, 48]);
      const px = await pixels(data);
      expect(px.data[0]).toBeGreaterThan(200);
      expect(px.data[2]).toBeLessThan(60);
    },
  );

  it('HEIC without an HEVC decoder is a clear UnsupportedFormatError', async () => {
    const heic = readFileSync(fixturePath('kite-64x40.heic'));
    const error = await grayscale(heic).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFormatError);
    expect((error as UnsupportedFormatError).message).toMatch(/HEIC.*convert to JPEG or AVIF/);
    expect((error as UnsupportedFormatError).permanent).toBe(true);
  });

  it('AVIF is accepted', async () => {
    const avif = await base().avif({ quality: 50, effort: 0 }).toBuffer();
    const { info } = await thumbnail(avif);
    expect([info.width, info.height]).toEqual([256, 160]);
  });

  it('SVG is refused even though libvips could render it', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await expect(thumbnail(svg)).rejects.toBeInstanceOf(UnsupportedFormatError);
  });

  it('an SVG with an external entity (XXE) is UnsupportedFormat, never parsed', async () => {
    const xxe = Buffer.from(
      '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&x;</text></svg>',
    );
    for (const op of [grayscale, thumbnail, watermark])
      await expect(op(xxe)).rejects.toMatchObject({ code: 'UnsupportedFormat', format: 'svg' });
  });
});

describe('bad input', () => {
  it('truncated JPEG is a CorruptImageError', async () => {
    const photo = samplePhoto();
    const error = await grayscale(photo.subarray(0, photo.byteLength / 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptImageError);
    expect(error).toMatchObject({ code: 'CorruptImage', permanent: true, stage: 'decode' });
  });

  it('a libvips reason spanning several lines is reported on one line (DLQ attribute, summary table)', () => {
    // libvips accumulates one line per failing layer, e.g. a JPEG with two damaged segments.
    const vips = new Error(
      'VipsJpeg: Corrupt JPEG data: 12 extraneous bytes before marker 0xd9\nVipsJpeg: premature end of JPEG image\n',
    );
    const error = fromSharpError(vips, 'decode');
    expect(error).toBeInstanceOf(CorruptImageError);
    expect(error.message).toBe(
      'Image data is damaged or truncated (VipsJpeg: Corrupt JPEG data: 12 extraneous bytes before marker 0xd9; VipsJpeg: premature end of JPEG image); re-export or re-upload the original',
    );
  });

  it('a text file named .jpg is an UnsupportedFormatError', async () => {
    await expect(thumbnail(Buffer.from('not a photo, just text\n'))).rejects.toBeInstanceOf(
      UnsupportedFormatError,
    );
  });

  it('zero bytes is a CorruptImageError saying the upload is empty', async () => {
    await expect(watermark(Buffer.alloc(0))).rejects.toThrow(CorruptImageError);
    await expect(watermark(Buffer.alloc(0))).rejects.toThrow(/empty/);
  });

  it('a 50000×50000 PNG header bomb is refused at the header, with bounded memory', async () => {
    const bomb = pngHeaderBomb();
    const before = process.memoryUsage().rss;
    const error = await thumbnail(bomb).catch((e: unknown) => e);
    const grownMb = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toMatchObject({ stage: 'probe', actual: 2_500_000_000, limit: 100_000_000 });
    expect(grownMb).toBeLessThan(64);
  });

  it('limitInputPixels is configurable', async () => {
    await expect(thumbnail(samplePhoto(), { limitInputPixels: 1_000_000 })).rejects.toThrow(
      /1600×1000 = 1600000 pixels, above limitInputPixels 1000000/,
    );
  });

  it('maxInputBytes stops an oversized stream', async () => {
    async function* endless() {
      for (;;) yield Buffer.alloc(64 * 1024);
    }
    await expect(grayscale(endless(), { maxInputBytes: 1024 * 1024 })).rejects.toBeInstanceOf(
      ImageTooLargeError,
    );
  });
});

describe('options', () => {
  it('names the option, the expectation and the value received, before reading input', async () => {
    const never = Buffer.alloc(0);
    await expect(thumbnail(never, { width: 0 })).rejects.toThrow(
      'thumbnail option "width" must be an integer from 1 to 16384, received 0',
    );
    await expect(watermark(never, { opacity: 3, gravity: 'up' as never })).rejects.toThrow(
      /watermark option "gravity" must be one of north, .*centre, received "up"; watermark option "opacity" must be a number from 0 to 1, received 3/,
    );
    await expect(grayscale(never, { colour: true } as never)).rejects.toThrow(
      'grayscale has no option "colour"',
    );
    await expect(grayscale(never, { quality: 101 })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
