import type { z } from 'zod';
import { grayscale } from './grayscale.ts';
import type { ImageInput } from './input.ts';
import type { ImageResult } from './output.ts';
import { thumbnail } from './thumbnail.ts';
import { watermark } from './watermark.ts';
import {
  type GrayscaleOptions,
  type ResolvedGrayscaleOptions,
  type ResolvedThumbnailOptions,
  type ResolvedWatermarkOptions,
  type ThumbnailOptions,
  type WatermarkOptions,
  grayscaleOptionsSchema,
  parseOptions,
  thumbnailOptionsSchema,
  watermarkOptionsSchema,
} from './options.ts';

/** Options of each operation, by name. */
export interface OperationOptions {
  grayscale: GrayscaleOptions;
  watermark: WatermarkOptions;
  thumbnail: ThumbnailOptions;
}

/** Options of each operation after validation, every default filled in. */
export interface ResolvedOperationOptions {
  grayscale: ResolvedGrayscaleOptions;
  watermark: ResolvedWatermarkOptions;
  thumbnail: ResolvedThumbnailOptions;
}

/** Name of an image operation (the same names as the pipeline's operations). */
export type ImageOperationName = keyof OperationOptions;

/** Every operation by name, for callers that pick one at run time (the workers, the bench). */
export const imageOperations: {
  readonly [K in ImageOperationName]: (
    input: ImageInput,
    options?: OperationOptions[K],
  ) => Promise<ImageResult>;
} = {
  grayscale,
  watermark,
  thumbnail,
};

const schemas: {
  readonly [K in ImageOperationName]: z.ZodType<ResolvedOperationOptions[K], OperationOptions[K]>;
} = {
  grayscale: grayscaleOptionsSchema,
  watermark: watermarkOptionsSchema,
  thumbnail: thumbnailOptionsSchema,
};

/**
 * Validate an operation's options and fill in the defaults, without touching any image — a
 * worker calls this at start-up so a bad setting stops the pod instead of failing every photo.
 *
 * @throws {InvalidOptionsError} naming each bad option, its expectation and the value received.
 * @example resolveOptions('thumbnail', { width: 320 }) // { width: 320, height: 256, quality: 85, … }
 */
export function resolveOptions<K extends ImageOperationName>(
  operation: K,
  options: OperationOptions[K] | undefined,
): ResolvedOperationOptions[K] {
  return parseOptions(operation, schemas[operation], options);
}
