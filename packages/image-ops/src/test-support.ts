/** Fixture builders shared by this package's tests (real photos in, damaged variants out). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { SAMPLE_PHOTOS_DIR } from './samples.ts';

export const samplePhotoPaths = (): string[] =>
  readdirSync(SAMPLE_PHOTOS_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => join(SAMPLE_PHOTOS_DIR, f));

export const samplePhoto = (name = 'kite.jpg'): Buffer =>
  readFileSync(join(SAMPLE_PHOTOS_DIR, name));

export const fixturePath = (name: string): string =>
  new URL(`../test-fixtures/${name}`, import.meta.url).pathname;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header claiming `width` × `height` RGB pixels, with almost no data behind it. */
export function pngHeaderBomb(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Decode to raw RGB(A) for pixel assertions. */
export async function pixels(
  data: Buffer,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data: raw, info } = await sharp(data).raw().toBuffer({ resolveWithObject: true });
  return { data: raw, width: info.width, height: info.height, channels: info.channels };
}

/** Mean absolute difference of the RGB channels of two same-sized regions of two images. */
export async function regionDifference(
  a: Buffer,
  b: Buffer,
  region: { left: number; top: number; width: number; height: number },
): Promise<number> {
  const [ra, rb] = await Promise.all(
    [a, b].map((img) =>
      sharp(img).extract(region).removeAlpha().toColourspace('srgb').raw().toBuffer(),
    ),
  );
  if (!ra || !rb || ra.byteLength !== rb.byteLength) throw new Error('regions differ in size');
  let sum = 0;
  for (let i = 0; i < ra.byteLength; i++) sum += Math.abs((ra[i] ?? 0) - (rb[i] ?? 0));
  return sum / ra.byteLength;
}
