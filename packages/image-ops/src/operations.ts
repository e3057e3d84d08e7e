import { grayscale } from './grayscale.ts';
import type { ImageInput } from './input.ts';
import type { ImageResult } from './output.ts';
import { thumbnail } from './thumbnail.ts';
import { watermark } from './watermark.ts';
import {
  type GrayscaleOptions,
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

/** Name of an image operation. */
export type OperationName = keyof OperationOptions;

/** Every operation by name, for callers that pick one at run time (the workers, the bench). */
export const imageOperations: {
  readonly [K in OperationName]: (
    input: ImageInput,
    options?: OperationOptions[K],
  ) => Promise<ImageResult>;
} = {
  grayscale,
  watermark,
  thumbnail,
};

const schemas = {
  grayscale: grayscaleOptionsSchema,
  watermark: watermarkOptionsSchema,
  thumbnail: thumbnailOptionsSchema,
} as const;

/**
 * Validate an operation's options and fill in the defaults, without touching any image — a
 * worker calls this at start-up so a bad setting stops the pod instead of failing every photo.
 *
 * @throws {InvalidOptionsError} naming each bad option, its expectation and the value received.
 * @example resolveOptions('thumbnail', { width: 320 }) // { width: 320, height: 256, quality: 85, … }
 */
export function resolveOptions<K extends OperationName>(
  operation: K,
  options: OperationOptions[K] | undefined,
): Record<string, unknown> {
  return parseOptions(operation, schemas[operation], options) as Record<string, unknown>;
}
