import { type ImageInput, open, probe, readInput } from './input.ts';
import { logoAspect, renderLogo } from './logo.ts';
import { type WatermarkOptions, parseOptions, watermarkOptionsSchema } from './options.ts';
import { type ImageResult, encode, outputFormatFor } from './output.ts';
import { placeLogo } from './placement.ts';

/**
 * Composite the Darkroom logo onto a photo.
 *
 * The logo is rendered from its SVG at the exact pixel size needed (`scale` × the photo's width,
 * shrunk to fit on tiny photos), so it is sharp on a 50 MP frame and still visible on a 40 px
 * one; `margin` is a fraction of the shorter side so it looks the same at any resolution.
 *
 * Defaults: gravity `southeast`, scale 0.2, opacity 0.7, margin 0.03, quality 85.
 *
 * @throws {InvalidOptionsError} before any I/O when an option is out of range.
 * @throws {UnsupportedFormatError} | {CorruptImageError} | {ImageTooLargeError} for bad input.
 * @example
 * const { data } = await watermark(photo, { gravity: 'northwest', opacity: 0.5 });
 */
export async function watermark(
  input: ImageInput,
  options?: WatermarkOptions,
): Promise<ImageResult> {
  const opts = parseOptions('watermark', watermarkOptionsSchema, options);
  const image = await probe(await readInput(input, opts.maxInputBytes), opts.limitInputPixels);
  const place = placeLogo(image, logoAspect(), opts.gravity, opts.scale, opts.margin);
  const logo = await renderLogo(place.width, place.height, opts.opacity);
  const pipeline = open(image, opts.limitInputPixels)
    .toColourspace('srgb')
    .composite([{ input: logo, left: place.left, top: place.top }]);
  return encode(pipeline, outputFormatFor(image.hasAlpha), opts);
}
