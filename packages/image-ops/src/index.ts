export { grayscale } from './grayscale.ts';
export { thumbnail } from './thumbnail.ts';
export { watermark } from './watermark.ts';
export {
  imageOperations,
  resolveOptions,
  type ImageOperationName,
  type OperationOptions,
  type ResolvedOperationOptions,
} from './operations.ts';
export { tuneSharpForWorker, type SharpTuning } from './tuning.ts';
export { placeLogo, type Placement } from './placement.ts';
export { DARKROOM_LOGO_SVG } from './logo-svg.ts';
export { logoAspect } from './logo.ts';
export { ACCEPTED_FORMATS, type ImageInput } from './input.ts';
export type { ImageResult, OutputFormat } from './output.ts';
export {
  GRAVITIES,
  LIMITS,
  DEFAULT_LIMIT_INPUT_PIXELS,
  DEFAULT_MAX_INPUT_BYTES,
  grayscaleOptionsSchema,
  thumbnailOptionsSchema,
  watermarkOptionsSchema,
  type Gravity,
  type GrayscaleOptions,
  type ThumbnailOptions,
  type WatermarkOptions,
} from './options.ts';
export {
  ImageOpsError,
  InvalidOptionsError,
  UnsupportedFormatError,
  CorruptImageError,
  ImageTooLargeError,
  isImageOpsError,
  type ImageOpsErrorCode,
  type ImageOpsStage,
} from './errors.ts';
export { SNIFF_BYTES, sniffFormat, type Sniffed } from './sniff.ts';
