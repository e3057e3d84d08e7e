import { grayscale } from './grayscale.ts';
import type { ImageInput } from './input.ts';
import type { ImageResult } from './output.ts';
import { thumbnail } from './thumbnail.ts';
import { watermark } from './watermark.ts';
import type { GrayscaleOptions, ThumbnailOptions, WatermarkOptions } from './options.ts';

/** Options of each operation, by name. */
export interface OperationOptions {
  grayscale: GrayscaleOptions;
  watermark: WatermarkOptions;
  thumbnail: ThumbnailOptions;
}

/** Name of an image operation. */
export type OperationName = keyof OperationOptions;

/** Every operation by name, for callers that pick one at run time (the workers, the bench). */
export const imageOperations: { readonly [K in OperationName]: (input: ImageInput, options?: OperationOptions[K]) => Promise<ImageResult> } = {
  grayscale,
  watermark,
  thumbnail,
};
