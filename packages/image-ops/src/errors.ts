/**
 * Typed errors of the image operations.
 *
 * Every error carries a stable `code` (used as the `darkroom-error` DLQ attribute), the `stage`
 * that failed and `permanent`: `true` means retrying the same bytes can never succeed, so a
 * worker dead-letters the message instead of letting it be redelivered.
 */

/** Where in an operation the failure happened. */
export type ImageOpsStage = 'options' | 'read' | 'probe' | 'decode' | 'encode';

/** Stable machine-readable error codes. */
export type ImageOpsErrorCode =
  'InvalidOptions' | 'UnsupportedFormat' | 'CorruptImage' | 'ImageTooLarge';

/** Base class of every error thrown by `@darkroom/image-ops`. */
export abstract class ImageOpsError extends Error {
  abstract readonly code: ImageOpsErrorCode;
  /** Always `true`: the same input fails the same way every time. */
  readonly permanent = true as const;
  readonly retryable = false as const;
  readonly stage: ImageOpsStage;

  constructor(message: string, stage: ImageOpsStage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.stage = stage;
  }
}

/** Options did not pass validation; the message names the option, the expectation and the value. */
export class InvalidOptionsError extends ImageOpsError {
  readonly code = 'InvalidOptions' as const;
  constructor(message: string) {
    super(message, 'options');
  }
}

/** The bytes are not an image format Darkroom accepts (or this sharp build cannot decode). */
export class UnsupportedFormatError extends ImageOpsError {
  readonly code = 'UnsupportedFormat' as const;
  /** Detected format, when the header was recognised at all. */
  readonly format: string | undefined;
  constructor(
    message: string,
    stage: ImageOpsStage,
    format?: string,
    options?: { cause?: unknown },
  ) {
    super(message, stage, options);
    this.format = format;
  }
}

/** The format is recognised but the data is empty, truncated or damaged. */
export class CorruptImageError extends ImageOpsError {
  readonly code = 'CorruptImage' as const;
}

/** The input exceeds the configured pixel or byte limit; it is rejected before decoding. */
export class ImageTooLargeError extends ImageOpsError {
  readonly code = 'ImageTooLarge' as const;
  readonly limit: number;
  readonly actual: number;
  constructor(message: string, stage: ImageOpsStage, limit: number, actual: number) {
    super(message, stage);
    this.limit = limit;
    this.actual = actual;
  }
}

/** Narrow an unknown value to an image-ops error. */
export function isImageOpsError(value: unknown): value is ImageOpsError {
  return value instanceof ImageOpsError;
}

const PIXEL_LIMIT = /pixel limit/i;

/** libvips reasons span several lines; a DLQ attribute, a log field or a table cell needs one. */
function oneLine(message: string): string {
  return message
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
}
const UNSUPPORTED = /unsupported image format|not built in|no decoder|unsupported codec/i;

/**
 * Translate an error thrown by sharp/libvips into a typed error.
 * Unknown libvips failures on decode are treated as corrupt data: they are deterministic for the
 * same bytes, so retrying would only waste receives.
 */
export function fromSharpError(error: unknown, stage: ImageOpsStage): ImageOpsError {
  if (isImageOpsError(error)) return error;
  const message = oneLine(error instanceof Error ? error.message : String(error));
  if (PIXEL_LIMIT.test(message)) {
    return new ImageTooLargeError(
      `Image exceeds the pixel limit (${message}); raise limitInputPixels or resize before upload`,
      stage,
      Number.NaN,
      Number.NaN,
    );
  }
  if (UNSUPPORTED.test(message)) {
    return new UnsupportedFormatError(
      `Unsupported image data (${message}); upload JPEG, PNG, WebP, GIF, TIFF or AVIF`,
      stage,
      undefined,
      { cause: error },
    );
  }
  return new CorruptImageError(
    `Image data is damaged or truncated (${message}); re-export or re-upload the original`,
    stage,
    { cause: error },
  );
}
