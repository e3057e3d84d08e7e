import { type ImageInput, open, probe, readInput } from './input.ts';
import { type GrayscaleOptions, grayscaleOptionsSchema, parseOptions } from './options.ts';
import { type ImageResult, encode, outputFormatFor } from './output.ts';

/**
 * Make a luminance grayscale copy of a photo.
 *
 * Pixels go through libvips' B_W conversion (CIE luminance Y of the sRGB data, not an average of
 * R, G and B), and the result is a single-channel JPEG (or grey + alpha PNG when the input has
 * transparency): one channel is a third of the pixel data, cannot carry a colour cast, and every
 * viewer displays it.
 *
 * Defaults: quality 85, limitInputPixels 100 MP, maxInputBytes 200 MiB, optimiseCoding false.
 *
 * @throws {InvalidOptionsError} before any I/O when an option is out of range.
 * @throws {UnsupportedFormatError} | {CorruptImageError} | {ImageTooLargeError} for bad input.
 * @example
 * const { data, info } = await grayscale(await readFile('photo.jpg'));
 * // info: { format: 'jpeg', width: 1600, height: 1000, channels: 1, size: 181234 }
 */
export async function grayscale(
  input: ImageInput,
  options?: GrayscaleOptions,
): Promise<ImageResult> {
  const opts = parseOptions('grayscale', grayscaleOptionsSchema, options);
  const image = await probe(await readInput(input, opts.maxInputBytes), opts.limitInputPixels);
  const pipeline = open(image, opts.limitInputPixels).toColourspace('b-w');
  return encode(pipeline, outputFormatFor(image.hasAlpha), opts);
}
