import { type ImageInput, open, probe, readInput } from './input.ts';
import { type ThumbnailOptions, parseOptions, thumbnailOptionsSchema } from './options.ts';
import { type ImageResult, encode, outputFormatFor } from './output.ts';

/**
 * Make a thumbnail that fits inside a `width` × `height` box, keeping the aspect ratio and never
 * enlarging a photo that already fits.
 *
 * Resizing is the first pixel operation, so libvips uses JPEG shrink-on-load: it decodes at
 * 1/2, 1/4 or 1/8 scale straight from the DCT data instead of decoding every pixel (the bench
 * measures the gain against a full decode followed by a resize).
 *
 * Defaults: 256 × 256 box, quality 85, limitInputPixels 100 MP.
 *
 * @throws {InvalidOptionsError} before any I/O when an option is out of range.
 * @throws {UnsupportedFormatError} | {CorruptImageError} | {ImageTooLargeError} for bad input.
 * @example
 * const { info } = await thumbnail(stream, { width: 320, height: 320 });
 * // a 1600×1000 photo gives info.width 320, info.height 200
 */
export async function thumbnail(
  input: ImageInput,
  options?: ThumbnailOptions,
): Promise<ImageResult> {
  const opts = parseOptions('thumbnail', thumbnailOptionsSchema, options);
  const image = await probe(await readInput(input, opts.maxInputBytes), opts.limitInputPixels);
  const pipeline = open(image, opts.limitInputPixels)
    .resize(opts.width, opts.height, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb');
  return encode(pipeline, outputFormatFor(image.hasAlpha), opts);
}
