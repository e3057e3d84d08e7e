/**
 * The first-bytes check agrees with the full one: every format image-ops accepts is accepted
 * from its start, and what it refuses is refused before anything else is read.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { grayscale } from './index.ts';
import { sniffFormat } from './sniff.ts';
import { samplePhoto } from './test-support.ts';

const photo = () => sharp(samplePhoto()).resize(64, 48);

describe('sniffFormat', () => {
  it.each([
    ['jpeg', () => photo().jpeg().toBuffer()],
    ['progressive jpeg', () => photo().jpeg({ progressive: true }).toBuffer()],
    ['cmyk jpeg', () => photo().toColourspace('cmyk').jpeg().toBuffer()],
    ['png', () => photo().png().toBuffer()],
    ['webp', () => photo().webp().toBuffer()],
    ['gif', () => photo().gif().toBuffer()],
    ['tiff', () => photo().tiff().toBuffer()],
    ['avif', () => photo().avif().toBuffer()],
  ])('accepts %s from its first bytes, as the full check does', async (_format, make) => {
    const bytes = await make();
    await expect(grayscale(bytes)).resolves.toBeDefined();
    expect((await sniffFormat(bytes.subarray(0, 4100))).kind).toBe('accepted');
  });

  it.each([
    ['text named .jpg', Buffer.from('this is a text file, not a photo, however it is named\n')],
    [
      'a PDF',
      Buffer.from('%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'),
    ],
    [
      'an SVG',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'),
    ],
    ['a ZIP', Buffer.from('504b030414000000080000000000000000000000000000000000', 'hex')],
  ])('refuses %s from its first bytes', async (_what, bytes) => {
    expect((await sniffFormat(bytes)).kind).toBe('refused');
    await expect(grayscale(bytes)).rejects.toMatchObject({ code: 'UnsupportedFormat' });
  });

  it('leaves an empty or tiny upload to the full check, which says exactly what is wrong', async () => {
    expect(await sniffFormat(Buffer.alloc(0))).toEqual({ kind: 'undecided' });
    expect(await sniffFormat(Buffer.from([0xff, 0xd8]))).toEqual({ kind: 'undecided' });
  });
});
